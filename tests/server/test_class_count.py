"""The number of classes of a multi-class dataset: chosen in the config, checked at the edge,
and what the run's data, head and frames then have."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.server.test_ws import connect, create, next_of


@pytest.mark.parametrize("classes", [2, 9, 3.5, "three"])
def test_a_class_count_out_of_range_is_a_422_naming_the_field(
    client: TestClient, classes: object
) -> None:
    body = {"config": {"data": {"dataset": "blobs", "classes": classes}}, "start": False}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "config", "data", "classes"]]


def test_the_chosen_count_is_the_run_s_classes_and_output_units(client: TestClient) -> None:
    run = create(client, data={"dataset": "spirals", "classes": 6})
    assert run["config"]["data"]["classes"] == 6
    with connect(client, run) as ws:
        dataset = next_of(ws, "dataset")
        _, arrays = next_of(ws, "frame")
    assert dataset["classes"] == 6 and {row[2] for row in dataset["train"]} == set(range(6))
    output_layer = len(run["config"]["network"]["hidden"])
    assert arrays["probabilities"].shape[0] == 6 == arrays[f"biases.{output_layer}"].size
