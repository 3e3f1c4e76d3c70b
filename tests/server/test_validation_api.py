"""A validation split over the API and the websocket: the val columns in the metrics rows,
the JSON and the CSV, the mini-batch losses of the ``metrics`` message (issue #13)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from engine.history import COLUMNS
from tests.server.test_live import wait_for
from tests.server.test_ws import connect, create, next_of


def train(
    client: TestClient, run: dict[str, Any], epochs: int, steps: bool = False
) -> list[dict[str, Any]]:
    """Step the run ``epochs`` epochs; the ``metrics`` messages that came meanwhile (with
    ``steps``, as a viewer whose chart plots every mini-batch)."""
    messages: list[dict[str, Any]] = []
    with connect(client, run) as ws:
        if steps:
            ws.send_json({"type": "view", "steps": True})
        ws.send_json({"type": "step", "epochs": epochs})
        while not messages or not messages[-1]["rows"] or messages[-1]["rows"][-1][0] < epochs:
            messages.append(next_of(ws, "metrics"))
    return messages


def test_metrics_rows_json_and_csv_carry_the_validation_columns(client: TestClient) -> None:
    run = create(client, data={"validation_ratio": 0.2})
    rows = [row for message in train(client, run, 3) for row in message["rows"]]
    assert all(len(row) == len(COLUMNS) for row in rows)
    val_loss, val_accuracy = COLUMNS.index("val_loss"), COLUMNS.index("val_accuracy")
    assert all(row[val_loss] > 0 and 0 <= row[val_accuracy] <= 1 for row in rows)
    url = f"/api/runs/{run['id']}/metrics"
    wait_for(lambda: client.get(url).json()["epoch"][-1:] == [3])
    history = client.get(url).json()
    assert list(history) == list(COLUMNS)
    assert None not in history["val_loss"] and None not in history["val_accuracy"]
    table = list(csv.reader(io.StringIO(client.get(url, headers={"Accept": "text/csv"}).text)))
    assert table[0] == list(COLUMNS)
    assert float(table[-1][val_loss]) == history["val_loss"][-1]


def test_without_a_validation_set_the_columns_are_null(client: TestClient) -> None:
    run = create(client)
    train(client, run, 1)
    url = f"/api/runs/{run['id']}/metrics"
    wait_for(lambda: client.get(url).json()["epoch"][-1:] == [1])
    history = client.get(url).json()
    assert history["val_loss"] == [None, None] and history["val_accuracy"] == [None, None]
    last = client.get(url, headers={"Accept": "text/csv"}).text.splitlines()[-1]
    assert last.endswith(",,250")  # the validation columns empty; 250 examples sent forward


def test_metrics_messages_carry_the_newest_mini_batch_losses(client: TestClient) -> None:
    run = create(client, training={"batch_size": 5})  # 250 training points: 50 steps an epoch
    assert not any(m["batches"] for m in train(client, run, 1))  # nobody plots them yet
    messages = train(client, run, 8, steps=True)
    steps = [step for message in messages for step, _ in message["batches"]]
    assert all(len(message["batches"]) <= 256 for message in messages)
    assert steps == sorted(set(steps)) and steps[-1] == 450  # each once, in order
    assert all(loss is None or loss >= 0 for m in messages for _, loss in m["batches"])


def test_a_split_that_leaves_a_set_empty_is_a_422_naming_the_field(client: TestClient) -> None:
    config = {"data": {"n_samples": 10, "validation_ratio": 0.1}}
    answer = client.post("/api/runs", json={"config": config, "start": False})
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    assert error["loc"][:3] == ["body", "config", "data"]
    assert "validation_ratio 0.1 of 5 training points" in error["msg"]
    too_big = {"data": {"validation_ratio": 0.75}}
    answer = client.post("/api/runs", json={"config": too_big, "start": False})
    assert answer.json()["detail"][0]["loc"][-1] == "validation_ratio"
