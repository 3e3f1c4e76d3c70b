"""The OpenAPI document declares what each route can answer, no more and no less.

``ANSWERS`` is read off the routes (their handlers and dependencies): a route that gains or
loses a status must change both. What the edge adds to every route (400 for a Host not
served, 413 for a body over the limit, 503 for a store that cannot be written) is in
docs/api.md, not repeated per route.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.server.test_live import wait_for
from tests.server.test_scripted import bearer, finished

MODEL_READ = {200, 404, 409, 422, 429, 503}  # a heavy read that needs the run's weights
ANSWERS: dict[str, set[int]] = {
    "GET /api/options": {200},
    "GET /api/datasets/{name}.png": {200, 404, 422},
    "GET /api/health": {200},
    "POST /api/runs": {201, 422, 429, 503},
    "GET /api/runs": {200, 422},
    "GET /api/runs/{run_id}": {200, 404, 422},
    "DELETE /api/runs/{run_id}": {204, 403, 404, 422},
    "POST /api/runs/{run_id}/pause": {200, 403, 404, 409, 422},
    "POST /api/runs/{run_id}/resume": {200, 403, 404, 409, 422, 429, 503},
    "POST /api/runs/{run_id}/cancel": {200, 403, 404, 409, 422},
    "GET /api/runs/{run_id}/metrics": {200, 404, 422, 429, 503},
    "GET /api/runs/{run_id}/model": MODEL_READ,
    "POST /api/runs/{run_id}/predict": MODEL_READ,
    "GET /api/runs/{run_id}/export": MODEL_READ,
    "GET /api/runs/{run_id}/boundary.png": MODEL_READ,
    "POST /api/runs/{run_id}/inspect": {200, 404, 409, 422, 429, 503},
    "GET /api/runs/{run_id}/states": {200, 404, 422},
    "GET /api/runs/{run_id}/states/{epoch}": {200, 404, 422, 429, 503},
    "POST /api/runs/{run_id}/fork": {201, 404, 422, 429, 503},
    "GET /api/share/{code}": {200, 404, 422, 429},
    "POST /api/races": {201, 422, 429, 503},
    "GET /api/races/{race_id}": {200, 404, 422},
    "POST /api/races/{race_id}/play": {200, 403, 404, 409, 422, 429},
    "POST /api/races/{race_id}/pause": {200, 403, 404, 409, 422},
    "POST /api/races/{race_id}/step": {200, 403, 404, 409, 422, 429},
    "POST /api/races/{race_id}/reset": {200, 403, 404, 409, 422},
    "POST /api/classes": {201, 422, 429},
    "GET /api/classes/{class_id}": {200, 403, 404, 422},
    "PATCH /api/classes/{class_id}": {200, 403, 404, 409, 422, 429, 503},
    "POST /api/classes/{class_id}/runs": {201, 403, 404, 409, 422, 429, 503},
    "POST /api/classes/{class_id}/races": {201, 403, 404, 422, 429, 503},
    "POST /api/classes/{class_id}/control": {200, 403, 404, 409, 422, 429, 503},
    "GET /api/join/{code}": {200, 404, 422, 429},
    "POST /api/join/{code}": {201, 404, 409, 422, 429},
    "DELETE /api/classes/{class_id}": {204, 403, 404, 422},
    "DELETE /api/classes/{class_id}/students/{student_id}": {204, 403, 404, 422},
    "POST /api/sweeps": {201, 422, 429},
    "GET /api/sweeps/{sweep_id}": {200, 404, 422},
    "POST /api/sweeps/{sweep_id}/cancel": {200, 403, 404, 409, 422},
    "POST /api/sweeps/{sweep_id}/resume": {200, 403, 404, 409, 422, 429},
}


def declared() -> dict[str, set[int]]:
    schema: dict[str, Any] = create_app(Settings(database=":memory:")).openapi()
    return {
        f"{method.upper()} {path}": {int(code) for code in operation["responses"]}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def test_every_route_declares_exactly_what_it_can_answer() -> None:
    found = declared()
    assert set(found) == set(ANSWERS)
    wrong = {op: (found[op], ANSWERS[op]) for op in ANSWERS if found[op] != ANSWERS[op]}
    assert not wrong, "declared vs. what the route can answer: " + repr(wrong)


def test_delete_declares_403_and_404_and_never_409() -> None:
    codes = declared()["DELETE /api/runs/{run_id}"]
    assert {403, 404} <= codes and 409 not in codes


def test_delete_answers_403_404_and_204_whatever_the_status(client: TestClient) -> None:
    ended = finished(client)
    url = f"/api/runs/{ended['id']}"
    assert client.post(f"{url}/cancel", headers=bearer(ended)).status_code == 409  # a control
    assert client.delete(url).status_code == 403
    assert client.delete(url, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.delete(url, headers=bearer(ended)).status_code == 204  # ended: no 409
    assert client.delete(url, headers=bearer(ended)).status_code == 404
    live = client.post("/api/runs", json={"config": {"seed": 1}, "start": False}).json()
    assert client.delete(f"/api/runs/{live['id']}", headers=bearer(live)).status_code == 204


def interrupted_run(database: Path) -> dict[str, Any]:
    """A run that was live when its server stopped: ``interrupted``, with a checkpoint."""
    with TestClient(create_app(Settings(database=str(database)))) as client:
        run: dict[str, Any] = client.post("/api/runs", json={"config": {"seed": 3}}).json()
        wait_for(lambda: client.get(f"/api/runs/{run['id']}").json()["epoch"] >= 2)
    return run


@pytest.mark.parametrize(
    ("limits", "code"), [({"max_runs_per_client": 1}, 429), ({"max_runs": 1}, 503)]
)
def test_resume_answers_429_or_503_when_there_is_no_room(
    tmp_path: Path, limits: dict[str, Any], code: int
) -> None:
    database = tmp_path / "runs.db"
    run = interrupted_run(database)
    with TestClient(create_app(Settings(database=str(database), **limits))) as client:
        url = f"/api/runs/{run['id']}"
        assert client.get(url).json()["status"] == "interrupted"
        client.post("/api/runs", json={"start": False})  # takes the one slot
        refused = client.post(f"{url}/resume", headers=bearer(run))
        assert refused.status_code == code and refused.headers["retry-after"]
        assert client.get(url).json()["status"] == "interrupted"  # left as it was
