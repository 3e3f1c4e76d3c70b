"""The store survives restarts: finished runs stay, live ones come back ``interrupted`` with
their last checkpoint, and ``resume`` trains them on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import free_port
from tests.server.test_live import wait_for
from tests.server.test_scripted import bearer, finished


def app_on(database: Path) -> TestClient:
    return TestClient(create_app(Settings(database=str(database), default_fps=30.0)))


def test_a_restart_keeps_finished_runs_and_resumes_interrupted_ones(tmp_path: Path) -> None:
    database = tmp_path / "runs.db"
    with app_on(database) as client:
        done = finished(client)
        live = client.post("/api/runs", json={"config": {"seed": 3}}).json()
        wait_for(lambda: client.get(f"/api/runs/{live['id']}").json()["epoch"] >= 20)
        history = client.get(f"/api/runs/{done['id']}/metrics").json()
    with app_on(database) as client:
        assert client.get(f"/api/runs/{done['id']}/metrics").json() == history
        assert client.get(f"/api/runs/{done['id']}").json()["status"] == "succeeded"
        url = f"/api/runs/{live['id']}"
        stopped = client.get(url).json()
        assert stopped["status"] == "interrupted" and stopped["epoch"] >= 20
        model = client.get(f"{url}/model").json()  # the checkpoint taken at shutdown
        assert model["epoch"] >= 20
        assert client.post(f"{url}/resume").status_code == 403
        resumed = client.post(f"{url}/resume", headers=bearer(live)).json()
        assert resumed["status"] == "running"
        assert resumed["share_code"] == live["share_code"]  # old watch links still work
        wait_for(lambda: client.get(url).json()["epoch"] >= model["epoch"] + 10)
        epochs = client.get(f"{url}/metrics").json()["epoch"]
        assert epochs == list(range(len(epochs)))  # one history, no gap, no repeat


def test_an_interrupted_run_can_come_back_paused(tmp_path: Path) -> None:
    """``resume?play=false``: the page of a paused run brings it back as it was."""
    database = tmp_path / "runs.db"
    with app_on(database) as client:
        live = client.post("/api/runs", json={"config": {"seed": 4}}).json()
        wait_for(lambda: client.get(f"/api/runs/{live['id']}").json()["epoch"] >= 10)
    with app_on(database) as client:
        url = f"/api/runs/{live['id']}"
        epoch = client.get(url).json()["epoch"]
        back = client.post(f"{url}/resume", params={"play": False}, headers=bearer(live))
        assert back.status_code == 200
        wait_for(lambda: client.get(url).json()["status"] == "paused")
        time.sleep(0.3)
        assert client.get(url).json()["epoch"] == epoch  # held at its checkpoint
        again = client.post(f"{url}/resume", params={"play": False}, headers=bearer(live))
        assert again.json()["status"] == "paused"  # live already: left as it is
        client.post(f"{url}/resume", headers=bearer(live))
        wait_for(lambda: client.get(url).json()["epoch"] > epoch)


def _serve(database: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NNPG_DATABASE": str(database), "NNPG_WORKERS": "1"}
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    wait_for(lambda: _up(port))
    return server


def stored_epoch(database: Path, run_id: str) -> int:
    """The epoch the server's store holds for the run (what a killed server leaves)."""
    with closing(sqlite3.connect(database)) as db:
        row = db.execute("SELECT epoch FROM runs WHERE id = ?", (run_id,)).fetchone()
    return int(row[0]) if row else -1


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
    except httpx.TransportError:
        return False


def test_a_killed_server_leaves_its_runs_interrupted_and_resumable(tmp_path: Path) -> None:
    database, port = tmp_path / "runs.db", free_port()
    base = f"http://127.0.0.1:{port}/api/runs"
    server = _serve(database, port)
    try:
        run: dict[str, Any] = httpx.post(base, json={"config": {"seed": 4}}).json()
        wait_for(lambda: stored_epoch(database, run["id"]) >= 10)  # in the store, not only live
    finally:
        server.send_signal(signal.SIGKILL)  # no shutdown, no last checkpoint
        server.wait(10)
    time.sleep(0.2)
    server = _serve(database, port)
    try:
        state = httpx.get(f"{base}/{run['id']}").json()
        assert state["status"] == "interrupted" and state["epoch"] >= 10
        checkpoint = httpx.get(f"{base}/{run['id']}/model").json()["epoch"]
        resumed = httpx.post(f"{base}/{run['id']}/resume", headers=bearer(run), timeout=10)
        assert resumed.json()["status"] == "running" and resumed.json()["epoch"] >= checkpoint
        wait_for(lambda: httpx.get(f"{base}/{run['id']}").json()["epoch"] >= 30)
        epochs = httpx.get(f"{base}/{run['id']}/metrics").json()["epoch"]
        assert epochs == list(range(len(epochs)))
    finally:
        server.terminate()
        server.wait(10)
