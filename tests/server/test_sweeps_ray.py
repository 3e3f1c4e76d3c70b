"""Sweeps on a real local Ray cluster (2 CPUs): trials as Ray tasks, a killed worker's trials
retried, and failed with the reason once the retries are spent."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.trainer import Trainer
from server.app import create_app
from server.settings import Settings
from tests.server.test_sweeps import BASE, finished, sweep_body, wait_for

pytestmark = pytest.mark.usefixtures("ray_cluster")


def ray_client(tmp_path: Path, **settings: Any) -> TestClient:
    database = str(tmp_path / "runs.db")
    return TestClient(create_app(Settings(database=database, ray_address="auto", **settings)))


def task_processes() -> list[int]:
    """The Ray worker processes running a sweep's task now (Ray names them by the task)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if command.startswith(b"ray::train_chunk"):
            found.append(int(pid))
    return found


def test_a_six_trial_sweep_trains_on_ray_with_the_engines_numbers(tmp_path: Path) -> None:
    with ray_client(tmp_path) as client:
        created = client.post("/api/sweeps", json=sweep_body())
        assert created.status_code == 201, created.text
        sweep = created.json()
        assert sweep["executor"] == "ray"  # the default on a server with a cluster
        done = wait_for(lambda: finished(client, sweep["id"]), timeout=120)
        assert done["counts"] == {"succeeded": 6}
        trial = done["trials"][4]
        raw = {**BASE, "seed": 7, "training": {**BASE["training"], "learning_rate": 0.3}}
        alone = Trainer(ExperimentConfig.model_validate(raw))
        alone.fit(30)
        assert trial["params"]["training.learning_rate"] == 0.3
        assert trial["result"]["test_loss"] == alone.history.as_lists()["test_loss"][-1]
        metrics = client.get(f"/api/runs/{trial['run_id']}/metrics").json()
        assert metrics["epoch"] == list(range(31))  # every row came back into the store
        assert client.get(f"/api/runs/{trial['run_id']}/model").status_code == 200


def long_sweep(client: TestClient) -> dict[str, Any]:
    config = {**BASE, "training": {**BASE["training"], "max_epochs": 2000}}
    body = {"config": config, "grid": {"training.learning_rate": [0.01, 0.02]}, "seeds": [1]}
    created = client.post("/api/sweeps", json=body)
    assert created.status_code == 201, created.text
    sweep: dict[str, Any] = created.json()
    return sweep


def test_a_killed_workers_trials_are_retried_and_finish(tmp_path: Path) -> None:
    with ray_client(tmp_path) as client:
        sweep = long_sweep(client)
        (pid,) = wait_for(task_processes, timeout=60)
        os.kill(pid, signal.SIGKILL)
        done = wait_for(lambda: finished(client, sweep["id"]), timeout=180)
        assert done["counts"] == {"succeeded": 2}
        assert [t["attempts"] for t in done["trials"]] == [1, 1]
        assert all(t["epoch"] == 2000 for t in done["trials"])


def test_a_trial_whose_worker_dies_past_its_retries_fails_with_the_reason(tmp_path: Path) -> None:
    with ray_client(tmp_path, sweep_retries=0) as client:
        sweep = long_sweep(client)
        (pid,) = wait_for(task_processes, timeout=60)
        os.kill(pid, signal.SIGKILL)

        def ended() -> dict[str, Any] | None:
            shown: dict[str, Any] = client.get(f"/api/sweeps/{sweep['id']}").json()
            return shown if shown["status"] == "finished" else None

        done = wait_for(ended, timeout=120)
        assert done["counts"] == {"failed": 2}
        error = done["trials"][0]["error"]
        assert (
            "the Ray worker training it failed" in error
            and "(its worker died 1 time; NNPG_SWEEP_RETRIES is 0)" in error
        )


def test_cancel_stops_the_ray_tasks(tmp_path: Path) -> None:
    with ray_client(tmp_path) as client:
        sweep = long_sweep(client)
        wait_for(task_processes, timeout=60)
        auth = {"Authorization": f"Bearer {sweep['control_token']}"}
        cancelled = client.post(f"/api/sweeps/{sweep['id']}/cancel", headers=auth).json()
        assert cancelled["status"] == "cancelled" and cancelled["counts"] == {"cancelled": 2}
        wait_for(lambda: not task_processes(), timeout=60)  # the task was cancelled
        assert client.get(f"/api/sweeps/{sweep['id']}").json()["counts"] == {"cancelled": 2}
