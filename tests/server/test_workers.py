"""Worker processes, stuck viewers and shutdown, against real processes and sockets."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from server.app import create_app
from server.settings import Settings
from tests.conftest import free_port, serve_in_thread
from tests.server.test_live import wait_for
from tests.server.test_ws import connect, create, next_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_crashed_worker_process_fails_only_its_runs_and_is_replaced() -> None:
    with TestClient(create_app(Settings(workers=2))) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        first, second = create(client), create(client)
        victim = manager.runs[first["id"]].worker
        assert manager.runs[second["id"]].worker != victim  # spread over the workers
        with connect(client, first) as ws:
            next_of(ws, "frame", limit=50)
            os.kill(manager.workers[victim].process.pid, signal.SIGKILL)
            status = next_of(ws, "status")
            while status["status"] != "failed":
                status = next_of(ws, "status")
        assert "crashed" in status["error"]
        assert client.get(f"/api/runs/{second['id']}").json()["status"] == "created"
        third = create(client)  # the replacement serves new runs
        assert manager.runs[third["id"]].worker == victim
        wait_for(manager.workers[victim].process.is_alive)
        with connect(client, third) as ws:
            ws.send_json({"type": "step"})
            header, _ = next_of(ws, "frame", limit=50)
            while header["epoch"] == 0:
                header, _ = next_of(ws, "frame", limit=50)


def _frame_times(ws: ClientConnection, seconds: float) -> list[float]:
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        message = ws.recv(timeout=5)
        if isinstance(message, bytes) and b'"type":"frame"' in message[:64]:
            times.append(time.monotonic())
    return times


def test_a_viewer_that_never_reads_does_not_delay_another() -> None:
    settings = Settings(send_deadline=1.0, default_fps=30)
    with serve_in_thread(settings) as url:
        run = httpx.post(f"{url}/api/runs", json={"start": False}).json()
        stream = f"ws://127.0.0.1:{url.rsplit(':', 1)[1]}/api/runs/{run['id']}/stream"
        with (
            ws_connect(f"{stream}?token={run['control_token']}", max_size=None) as owner,
            ws_connect(stream, sock=_tiny_window(url), max_size=None, max_queue=1) as stuck,
        ):  # the stuck viewer reads nothing from here on
            _watch_past_a_stuck_viewer(url, owner, stuck)


def _tiny_window(url: str) -> socket.socket:
    """A client socket with a 2 kB receive window: a reader that stops blocks the server's
    sends within a second or two instead of after megabytes of kernel buffers."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    return sock


def _watch_past_a_stuck_viewer(url: str, owner: ClientConnection, stuck: ClientConnection) -> None:
    """The healthy viewer's frames keep their pace while the stuck one reads nothing."""
    owner.send(json.dumps({"type": "view", "resolution": 200}))  # big frames fill buffers
    owner.send(json.dumps({"type": "play"}))
    times = _frame_times(owner, 4.0)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # bounds a loaded machine keeps (both cores busy), far from what a send that waited on
    # the stuck socket would give: a stall of the whole 1 s send deadline, then a drop
    assert len(times) >= 0.5 * 4.0 * 30
    assert statistics.quantiles(gaps, n=100)[98] < 0.5  # p99 gap
    assert httpx.get(f"{url}/api/health").json()["viewers"] == 2  # the stuck one never blocked us
    # (A stuck socket is dropped once the kernel's send buffer is full and the send deadline
    # passes: megabytes later on loopback. test_live checks the deadline itself.)


def test_sigterm_closes_sockets_and_stops_workers_within_seconds() -> None:
    port = free_port()
    env = {**os.environ, "NNPG_WORKERS": "1", "NNPG_PORT": str(port)}
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(url), timeout=30)
        run = httpx.post(f"{url}/api/runs", json={"start": True}).json()
        stream = f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream"
        with ws_connect(stream, max_size=None) as ws:
            _terminate_while_watching(server, ws)
    finally:
        if server.poll() is None:
            server.kill()


def _terminate_while_watching(server: subprocess.Popen[bytes], ws: ClientConnection) -> None:
    ws.recv(timeout=10)
    start = time.monotonic()
    server.send_signal(signal.SIGTERM)
    closed: dict[str, Any] = {}

    def read_until_closed() -> None:
        try:
            while True:
                ws.recv(timeout=10)
        except ConnectionClosed as error:
            closed["code"] = error.rcvd.code if error.rcvd else None

    reader = threading.Thread(target=read_until_closed)
    reader.start()
    reader.join(10)
    assert closed.get("code") in (1001, 1012)  # going away / uvicorn's service restart
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says so
    assert server.wait(timeout=10) in (0, -signal.SIGTERM)
    assert time.monotonic() - start < 8
    assert server.stderr is not None
    assert b"Application shutdown complete" in server.stderr.read()


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_server_has_the_picture_pass_compiled_before_it_answers() -> None:
    """In a fresh process: its workers used to compile it during their first frames (on a
    new machine the first runs got 31 % of their frames for seconds)."""
    code = (
        "from fastapi.testclient import TestClient\n"
        "from engine import kernels\n"
        "from server.app import create_app\n"
        "from server.settings import Settings\n"
        "with TestClient(create_app(Settings(database=':memory:', workers=1))) as client:\n"
        "    assert client.get('/api/health').status_code == 200\n"
        "    print(len(kernels.picture_pass.signatures))\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "1"
