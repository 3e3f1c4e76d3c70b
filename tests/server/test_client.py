"""The Python client against the app: the README's notebook flow, control and errors."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from nnplayground import ApiError, Client, RunStalled
from nnplayground import client as client_module
from server.app import create_app
from server.settings import Settings


@pytest.fixture
def api(client: TestClient) -> Client:
    return Client(http=client)


def test_create_wait_metrics_model_predict(api: Client) -> None:
    run = api.create({"seed": 1, "data": {"dataset": "xor"}, "training": {"max_epochs": 60}})
    done = api.wait(run["id"], timeout=30)
    assert done["status"] == "succeeded" and done["epoch"] == 60
    assert done["summary"]["latest"]["test_accuracy"] > 0.95
    history = api.metrics(run["id"])
    assert history["epoch"][-1] == 60 and len(api.metrics(run["id"], max_points=10)["epoch"]) == 10
    assert history["epoch"][0] == 0  # since_epoch=0 used to be dropped (falsy): every row came
    assert api.metrics(run["id"], since_epoch=0)["epoch"] == history["epoch"][1:]
    assert [layer["activation"] for layer in api.model(run["id"])["layers"]] == [
        "tanh",
        "tanh",
        "tanh",
    ]
    prediction = api.predict(run["id"], [[3, 3], [-3, 3]])
    assert prediction["labels"] == [1.0, -1.0]  # xor: same signs blue, opposite orange
    assert api.picture(run["id"], size=60)[:4] == b"\x89PNG"
    assert "def predict" in api.export(run["id"])
    assert run["id"] in [r["id"] for r in api.runs(status="succeeded")]


def test_a_notebooks_engine_config_and_numpy_points_are_taken_as_they_are(api: Client) -> None:
    """Beside ``import engine``: an ``ExperimentConfig`` and a NumPy array of points were a
    TypeError (not JSON serializable) before anything reached the server."""
    config = ExperimentConfig.model_validate(
        {"seed": 1, "data": {"dataset": "xor"}, "training": {"max_epochs": 60}}
    )
    run = api.create(config)
    assert api.wait(run["id"], timeout=30)["config"] == config.model_dump(mode="json")
    points = np.array([[3, 3], [-3, 3]])
    assert api.predict(run["id"], points)["labels"] == [1.0, -1.0]
    assert api.predict(run["id"], points) == api.predict(run["id"], [[3, 3], [-3, 3]])
    rates = np.logspace(-2, -1, 2)
    trials = api.sweep(config, grid={"training.learning_rate": rates}, seeds=np.int64(2))
    assert trials["total"] == 4


def test_control_uses_the_remembered_token(api: Client) -> None:
    run = api.create({"seed": 2})
    assert api.pause(run["id"])["status"] == "paused"
    assert api.resume(run["id"], play=False)["status"] == "paused"  # live: left as it is
    assert api.resume(run["id"])["status"] == "running"
    assert api.cancel(run["id"])["status"] == "cancelled"
    other = Client(http=api.http)  # knows no tokens
    with pytest.raises(ValueError, match="token"):
        other.delete(run["id"])
    with pytest.raises(ApiError) as refused:
        other.delete(run["id"], token="wrong")
    assert refused.value.status == 403
    api.delete(run["id"])
    with pytest.raises(ApiError) as gone:
        api.get(run["id"])
    assert gone.value.status == 404
    assert gone.value.code == "run.unknown"  # the case, without parsing the English
    assert gone.value.params == {"id": run["id"]}


def test_a_bad_config_raises_with_the_field(api: Client) -> None:
    with pytest.raises(ApiError) as bad:
        api.create({"training": {"learning_rate": 0}})
    assert bad.value.status == 422
    assert bad.value.detail[0]["loc"] == ["body", "config", "training", "learning_rate"]


def test_wait_gives_up_after_its_timeout(api: Client) -> None:
    run = api.create({"seed": 1})  # no stop rule: trains until stopped
    with pytest.raises(TimeoutError, match="running"):
        api.wait(run["id"], timeout=0.3, poll=0.05)
    api.cancel(run["id"])


def test_wait_raises_on_a_run_that_cannot_end_by_itself(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each used to poll forever: a fork or a run made with start=False, a paused run, and
    (without a timeout) a run with no stop rule. Now the first poll says so."""

    def polled_on(seconds: float) -> None:
        raise AssertionError("wait() polled on a run that cannot end")

    ended = api.create({"seed": 3, "training": {"max_epochs": 5}})
    api.wait(ended["id"], timeout=30)
    clock = SimpleNamespace(monotonic=time.monotonic, sleep=polled_on)  # the client's alone
    monkeypatch.setattr(client_module, "time", clock)
    unstarted = api.create({"seed": 1, "training": {"max_epochs": 5}}, start=False)
    with pytest.raises(RunStalled, match="start=False") as stalled:
        api.wait(unstarted["id"], timeout=60)
    assert stalled.value.run["status"] == "created"
    fork = api.fork(ended["id"])  # a fork waits for resume() too, by default
    with pytest.raises(RunStalled, match=r"start=False|paused"):  # created, then paused
        api.wait(fork["id"])
    endless = api.create({"seed": 2})
    with pytest.raises(RunStalled, match="no stop rule"):
        api.wait(endless["id"])
    api.pause(endless["id"])
    with pytest.raises(RunStalled, match="paused") as paused:
        api.wait(endless["id"], timeout=60)
    assert paused.value.run["status"] == "paused"
    api.cancel(endless["id"])
    monkeypatch.undo()
    api.resume(unstarted["id"])
    assert api.wait(unstarted["id"], timeout=30)["status"] == "succeeded"


