"""What the page's diagram and pickers need from the server: weight edits over the
websocket, dataset thumbnails, early stopping's best epoch in the status."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.trainer import Trainer
from tests.server.test_scripted import read_png
from tests.server.test_ws import connect, create, next_of


def test_a_weight_and_a_bias_set_from_the_page_show_in_the_next_frame(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        next_of(ws, "frame")
        ws.send_json({"type": "weight", "layer": 1, "source": 3, "target": 0, "value": 2.5})
        _, arrays = next_of(ws, "frame")
        assert arrays["weights.1"][3, 0] == 2.5
        ws.send_json({"type": "weight", "layer": 2, "source": None, "target": 0, "value": -1.25})
        _, arrays = next_of(ws, "frame")
        assert arrays["biases.2"][0] == -1.25 and arrays["weights.1"][3, 0] == 2.5


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"layer": 7, "source": 0, "target": 0, "value": 1}, "layer"),
        ({"layer": 0, "source": 5, "target": 0, "value": 1}, "connects 2 inputs to 4 units"),
        ({"layer": 0, "source": 0, "target": 0, "value": 1e9}, "less than or equal"),
    ],
)
def test_a_weight_out_of_range_gets_an_error_and_the_socket_stays(
    client: TestClient, message: dict[str, object], says: str
) -> None:
    run = create(client)
    with connect(client, run) as ws:
        next_of(ws, "frame")
        ws.send_json({"type": "weight", **message})
        error = next_of(ws, "error")
        assert says in error["message"] + json.dumps(error.get("detail"))
        ws.send_json({"type": "step", "epochs": 1})
        assert next_of(ws, "frame")[0]["epoch"] == 1


def test_set_weight_in_the_engine_revives_an_l1_dead_weight() -> None:
    config = {"seed": 1, "training": {"regularization": "l1", "regularization_rate": 0.3}}
    trainer = Trainer(ExperimentConfig.model_validate(config))
    trainer.fit(30)
    dead = np.flatnonzero(trainer.dead)
    assert dead.size  # L1 at this rate kills weights
    layer0 = trainer.network.views(trainer.dead)[0]
    source, target = map(int, np.argwhere(layer0[:-1])[0])
    trainer.set_weight(0, source, target, 0.7)
    assert trainer.network.weights[0][source, target] == 0.7
    assert not trainer.network.views(trainer.dead)[0][source, target]
    with pytest.raises(ValueError, match="finite"):
        trainer.set_weight(0, 0, 0, float("nan"))


@pytest.mark.parametrize("name", ["circle", "blobs", "reg-plane"])
def test_every_dataset_has_a_thumbnail(client: TestClient, name: str) -> None:
    response = client.get(f"/api/datasets/{name}.png", params={"size": 48})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = read_png(response.content)
    assert image.shape == (48, 48, 3) and (image < 250).any()  # points on white
    assert client.get("/api/datasets/nope.png").status_code == 404


def test_early_stopping_tells_its_best_epoch(client: TestClient) -> None:
    config = {"training": {"learning_rate": 3, "early_stopping": {"patience": 3}}}
    run = create(client, **config)
    with connect(client, run) as ws:
        ws.send_json({"type": "step", "epochs": 200})
        status = next_of(ws, "status")
        while status["status"] != "succeeded":
            status = next_of(ws, "status")
    assert status["stop_reason"] == "early_stopping"
    assert 0 <= status["best_epoch"] < status["epoch"]


def test_a_hovered_neuron_comes_at_full_resolution_until_unfocused(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        next_of(ws, "frame")
        ws.send_json({"type": "view", "focus": 4})  # layer 2, neuron 1 of [4, 2]
        header, arrays = next_of(ws, "frame")
        while header.get("focus") != 4:
            header, arrays = next_of(ws, "frame")
        assert arrays["focus"].shape == (100, 100)
        small = arrays["neurons"][4].astype(float)  # the same neuron's 20×20 picture
        big = arrays["focus"].astype(float)[2::5, 2::5]  # sampled near the same points
        assert np.corrcoef(small.ravel(), big.ravel())[0, 1] > 0.9
        ws.send_json({"type": "view", "focus": None})
        header, arrays = next_of(ws, "frame")
        assert "focus" not in header and "focus" not in arrays
