"""A full batch for any training set (issue #14): the page's batch-size choice reaches the
config's largest batch, which is at least the largest training set; the server takes it, at
creation and live, and names the field past it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engine.config import MAX_BATCH_SIZE
from engine.data_config import MAX_SAMPLES, DataConfig
from engine.userdata import MAX_POINTS
from tests.server.test_ws import connect, create, next_of


def test_the_pages_largest_batch_is_a_full_batch_of_the_largest_training_set(
    client: TestClient,
) -> None:
    choice = client.get("/api/options").json()["choices"]["batch_size"]
    assert choice["max"] == MAX_BATCH_SIZE
    largest_ratio = DataConfig.model_fields["train_ratio"].metadata[1].le
    assert max(MAX_SAMPLES, MAX_POINTS) * largest_ratio <= MAX_BATCH_SIZE


def test_a_full_batch_of_two_thousand_points_is_one_step_an_epoch(client: TestClient) -> None:
    run = create(client, data={"n_samples": 2000}, training={"batch_size": MAX_BATCH_SIZE})
    assert run["config"]["training"]["batch_size"] == MAX_BATCH_SIZE
    with connect(client, run) as ws:
        ws.send_json({"type": "step"})
        header, _ = next_of(ws, "frame")
        while header["epoch"] == 0:
            header, _ = next_of(ws, "frame")
    assert header["step"] == 1  # 1000 training points in one batch


def test_a_batch_past_the_largest_is_refused_by_its_field(client: TestClient) -> None:
    body = {"config": {"training": {"batch_size": MAX_BATCH_SIZE + 1}}, "start": False}
    refused = client.post("/api/runs", json=body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "config", "training", "batch_size"]
    run = create(client)
    with connect(client, run) as ws:
        ws.send_json({"type": "set", "batch_size": MAX_BATCH_SIZE + 1})
        assert next_of(ws, "error")["detail"][0]["loc"] == ["set", "batch_size"]
        ws.send_json({"type": "set", "batch_size": MAX_BATCH_SIZE})  # the socket is still open
        ws.send_json({"type": "step"})
        header, _ = next_of(ws, "frame")
        while header["epoch"] == 0:
            header, _ = next_of(ws, "frame")
    assert header["step"] == 1