def test_runs_lists_what_this_client_made_or_all_with_the_admin_token(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), admin_token="a" * 20)
    with TestClient(create_app(settings)) as http:
        mine, theirs = Client(http=http), Client(http=http)
        made = [mine.create(start=False)["id"] for _ in range(2)]
        other = theirs.create(start=False)["id"]
        assert [r["id"] for r in mine.runs()] == made[::-1]
        assert [r["id"] for r in theirs.runs()] == [other]
        assert Client(http=http).runs() == []
        teacher = Client(http=http, admin_token="a" * 20)
        assert [r["id"] for r in teacher.runs()] == [other, *made[::-1]]


def test_a_busy_answer_is_waited_out(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), reads_per_minute=60, reads_burst=1)
    with TestClient(create_app(settings)) as http:
        api = Client(http=http)
        run = api.create({"seed": 1, "training": {"max_epochs": 3}})
        api.wait(run["id"])
        api.metrics(run["id"])
        assert api.metrics(run["id"])["epoch"][-1] == 3  # 429, Retry-After: 1, then served
        with pytest.raises(ApiError) as refused:
            Client(http=http, retries=0).metrics(run["id"])
        assert refused.value.status == 429


def test_fork_from_a_kept_state_and_read_it(api: Client) -> None:
    run = api.create({"seed": 2, "training": {"max_epochs": 20}})
    api.wait(run["id"], timeout=30)
    kept = [state["epoch"] for state in api.states(run["id"])]
    assert kept[0] == 0 and kept[-1] == 20
    assert api.state(run["id"], 0)["epoch"] == 0
    fork = api.fork(run["id"], 0, {"training": {"learning_rate": 0.1}}, start=True)
    assert fork["parent"] == run["id"] and fork["fork_epoch"] == 0
    done = api.wait(fork["id"], timeout=30)
    assert done["epoch"] == 20 and done["config"]["training"]["learning_rate"] == 0.1
    assert api.metrics(fork["id"])["train_loss"] != api.metrics(run["id"])["train_loss"]
    api.delete(fork["id"])  # the remembered token controls it
    with pytest.raises(ApiError) as refused:
        api.fork(run["id"], 7)
    assert refused.value.status == 422
