"""A genetic run (issue #15) through the server as any other run: created over REST, trained
to the end, its metrics with generations and forward passes, its model (the best member) and
exports; stepped over the websocket with frames; bad hyper-parameters refused naming them."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.history import COLUMNS
from engine.trainer import Trainer
from tests.server.test_scripted import bearer, finished
from tests.server.test_ws import connect, create, next_of

CONFIG: dict[str, Any] = {"seed": 4, "training": {"optimizer": "genetic", "max_epochs": 100}}


def test_a_genetic_run_trains_to_the_end_over_rest(client: TestClient) -> None:
    run = finished(client, CONFIG)
    state = client.get(f"/api/runs/{run['id']}").json()
    assert state["status"] == "succeeded" and state["stop_reason"] == "max_epochs"
    assert state["epoch"] == state["step"] == 100  # a generation is an epoch and a step
    history = client.get(f"/api/runs/{run['id']}/metrics").json()
    n_train = 250
    # generation 1 scores the first population (64) and its 62 children, each later one 62
    assert history["forward_passes"] == [0, *((64 + 62 * g) * n_train for g in range(1, 101))]
    assert history["train_loss"][-1] < history["train_loss"][0] / 5
    assert history["test_accuracy"][-1] >= 0.95
    assert state["summary"]["latest"]["forward_passes"] == (64 + 62 * 100) * n_train
    trainer = Trainer(ExperimentConfig.model_validate(CONFIG))  # the engine alone, same seed
    trainer.fit(100)
    assert history == trainer.history.as_lists()
    model = client.get(f"/api/runs/{run['id']}/model").json()
    weights = [
        np.vstack([layer["weights"], [layer["biases"]]]).ravel() for layer in model["layers"]
    ]
    np.testing.assert_array_equal(np.concatenate(weights), trainer.network.params)
    labels = client.post(f"/api/runs/{run['id']}/predict", json={"points": [[0, 0], [5, 5]]})
    assert labels.json()["labels"] == [1.0, -1.0]  # circle: inside is positive
    code = client.get(f"/api/runs/{run['id']}/export", params={"format": "numpy"})
    assert code.status_code == 200 and "def predict" in code.text


def test_a_genetic_run_steps_over_the_websocket_with_frames(client: TestClient) -> None:
    run = create(client, training={"optimizer": "genetic", "population": 16})
    with connect(client, run) as ws:
        ws.send_json({"type": "step", "epochs": 3})
        rows: list[list[Any]] = []
        while not rows or rows[-1][0] < 3:
            rows += next_of(ws, "metrics")["rows"]
        header, arrays = next_of(ws, "frame")
        ws.send_json({"type": "set", "dropout": 0.3})
        error = next_of(ws, "error")
    assert all(len(row) == len(COLUMNS) for row in rows)
    passes = [row[COLUMNS.index("forward_passes")] for row in rows]
    assert passes == sorted(passes) and passes[-1] == (16 + 14 * 3) * 250
    assert header["forward_passes"] > 0 and arrays["output"].size
    assert "the genetic trainer scores networks without dropout" in error["message"]


def test_bad_genetic_hyper_parameters_are_a_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"tournament": 70}, ["training", "tournament"]),
        ({"elites": 64}, ["training", "elites"]),
        ({"mutation_scale": -1}, ["training", "mutation_scale"]),
        ({"population": 2000}, ["training", "population"]),
    ]
    for training, loc in cases:
        body = {"config": {"training": {"optimizer": "genetic", **training}}}
        response = client.post("/api/runs", json=body)
        assert response.status_code == 422, training
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "config", *loc]]
    body = {"config": {"network": {"dropout": 0.1}, "training": {"optimizer": "genetic"}}}
    response = client.post("/api/runs", json=body)
    (error,) = response.json()["detail"]
    assert response.status_code == 422 and error["loc"] == ["body", "config"]
    assert error["type"] == "genetic.dropout"  # a code the page says in its language
    assert error["msg"].startswith("network.dropout: the genetic trainer")


def test_a_genetic_run_has_no_next_update_to_inspect(client: TestClient) -> None:
    run = create(client, training={"optimizer": "genetic"})
    body = {"kind": "update", "layer": 0, "source": 0, "target": 0}
    response = client.post(f"/api/runs/{run['id']}/inspect", json=body, headers=bearer(run))
    assert response.status_code == 422
    assert "takes no gradient step" in response.json()["detail"][0]["msg"]


def test_the_options_mark_the_genetic_trainer_gradient_free(client: TestClient) -> None:
    optimizers = client.get("/api/options").json()["optimizers"]
    free = {name for name, info in optimizers.items() if info["gradient_free"]}
    assert free == {"genetic"}
