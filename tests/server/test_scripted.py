"""A scripted run through the REST API: create → succeeded → metrics → model → predict,
control with the token, paging, CSV, exports, pictures, and the same numbers as the engine."""

from __future__ import annotations

import csv
import importlib.util
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.trainer import Trainer
from tests.server.test_live import wait_for

SHORT = {"seed": 5, "training": {"max_epochs": 30}}


def bearer(run: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {run['control_token']}"}


def finished(client: TestClient, config: dict[str, Any] = SHORT) -> dict[str, Any]:
    run: dict[str, Any] = client.post("/api/runs", json={"config": config}).json()
    ended = ("succeeded", "failed", "diverged")
    wait_for(lambda: client.get(f"/api/runs/{run['id']}").json()["status"] in ended, 30)
    return run


def test_the_empty_body_trains_the_default_run(client: TestClient) -> None:
    response = client.post("/api/runs", json={})
    assert response.status_code == 201
    run = response.json()
    assert run["config"]["data"]["dataset"] == "circle" and run["config"]["network"]["hidden"] == [
        4,
        2,
    ]
    wait_for(lambda: client.get(f"/api/runs/{run['id']}").json()["epoch"] >= 5)


def test_a_run_with_max_epochs_succeeds_with_its_history_and_summary(client: TestClient) -> None:
    run = finished(client)
    state = client.get(f"/api/runs/{run['id']}").json()
    assert state["status"] == "succeeded" and state["stop_reason"] == "max_epochs"
    assert state["epoch"] == 30 and state["started_at"] and state["ended_at"]
    history = client.get(f"/api/runs/{run['id']}/metrics").json()
    assert history["epoch"] == list(range(31))
    assert all(isinstance(n, int) for n in history["epoch"] + history["step"])  # not 3.0
    assert history["test_loss"][-1] < history["test_loss"][0]
    latest, best = state["summary"]["latest"], state["summary"]["best"]
    assert latest["epoch"] == 30 and best["test_loss"] == min(history["test_loss"])
    assert isinstance(latest["epoch"], int) and isinstance(latest["step"], int)


def test_the_api_and_the_engine_give_identical_metrics(client: TestClient) -> None:
    config = {"seed": 9, "data": {"dataset": "xor"}, "training": {"max_epochs": 25}}
    run = finished(client, config)
    served = client.get(f"/api/runs/{run['id']}/metrics").json()
    trainer = Trainer(ExperimentConfig.model_validate(config))
    trainer.fit(25)
    assert served == trainer.history.as_lists()


def test_metrics_page_by_epoch_downsample_and_come_as_csv(client: TestClient) -> None:
    run = finished(client)
    url = f"/api/runs/{run['id']}/metrics"
    assert client.get(url, params={"since_epoch": 27}).json()["epoch"] == [28, 29, 30]
    thin = client.get(url, params={"max_points": 5}).json()["epoch"]
    assert len(thin) == 5 and thin[0] == 0 and thin[-1] == 30
    text = client.get(url, headers={"Accept": "text/csv"})
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert len(rows) == 31 and float(rows[30]["test_loss"]) == pytest.approx(
        client.get(url).json()["test_loss"][30]
    )
    assert client.get(url, params={"max_points": 1}).status_code == 422


def test_the_model_predicts_like_the_trained_network(client: TestClient) -> None:
    run = finished(client)
    model = client.get(f"/api/runs/{run['id']}/model").json()
    assert model["epoch"] == 30 and [len(layer["biases"]) for layer in model["layers"]] == [4, 2, 1]
    points = [[0.0, 0.0], [5.5, 5.5], [-1.0, 2.0]]
    prediction = client.post(f"/api/runs/{run['id']}/predict", json={"points": points}).json()
    a = np.array(points)  # the network by hand, from the JSON weights
    for layer in model["layers"]:
        a = np.tanh(a @ np.array(layer["weights"]) + np.array(layer["biases"]))
    np.testing.assert_allclose(np.array(prediction["outputs"]), a, rtol=1e-12)
    assert prediction["labels"] == np.where(a[:, 0] >= 0, 1.0, -1.0).tolist()


def test_the_model_as_npz_and_as_code(client: TestClient, tmp_path: Path) -> None:
    run = finished(client)
    arrays = np.load(io.BytesIO(client.get(f"/api/runs/{run['id']}/model?format=npz").content))
    assert sorted(arrays.files) == ["W0", "W1", "W2", "b0", "b1", "b2", "config"]
    source = client.get(f"/api/runs/{run['id']}/export", params={"format": "numpy"}).text
    (tmp_path / "exported.py").write_text(source)
    spec = importlib.util.spec_from_file_location("exported", tmp_path / "exported.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    points = [[1.0, -3.0], [0.5, 0.5]]
    served = client.post(f"/api/runs/{run['id']}/predict", json={"points": points}).json()
    np.testing.assert_allclose(module.predict(points), served["outputs"], rtol=1e-12)


def read_png(data: bytes) -> np.ndarray:
    """Decode the server's own PNGs (8-bit RGB, filter 0) to check what they show."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width * 3 + 1)
    return raw[:, 1:].reshape(height, width, 3)


def test_the_boundary_picture_is_blue_inside_the_circle(client: TestClient) -> None:
    run = finished(client, {"seed": 5, "training": {"max_epochs": 150}})
    response = client.get(f"/api/runs/{run['id']}/boundary.png", params={"size": 120})
    assert response.headers["content-type"] == "image/png"
    image = read_png(response.content).astype(int)
    assert image.shape == (120, 120, 3)
    centre, corner = image[55:65, 55:65].mean(axis=(0, 1)), image[2:8, 2:8].mean(axis=(0, 1))
    assert centre[2] > centre[0]  # blue
    assert corner[0] > corner[2]  # orange


def test_control_needs_the_token(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": {"seed": 1}}).json()
    url = f"/api/runs/{run['id']}"
    assert client.post(f"{url}/pause").status_code == 403
    assert client.post(f"{url}/pause", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.delete(url).status_code == 403
    paused = client.post(f"{url}/pause", headers=bearer(run))
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    resumed = client.post(f"{url}/resume", headers=bearer(run)).json()
    assert resumed["status"] == "running"


def test_cancel_ends_the_run_and_keeps_its_model(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": {"seed": 1}}).json()
    url = f"/api/runs/{run['id']}"
    wait_for(lambda: client.get(url).json()["epoch"] >= 3)
    cancelled = client.post(f"{url}/cancel", headers=bearer(run)).json()
    assert cancelled["status"] == "cancelled" and cancelled["ended_at"]
    assert client.post(f"{url}/cancel", headers=bearer(run)).status_code == 409
    assert client.post(f"{url}/resume", headers=bearer(run)).status_code == 409
    epoch = client.get(f"{url}/model").json()["epoch"]
    assert epoch >= 3 and client.get(f"{url}/metrics").json()["epoch"][-1] == epoch


def test_delete_removes_everything(client: TestClient) -> None:
    run = finished(client)
    url = f"/api/runs/{run['id']}"
    assert client.delete(url, headers=bearer(run)).status_code == 204
    for path in ("", "/metrics", "/model"):
        assert client.get(url + path).status_code == 404


def test_the_list_is_newest_first_filtered_and_paged(client: TestClient) -> None:
    made = [client.post("/api/runs", json={"start": False}).json() for _ in range(5)]
    done = finished(client)
    ids = [run["id"] for run in made]
    mine = {"Authorization": "Bearer " + ", ".join(r["control_token"] for r in [*made, done])}
    page = client.get("/api/runs", params={"limit": 4}, headers=mine).json()
    assert [r["id"] for r in page["runs"]] == [done["id"], *ids[::-1][:3]]
    params = {"limit": 4, "cursor": page["next_cursor"]}
    rest = client.get("/api/runs", params=params, headers=mine).json()
    assert [r["id"] for r in rest["runs"]] == ids[1::-1] and rest["next_cursor"] is None
    succeeded = client.get("/api/runs", params={"status": "succeeded"}, headers=mine).json()
    assert [r["id"] for r in succeeded["runs"]] == [done["id"]]
    assert client.get("/api/runs", params={"status": "bogus"}).status_code == 422
    assert client.get("/api/runs", params={"cursor": "x"}).status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/runs/nope", None, 404),
        ("get", "/api/runs/nope/metrics", None, 404),
        ("post", "/api/runs/nope/predict", {"points": [[0, 0]]}, 404),
        ("post", "/api/runs/{id}/predict", {"points": []}, 422),
        ("post", "/api/runs/{id}/predict", {"points": [[0, "x"]]}, 422),
        ("get", "/api/runs/{id}/model?format=pickle", None, 422),
        ("get", "/api/runs/{id}/boundary.png?size=5", None, 422),
    ],
)
def test_bad_requests_get_4xx(
    client: TestClient, method: str, path: str, body: Any, status: int
) -> None:
    run = client.post("/api/runs", json={"start": False}).json()
    response = client.request(method, path.format(id=run["id"]), json=body)
    assert response.status_code == status, response.text


def test_nan_in_predict_points_is_refused_with_the_field(client: TestClient) -> None:
    run = client.post("/api/runs", json={"start": False}).json()
    response = client.post(
        f"/api/runs/{run['id']}/predict",
        content=b'{"points": [[0, NaN]]}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "points"]


def test_an_oversized_body_gets_413(client: TestClient) -> None:
    big = b'{"config": {}, "name": "' + b"x" * 3_000_000 + b'"}'
    response = client.post("/api/runs", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "limit" in response.json()["detail"]
    # as a code, so that the page says it in its language (a Korean page showed the English)
    assert response.json()["code"] == "body.too_large"
    assert response.json()["params"] == {"limit": 2_000_000}
