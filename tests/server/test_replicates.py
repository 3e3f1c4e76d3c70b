"""Seed replicates (issue #15): ``POST /api/runs`` with ``replicates`` N makes N runs of one
config over the seeds seed, seed + 1, …, under one control token; bad counts are refused
naming the field, and a server too full for all of them keeps none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.server.test_classes import bearer, new_class
from tests.server.test_live import wait_for

SETUP = {"seed": 11, "training": {"max_epochs": 25, "learning_rate": 0.1}}
ENDED = ("succeeded", "failed", "diverged")


def _ended(client: TestClient, run_id: str) -> dict[str, Any]:
    url = f"/api/runs/{run_id}"
    wait_for(lambda: client.get(url).json()["status"] in ENDED, 60)
    ended: dict[str, Any] = client.get(url).json()
    return ended


def test_replicates_are_one_config_over_consecutive_seeds_each_trained(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"))
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/runs", json={"config": SETUP, "replicates": 3, "speed": 200})
        assert answer.status_code == 201, answer.text
        made = answer.json()
        ids = made["replicates"]
        assert len(ids) == 3 == len(set(ids)) and ids[0] == made["id"]
        runs = [_ended(client, run_id) for run_id in ids]
        assert [run["status"] for run in runs] == ["succeeded"] * 3
        assert [run["config"]["seed"] for run in runs] == [11, 12, 13]
        for run in runs:  # the same setup but for the seed
            assert {**run["config"], "seed": 11} == runs[0]["config"]
            assert run["epoch"] == 25
        curves = [client.get(f"/api/runs/{run_id}/metrics").json() for run_id in ids]
        losses = [tuple(curve["test_loss"]) for curve in curves]
        assert len(set(losses)) == 3 and all(len(loss) == 26 for loss in losses)
        # one token holds them all
        listed = client.get("/api/runs", headers=bearer(made["control_token"])).json()["runs"]
        assert {run["id"] for run in listed} == set(ids)
        # a replicate trains as the same config with its seed alone does, to the bit
        alone = client.post("/api/runs", json={"config": {**SETUP, "seed": 12}}).json()
        _ended(client, alone["id"])
        assert client.get(f"/api/runs/{alone['id']}/metrics").json() == curves[1]
        single = client.post("/api/runs", json={"config": SETUP, "start": False}).json()
        assert single["replicates"] is None


@pytest.mark.parametrize("count", [0, 11, -1, 2.5, "three", None])
def test_a_bad_replicate_count_is_refused_naming_the_field(
    client: TestClient, count: object
) -> None:
    answer = client.post("/api/runs", json={"config": SETUP, "replicates": count})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "replicates"]


def test_a_class_run_is_one_run(client: TestClient) -> None:
    room = new_class(client)
    body = {"config": SETUP, "start": False, "replicates": 2}
    answer = client.post(
        f"/api/classes/{room['id']}/runs", json=body, headers=bearer(room["teacher_token"])
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "replicates"]


def test_replicates_past_the_clients_share_leave_no_run(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), max_runs_per_client=3)
    with TestClient(create_app(settings)) as client:
        body = {"config": SETUP, "start": False}
        too_many = client.post("/api/runs", json={**body, "replicates": 4})
        assert too_many.status_code == 429
        assert client.get("/api/runs", headers={"Authorization": "Bearer x"}).json()["runs"] == []
        made = client.post("/api/runs", json={**body, "replicates": 3})  # all 3 places free
        assert made.status_code == 201, made.text
        assert len(made.json()["replicates"]) == 3


def test_each_replicate_counts_against_the_create_rate(tmp_path: Path) -> None:
    """Ten replicates are ten runs made: a client allowed 4 a minute cannot make 10 in one
    request (the lanes of a race count the same way)."""
    settings = Settings(database=str(tmp_path / "runs.db"), creates_per_minute=4)
    with TestClient(create_app(settings)) as client:
        body = {"config": SETUP, "start": False}
        too_many = client.post("/api/runs", json={**body, "replicates": 10})
        assert too_many.status_code == 429, too_many.text
        assert too_many.json()["code"] == "rate.too_many"
        assert client.get("/api/runs", headers={"Authorization": "Bearer x"}).json()["runs"] == []
