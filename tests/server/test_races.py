"""Races (issue #15): lanes made together on the same data from bit-identical weights, moved
in lockstep (by epoch, or by forward passes against the genetic trainer), refusals naming
``lanes[i]``'s field, and a race of forks against their original."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.server.test_live import wait_for
from tests.server.test_ws import next_of

OPTIMIZERS = ("momentum", "rmsprop", "adam")
BASE: dict[str, Any] = {"seed": 7, "data": {"dataset": "spiral"}, "network": {"hidden": [6, 4]}}


@pytest.fixture
def client(tmp_path: Path) -> Any:
    settings = Settings(database=str(tmp_path / "runs.db"), default_fps=30.0)
    with TestClient(create_app(settings)) as client:
        yield client


def _race(client: TestClient, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    made = client.post("/api/races", json=body)
    assert made.status_code == 201, made.text
    race = made.json()
    return race, {"Authorization": f"Bearer {race['control_token']}"}


def _runs(client: TestClient, race: dict[str, Any]) -> list[dict[str, Any]]:
    return [client.get(f"/api/runs/{lane['run_id']}").json() for lane in race["lanes"]]


def _optimizer_race(client: TestClient, start: bool = False) -> Any:
    lanes = [{"changes": {}, "label": "SGD"}]
    lanes += [{"changes": {"training": {"optimizer": name}}, "label": name} for name in OPTIMIZERS]
    return _race(client, {"config": BASE, "lanes": lanes, "start": start, "name": "optimizers"})


def _first_losses(client: TestClient, race: dict[str, Any]) -> list[float]:
    def first(lane: dict[str, Any]) -> Any:
        return client.get(f"/api/runs/{lane['run_id']}/metrics").json()["train_loss"][:1]

    wait_for(lambda: all(first(lane) for lane in race["lanes"]))
    return [first(lane)[0] for lane in race["lanes"]]


def test_an_optimizer_race_starts_from_identical_weights(client: TestClient) -> None:
    race, _ = _optimizer_race(client)
    assert [lane["same_start"] for lane in race["lanes"]] == [True] * 4
    assert len(set(_first_losses(client, race))) == 1  # the same first loss, to the bit
    states = [client.get(f"/api/runs/{lane['run_id']}/states/0") for lane in race["lanes"]]
    layers = [state.json()["layers"] for state in states]
    assert all(layer == layers[0] for layer in layers)  # the same weights, to the bit
    configs = [run["config"]["training"]["optimizer"] for run in _runs(client, race)]
    assert configs == ["sgd", *OPTIMIZERS]


def test_a_race_plays_pauses_and_steps_in_lockstep(client: TestClient) -> None:
    race, token = _optimizer_race(client, start=True)
    url = f"/api/races/{race['id']}"
    wait_for(lambda: min(lane["epoch"] for lane in client.get(url).json()["lanes"]) >= 8)
    paused = client.post(f"{url}/pause", headers=token)
    assert paused.status_code == 200 and not paused.json()["playing"]
    runs = _runs(client, race)
    assert {run["status"] for run in runs} == {"paused"}
    epoch = runs[0]["epoch"]
    assert [run["epoch"] for run in runs] == [epoch] * 4, runs
    assert client.post(f"{url}/step", json={"epochs": 3}, headers=token).status_code == 200
    wait_for(lambda: all(run["epoch"] == epoch + 3 for run in _runs(client, race)))
    histories = [client.get(f"/api/runs/{lane['run_id']}/metrics").json() for lane in race["lanes"]]
    assert [h["epoch"][-1] for h in histories] == [epoch + 3] * 4
    assert len({h["train_loss"][-1] for h in histories}) == 4  # the optimizers differ
    # a lane's own controls move the whole race: played and paused through the second lane
    lane = f"/api/runs/{race['lanes'][1]['run_id']}"
    assert client.post(f"{lane}/resume", headers=token).json()["status"] == "running"
    wait_for(lambda: min(run["epoch"] for run in _runs(client, race)) >= epoch + 8)
    client.post(f"{lane}/pause", headers=token)
    wait_for(lambda: {run["status"] for run in _runs(client, race)} == {"paused"})
    epochs = {run["epoch"] for run in _runs(client, race)}
    assert len(epochs) == 1 and epochs.pop() >= epoch + 8
    assert client.post(f"{url}/reset", headers=token).status_code == 200  # all back to 0 …
    wait_for(lambda: all(run["epoch"] == 0 for run in _runs(client, race)))
    assert len(set(_first_losses(client, race))) == 1  # … from the same weights still


def test_a_lanes_stream_steps_its_race_and_keeps_its_data(client: TestClient) -> None:
    race, _ = _optimizer_race(client)
    lane = race["lanes"][2]["run_id"]
    url = f"/api/runs/{lane}/stream?token={race['control_token']}"
    with client.websocket_connect(url) as ws:
        ws.send_text(json.dumps({"type": "regenerate"}))
        refused = next_of(ws, "error")  # the socket stays open
        assert refused["code"] == "race.regenerate"
        ws.send_text(json.dumps({"type": "step", "epochs": 2}))
        wait_for(lambda: [run["epoch"] for run in _runs(client, race)] == [2] * 4)


def test_genetic_against_adam_keeps_step_on_forward_passes(client: TestClient) -> None:
    genetic = {"optimizer": "genetic", "population": 16, "elites": 2}
    lanes = [{"changes": {"training": {"optimizer": "adam"}}}, {"changes": {"training": genetic}}]
    body = {"config": {"seed": 3}, "lanes": lanes, "unit": "forward_passes"}
    race, token = _race(client, body)
    assert race["unit"] == "forward_passes" and [lane["same_start"] for lane in race["lanes"]]
    url = f"/api/races/{race['id']}"
    tick = (16 - 2) * 250  # a generation's forward passes: the smallest fair step
    assert client.post(f"{url}/step", json={"epochs": 1}, headers=token).status_code == 422
    client.post(f"{url}/step", json={"forward_passes": 2 * tick}, headers=token)

    def passes() -> list[int]:
        return [lane["forward_passes"] or 0 for lane in client.get(url).json()["lanes"]]

    wait_for(lambda: min(passes()) >= 2 * tick)
    adam, ga = passes()
    assert adam == 2 * tick and 2 * tick <= ga < 3 * tick + 16 * 250  # its first scores all
    adam_run, ga_run = _runs(client, race)
    assert adam_run["epoch"] == 2 * tick // 250 and ga_run["epoch"] <= 2  # generations
    client.post(f"{url}/play", headers=token)
    wait_for(lambda: min(passes()) >= 6 * tick)
    client.post(f"{url}/pause", headers=token)
    adam, ga = passes()
    assert abs(adam - ga) < 2 * tick  # within a generation's indivisible step


def test_lanes_that_cannot_race_are_refused_naming_the_lane(client: TestClient) -> None:
    def refused(body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post("/api/races", json=body)
        assert answer.status_code == 422, answer.text
        problem: dict[str, Any] = answer.json()["detail"][0]
        return problem

    bad_rate = {"changes": {"training": {"learning_rate": -1}}}
    problem = refused({"lanes": [{}, {}, bad_rate]})
    assert problem["loc"] == ["body", "lanes", 2, "changes", "training", "learning_rate"]
    problem = refused({"lanes": [{}, {"changes": {"data": {"noise": 0.3}}}]})
    assert problem["loc"] == ["body", "lanes", 1, "changes", "data", "noise"]
    assert problem["type"] == "race.same_data"
    assert refused({"lanes": [{}, {"changes": {"seed": 2}}]})["loc"][-1] == "seed"
    assert refused({"lanes": [{}]})["loc"] == ["body", "lanes"]
    assert refused({"lanes": [{}] * 5})["loc"] == ["body", "lanes"]
    assert refused({"lanes": [{}, {}], "unit": "hours"})["loc"] == ["body", "unit"]
    fork = {"fork": {"run": "nope"}, "lanes": [{}, {}]}
    assert refused(fork)["loc"] == ["body", "fork", "run"]
    assert client.get("/api/runs").json()["runs"] == []  # nothing was made
    race, token = _race(client, {"lanes": [{}, {"changes": {"data": {"features": ["x1"]}}}]})
    assert [lane["same_start"] for lane in race["lanes"]] == [True, False]  # another shape
    assert client.post(f"/api/races/{race['id']}/play").status_code == 403
    assert client.post("/api/races/nope/play", headers=token).status_code == 404


def test_a_fork_races_its_original_from_the_same_state(client: TestClient) -> None:
    parent = client.post("/api/runs", json={"config": {**BASE, "training": {"max_epochs": 30}}})
    run = parent.json()
    wait_for(lambda: client.get(f"/api/runs/{run['id']}").json()["status"] == "succeeded", 30)
    kept = [s["epoch"] for s in client.get(f"/api/runs/{run['id']}/states").json()["states"]]
    k = max(e for e in kept if e <= 25)
    faster = {"changes": {"training": {"learning_rate": 0.3}}, "label": "lr 0.3"}
    race, token = _race(client, {"fork": {"run": run["id"], "epoch": k}, "lanes": [{}, faster]})
    assert race["parent"] == run["id"] and race["fork_epoch"] == k
    url = f"/api/races/{race['id']}"
    client.post(f"{url}/step", json={"epochs": 30 - k}, headers=token)
    wait_for(lambda: all(r["status"] == "succeeded" for r in _runs(client, race)), 30)
    original = client.get(f"/api/runs/{run['id']}/metrics").json()
    same, changed = (
        client.get(f"/api/runs/{lane['run_id']}/metrics").json() for lane in race["lanes"]
    )
    assert same == original  # the unchanged lane continues exactly as the original did
    assert changed["train_loss"][: k + 1] == original["train_loss"][: k + 1]
    assert changed["train_loss"][-1] != original["train_loss"][-1]


def test_a_deleted_lane_is_no_longer_one_of_the_race(client: TestClient) -> None:
    race, token = _optimizer_race(client)
    url = f"/api/races/{race['id']}"
    ids = [lane["run_id"] for lane in race["lanes"]]
    assert client.delete(f"/api/runs/{ids[1]}", headers=token).status_code == 204
    listed = client.get(url).json()["lanes"]
    assert [lane["run_id"] for lane in listed] == [ids[0], *ids[2:]]
    assert [lane["label"] for lane in listed] == ["SGD", *OPTIMIZERS[1:]]
    # the lanes left race on (and pause together, not waiting on the deleted one)
    assert client.post(f"{url}/play", headers=token).status_code == 200
    wait_for(lambda: min(lane["epoch"] for lane in client.get(url).json()["lanes"]) >= 3)
    paused = client.post(f"{url}/pause", headers=token)
    assert paused.status_code == 200 and not paused.json()["playing"], paused.text
    assert {lane["status"] for lane in paused.json()["lanes"]} == {"paused"}
    for run_id in (ids[0], *ids[2:]):
        assert client.delete(f"/api/runs/{run_id}", headers=token).status_code == 204
    assert client.get(url).status_code == 404  # no lane left: no race
