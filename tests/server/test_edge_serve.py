"""The edge as ``nnplayground serve`` runs it, with uvicorn: proxy headers, the websocket's
message size, tokens kept out of the log, one server per store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.settings import Settings
from tests.conftest import free_port, serve_in_thread
from tests.server.test_live import wait_for
from tests.server.test_restart import _up


@pytest.mark.parametrize(
    ("trusted", "statuses"), [([], [201, 201, 429]), (["127.0.0.1"], [201] * 3)]
)
def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(
    trusted: list[str], statuses: list[int]
) -> None:
    settings = Settings(workers=0, creates_per_minute=2, forwarded_allow_ips=trusted)
    with serve_in_thread(settings) as url:
        got = [
            httpx.post(
                f"{url}/api/runs",
                json={"start": False},
                headers={"X-Forwarded-For": f"203.0.113.{k}"},
            ).status_code
            for k in range(3)
        ]
    assert got == statuses  # a new address per request escapes nothing unless trusted


def test_an_oversized_websocket_message_is_closed_with_1009_unread() -> None:
    with serve_in_thread(Settings(workers=0)) as url:
        run = httpx.post(f"{url}/api/runs", json={"start": False}).json()
        stream = f"ws{url[4:]}/api/runs/{run['id']}/stream?token={run['control_token']}"
        with connect(stream, max_size=None) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.send("x" * 2**20)  # the setting's limit is 4 kB: refused from the header
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def _serve(database: Path, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NNPG_DATABASE": str(database), "NNPG_WORKERS": "0"}
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stderr=log, stdout=log)


def _cli(database: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "server.cli", "--db", str(database), *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_a_served_store_is_its_servers_and_its_log_keeps_no_token(tmp_path: Path) -> None:
    database, port, log_path = tmp_path / "runs.db", free_port(), tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = _serve(database, port, log)
        try:
            wait_for(lambda: _up(port), 30)
            base = f"http://127.0.0.1:{port}"
            run = httpx.post(f"{base}/api/runs", json={"start": False}).json()
            token = run["control_token"]
            httpx.get(f"{base}/api/runs/{run['id']}?token={token}&x=1")
            stream = f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream?token={token}"
            with connect(stream) as ws:
                ws.recv(timeout=10)
            second = _cli(database, "serve", "--port", str(free_port()))
            listing = _cli(database, "runs", "list")
        finally:
            server.terminate()
            server.wait(20)
    assert second.returncode == 2
    [line] = second.stderr.strip().splitlines()
    assert f"another server (pid {server.pid})" in line and str(database) in line
    assert listing.returncode == 0 and run["id"] in listing.stdout  # the CLI reads beside it
    written = log_path.read_text()
    assert "[redacted]" in written and "WebSocket" in written
    assert token not in written
