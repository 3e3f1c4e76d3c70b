"""Sweeps on the server's own workers: trials as runs, stacked, ranked, cancelled, resumed."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.trainer import Trainer
from server import sweep_space
from server.app import create_app
from server.settings import Settings
from server.sweep_schemas import SweepCreate

BASE = {
    "data": {"dataset": "spiral", "n_samples": 200},
    "network": {"hidden": [8, 8]},
    "training": {"optimizer": "adam", "max_epochs": 30},
}


def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll until ``check()`` is truthy (a state, never a time); returns it."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "the state was not reached"
        time.sleep(0.05)
    return found


def sweep_body(**extra: Any) -> dict[str, Any]:
    grid = {"training.learning_rate": [0.003, 0.03, 0.3], "training.batch_size": [10, 25]}
    return {"config": BASE, "grid": grid, "seeds": [7], **extra}


def finished(client: TestClient, sweep_id: str) -> dict[str, Any] | None:
    sweep: dict[str, Any] = client.get(f"/api/sweeps/{sweep_id}").json()
    return sweep if sweep["status"] == "finished" else None


def test_a_six_trial_sweep_trains_every_trial_as_a_run_and_ranks_them(client: TestClient) -> None:
    created = client.post("/api/sweeps", json=sweep_body(name="rates"))
    assert created.status_code == 201, created.text
    sweep = created.json()
    assert sweep["total"] == 6 and sweep["control_token"] and sweep["executor"] == "local"
    assert created.headers["location"].endswith(f"/api/sweeps/{sweep['id']}")
    done = wait_for(lambda: finished(client, sweep["id"]))
    assert done["counts"] == {"succeeded": 6}
    assert done["fields"] == ["training.learning_rate", "training.batch_size", "seed"]
    trials = done["trials"]
    assert [t["params"]["training.learning_rate"] for t in trials] == [0.003] * 2 + [0.03] * 2 + [
        0.3
    ] * 2
    assert all(t["epoch"] == 30 and t["result"]["epoch"] == 30 for t in trials)
    best = min(trials, key=lambda t: t["score"])
    assert done["best"] == best["run_id"] and best["score"] == best["result"]["test_loss"]
    run = client.get(f"/api/runs/{best['run_id']}").json()  # a trial is a run
    assert run["sweep_id"] == sweep["id"] and run["status"] == "succeeded"
    assert len(client.get(f"/api/runs/{best['run_id']}/metrics").json()["epoch"]) == 31
    assert client.get(f"/api/runs/{best['run_id']}/model").status_code == 200
    listed = client.get("/api/runs", headers={"Authorization": f"Bearer {sweep['control_token']}"})
    assert {r["id"] for r in listed.json()["runs"]} == {t["run_id"] for t in trials}


def test_a_stacked_trial_has_the_numbers_of_the_same_run_trained_alone(client: TestClient) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body()).json()
    done = wait_for(lambda: finished(client, sweep["id"]))
    for trial in done["trials"][::3]:
        raw = {**BASE, "seed": 7}
        raw["training"] = {
            **BASE["training"],
            "learning_rate": trial["params"]["training.learning_rate"],
            "batch_size": trial["params"]["training.batch_size"],
        }
        alone = Trainer(ExperimentConfig.model_validate(raw))
        alone.fit(30)
        assert trial["result"]["test_loss"] == alone.history.as_lists()["test_loss"][-1]


def test_the_csv_has_a_row_per_trial_with_its_values_and_metrics(client: TestClient) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body()).json()
    wait_for(lambda: finished(client, sweep["id"]))
    answer = client.get(f"/api/sweeps/{sweep['id']}", headers={"Accept": "text/csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 6 and rows[5]["training.learning_rate"] == "0.3"
    assert rows[5]["seed"] == "7" and float(rows[5]["test_loss"]) > 0


LR, ACT = "training.learning_rate", "network.activation"
REFUSALS = [
    ({"grid": {"training.lrate": [0.1]}}, ["body", "grid", "training.lrate"]),
    ({"grid": {LR: [0.1, 20]}}, ["body", "grid", LR]),
    ({"random": {ACT: ["tanh", "nope"]}, "samples": 30}, ["body", "random", ACT]),
    ({"grid": {LR: [0.1, 0.2]}, "seeds": 3, "trials": 5}, ["body", "trials"]),
    ({"seeds": 1001}, ["body", "seeds"]),
    ({"config": {"training": {"max_epochs": None}}}, ["body", "config", "training", "max_epochs"]),
    ({"config": {"training": {"momentum": 2}}}, ["body", "config", "training", "momentum"]),
    ({"grid": {"network.hidden": [[8], [256, 256, 256]]}}, ["body", "grid", "network.hidden"]),
    ({"executor": "ray"}, ["body", "executor"]),
    ({"grid": {"seed": [1, 2]}}, ["body", "grid", "seed"]),
    # hostile sizes: refused before anything of their size is made (a billion seeds was a
    # billion-item list, a 10**12 samples a list of draws, and a seed past 2**63 a 500)
    ({"seeds": 10**9}, ["body", "seeds"]),
    ({"seeds": [3, 10**30]}, ["body", "seeds"]),
    ({"seeds": [-1]}, ["body", "seeds"]),
    ({"seeds": []}, ["body", "seeds"]),
    ({"random": {LR: {"low": 0.001, "high": 0.1}}, "samples": 10**12}, ["body", "samples"]),
    ({"trials": 10**12}, ["body", "trials"]),
]


@pytest.mark.parametrize(("change", "loc"), REFUSALS)
def test_a_bad_sweep_is_refused_naming_the_field(
    client: TestClient, change: dict[str, Any], loc: list[str]
) -> None:
    body = {"config": BASE, **change}
    if "config" in change:
        body["config"] = {**BASE, "training": {**BASE["training"], **change["config"]["training"]}}
    answer = client.post("/api/sweeps", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc


# a range or a list, a count or a list: one problem at the field's path, never one per kind
# pydantic tried ("random.…learning_rate.function-after[_ordered(), Range]" and "….list[…]")
ONE_PROBLEM = [
    ({"random": {LR: {"low": 1, "high": 0.1}}}, ["body", "random", LR], "low must be at most"),
    ({"random": {LR: {"low": "x", "high": 1}}}, ["body", "random", LR], "low: "),
    ({"random": {LR: {"lo": 0.1, "high": 1}}}, ["body", "random", LR], "lo: "),
    ({"random": {LR: 0.1}}, ["body", "random", LR], "a range"),
    ({"seeds": "five"}, ["body", "seeds"], "a count of seeds"),
]


@pytest.mark.parametrize(("change", "loc", "said"), ONE_PROBLEM)
def test_a_bad_range_or_seed_count_is_one_problem_at_its_field(
    client: TestClient, change: dict[str, Any], loc: list[str], said: str
) -> None:
    answer = client.post("/api/sweeps", json={"config": BASE, **change})
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == loc and said in problem["msg"]


def test_a_sweep_over_the_servers_trial_limit_is_refused(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), max_sweep_trials=4)
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/sweeps", json=sweep_body())
        assert answer.status_code == 422
        problem = answer.json()["detail"][0]
        assert problem["loc"] == ["body", "trials"] and "NNPG_MAX_SWEEP_TRIALS" in problem["msg"]


def test_cancel_needs_the_token_and_stops_the_unfinished_trials(client: TestClient) -> None:
    long = {**BASE, "training": {**BASE["training"], "max_epochs": 1_000_000}}
    sweep = client.post("/api/sweeps", json={**sweep_body(), "config": long}).json()
    path = f"/api/sweeps/{sweep['id']}"
    trials = client.app.state.manager.pool.workers[0].scheduler.trials  # type: ignore[attr-defined]
    wait_for(lambda: trials.trials)  # the worker trains them
    refused = client.post(f"{path}/cancel")
    assert refused.status_code == 403 and refused.json()["code"] == "sweep.needs_token"
    wrong = {"Authorization": "Bearer nope"}
    assert client.post(f"{path}/cancel", headers=wrong).status_code == 403
    assert client.post("/api/sweeps/nope/cancel").status_code == 404
    token = {"Authorization": f"Bearer {sweep['control_token']}"}
    cancelled = client.post(f"{path}/cancel", headers=token).json()
    assert cancelled["status"] == "cancelled" and cancelled["counts"] == {"cancelled": 6}
    wait_for(lambda: not trials.trials)  # the worker dropped them
    assert client.post(f"{path}/cancel", headers=token).status_code == 409
    trial = cancelled["trials"][0]["run_id"]  # a trial is controlled through its sweep
    assert client.post(f"/api/runs/{trial}/resume", headers=token).status_code == 409


def test_a_cancelled_trial_keeps_its_last_metrics_as_its_result(client: TestClient) -> None:
    """As the docs say (``result``: the final metrics row, once it has ended): a sweep
    stopped with Ctrl-C in ``nnplayground sweep`` shows how far each trial got."""
    long = {**BASE, "training": {**BASE["training"], "max_epochs": 1_000_000}}
    sweep = client.post("/api/sweeps", json={**sweep_body(), "config": long}).json()
    first = sweep["trials"][0]["run_id"]
    wait_for(lambda: client.get(f"/api/runs/{first}").json()["epoch"] >= 2)
    token = {"Authorization": f"Bearer {sweep['control_token']}"}
    cancelled = client.post(f"/api/sweeps/{sweep['id']}/cancel", headers=token).json()
    trial = next(t for t in cancelled["trials"] if t["run_id"] == first)
    assert trial["status"] == "cancelled" and trial["result"]["epoch"] >= 2
    assert trial["score"] == trial["result"]["test_loss"] and cancelled["best"] is None


def test_a_sweep_survives_a_server_restart_and_resumes_from_checkpoints(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"))
    long = {**BASE, "training": {**BASE["training"], "max_epochs": 1_000_000}}
    with TestClient(create_app(settings)) as client:
        sweep = client.post("/api/sweeps", json={**sweep_body(), "config": long}).json()
        path, token = f"/api/sweeps/{sweep['id']}", sweep["control_token"]
        wait_for(lambda: all(t["epoch"] > 0 for t in client.get(path).json()["trials"]))
    with TestClient(create_app(settings)) as client:
        before = client.get(path).json()
        assert before["status"] == "interrupted" and before["counts"] == {"interrupted": 6}
        epochs = {t["run_id"]: t["epoch"] for t in before["trials"]}
        assert all(epochs.values())  # each checkpointed as the server stopped
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post(f"{path}/resume").status_code == 403
        resumed = client.post(f"{path}/resume", headers=auth).json()
        assert resumed["status"] == "running"

        def went_on() -> bool:
            now = client.get(path).json()["trials"]
            return all(t["epoch"] > epochs[t["run_id"]] for t in now)

        wait_for(went_on)
        run_id = before["trials"][0]["run_id"]
        history = client.get(f"/api/runs/{run_id}/metrics").json()["epoch"]
        assert history == list(range(len(history)))  # no epoch lost, none twice
        client.post(f"{path}/cancel", headers=auth)


def test_a_client_may_run_only_so_many_sweeps_at_once(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), sweeps_per_client=1)
    long = {**BASE, "training": {**BASE["training"], "max_epochs": 1_000_000}}
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/sweeps", json={"config": long}).json()
        refused = client.post("/api/sweeps", json={"config": long})
        assert refused.status_code == 429 and refused.headers["retry-after"]
        auth = {"Authorization": f"Bearer {first['control_token']}"}
        client.post(f"/api/sweeps/{first['id']}/cancel", headers=auth)
        assert client.post("/api/sweeps", json={"config": BASE}).status_code == 201


def test_a_huge_grid_is_counted_not_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight fields of 100 values are 10**16 settings: refused by their count, before one
    combination is made (making them filled the memory)."""

    def product(*_: object) -> None:
        raise AssertionError("the combinations were made before they were counted")

    monkeypatch.setattr(sweep_space.itertools, "product", product)
    fields = ["learning_rate", "momentum", "beta1", "beta2", "rho", "weight_decay", "epsilon"]
    grid = {f"training.{name}": [0.001 * (k + 1) for k in range(100)] for name in fields}
    grid["data.noise"] = [0.004 * k for k in range(100)]
    body = SweepCreate.model_validate({"config": BASE, "grid": grid})
    with pytest.raises(sweep_space.SpaceError) as refused:
        sweep_space.expand(body, max_trials=1000, max_parameters=10**6)
    assert "10000000000000000 trials" in str(refused.value.problems)
