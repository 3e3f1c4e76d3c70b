"""The HTTP edge against hostile users: who may list runs, the Host allow-list, security
headers, per-client and server-wide limits on heavy reads, user data, a failing store."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.websockets import WebSocketDisconnect

from engine import data_config as config_module
from engine import model as model_module
from engine.config import ExperimentConfig
from engine.features import feature_matrix
from engine.model import Model
from engine.trainer import Trainer
from server.app import create_app
from server.heavy import Heavy
from server.picture import PICTURE_WORK, background
from server.settings import Settings
from tests.server.test_scripted import bearer, finished

XOR = {"seed": 1, "data": {"dataset": "xor"}, "training": {"max_epochs": 5}}


def app_client(tmp_path: Any, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database=str(tmp_path / "runs.db"), **settings)))


@pytest.fixture
def admin(tmp_path: Any) -> Iterator[TestClient]:
    with app_client(tmp_path, admin_token="teacher-" + "x" * 16) as client:
        yield client


# -- who may list runs ------------------------------------------------------------------


def test_the_list_shows_only_the_runs_the_caller_holds_tokens_for(admin: TestClient) -> None:
    alice = [admin.post("/api/runs", json={"start": False}).json() for _ in range(2)]
    bob = admin.post("/api/runs", json={"start": False, "name": "bob's"}).json()

    def listed(authorization: str | None) -> list[str]:
        headers = {"Authorization": authorization} if authorization else {}
        response = admin.get("/api/runs", headers=headers)
        assert response.status_code == 200
        return [run["id"] for run in response.json()["runs"]]

    assert listed(None) == [] and listed("Bearer nonsense") == []
    assert listed(bearer(bob)["Authorization"]) == [bob["id"]]
    both = f"Bearer {alice[0]['control_token']},{alice[1]['control_token']}"
    assert listed(both) == [alice[1]["id"], alice[0]["id"]]
    spaced = f"Bearer {alice[0]['control_token']}  {bob['control_token']}"
    assert listed(spaced) == [bob["id"], alice[0]["id"]]
    assert listed("Bearer teacher-" + "x" * 16) == [bob["id"], alice[1]["id"], alice[0]["id"]]


def test_too_many_tokens_are_a_422_naming_the_header(client: TestClient) -> None:
    response = client.get("/api/runs", headers={"Authorization": "Bearer " + "t " * 101})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "authorization"]


def test_share_code_lookups_are_rate_limited_per_client(tmp_path: Any) -> None:
    with app_client(tmp_path, share_lookups_per_minute=1) as client:
        statuses = [client.get("/api/share/ABCDEF").status_code for _ in range(11)]
        assert statuses[:10] == [404] * 10  # the burst
        refused = client.get("/api/share/ABCDEF")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "share codes" in refused.json()["detail"]


# -- the Host allow-list and the security headers -----------------------------------------


@pytest.mark.parametrize(
    ("served", "extra", "host", "answered"),
    [
        ("127.0.0.1", [], "localhost:8000", True),
        ("127.0.0.1", [], "127.0.0.1", True),
        ("127.0.0.1", [], "[::1]:9000", True),
        ("127.0.0.1", [], "rebind.attacker.example", False),
        ("127.0.0.1", [], "192.168.1.20:8000", False),
        ("0.0.0.0", [], "192.168.1.20:8000", True),  # a classroom, by the LAN address
        ("0.0.0.0", [], "[fe80::1]:8000", True),
        ("0.0.0.0", [], "teacher.local:8000", False),
        ("0.0.0.0", ["teacher.local"], "Teacher.Local.:8000", True),
        ("playground.school.example", [], "playground.school.example", True),
        ("127.0.0.1", ["*"], "anything.example", True),
    ],
)
def test_only_the_hosts_the_server_goes_by_are_answered(
    tmp_path: Any, served: str, extra: list[str], host: str, answered: bool
) -> None:
    client = TestClient(create_app(Settings(database=":memory:", host=served, allowed_hosts=extra)))
    response = client.get("/api/health", headers={"Host": host})
    assert (response.status_code == 200) is answered, response.text
    if not answered:
        assert response.status_code == 400 and "NNPG_ALLOWED_HOSTS" in response.json()["detail"]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_class_panels_advice_on_serving_a_name_works(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """The class and share panels tell a teacher whose students reach the server by a name
    which setting to list it in: following that advice, the page and its socket answer. (It
    named NNPG_ALLOWED_ORIGINS, with which the name was still refused.)"""
    table = (Path(__file__).resolve().parents[2] / "static/js/lang" / f"{language}.js").read_text()
    hint = re.search(r'"class.lan_hint": "(.*)",', table)
    assert hint
    (setting,) = re.findall(r"NNPG_[A-Z_]+", hint.group(1))
    monkeypatch.setenv(setting, "teacher.local")
    name = {"Host": "teacher.local:8000"}
    with TestClient(create_app(Settings(database=":memory:", host="0.0.0.0"))) as client:
        assert client.get("/", headers=name).status_code == 200
        run = client.post("/api/runs", json={"start": False}, headers=name).json()
        origin = {**name, "Origin": "http://teacher.local:8000"}
        url = f"/api/runs/{run['id']}/stream"
        with client.websocket_connect(url, headers=origin) as socket:
            assert socket.receive_json()["type"] in {"dataset", "status", "history"}


def test_a_websocket_under_a_foreign_host_is_refused(client: TestClient) -> None:
    run = client.post("/api/runs", json={"start": False}).json()
    url = f"/api/runs/{run['id']}/stream"
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(url, headers={"Host": "evil.example"}),
    ):
        pass
    assert refused.value.code == 1008


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/options", "/static/js/main.js", "/api/runs/nope"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert "default-src" not in client.get("/docs").headers["content-security-policy"]


# -- heavy reads --------------------------------------------------------------------------


def test_heavy_reads_are_limited_per_client_with_retry_after(tmp_path: Any) -> None:
    with app_client(tmp_path, reads_per_minute=1, reads_burst=3) as client:
        run = finished(client, XOR)
        url = f"/api/runs/{run['id']}"
        paths = ["/boundary.png?size=50", "/model", "/export"]
        assert [client.get(url + p).status_code for p in paths] == [200, 200, 200]
        refused = client.post(f"{url}/predict", json={"points": [[0, 0]]})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert client.get(url).status_code == 200  # reading the run itself is not heavy


def _request() -> Request:
    return Request({"type": "http", "client": ("10.0.0.7", 5000), "headers": []})


def test_a_saturated_server_answers_503_with_retry_after() -> None:
    heavy = Heavy(Settings(database=":memory:", heavy_concurrency=1, heavy_queue=1))

    async def scenario() -> list[int]:
        release = asyncio.Event()
        inside = asyncio.Event()

        async def hold() -> None:
            async with heavy.turn(_request()):
                inside.set()
                await release.wait()

        holder = asyncio.create_task(hold())
        await inside.wait()
        waiting = asyncio.create_task(hold())  # the one place in the queue
        while heavy.inside < 2:
            await asyncio.sleep(0)
        with pytest.raises(HTTPException) as refused:
            async with heavy.turn(_request()):
                pass
        release.set()
        await asyncio.gather(holder, waiting)
        assert refused.value.headers == {"Retry-After": "2"}
        return [refused.value.status_code, heavy.inside]

    with ThreadPoolExecutor(1) as elsewhere:  # a loop of its own, whatever runs here
        assert elsewhere.submit(asyncio.run, scenario()).result() == [503, 0]


def test_the_network_is_evaluated_in_chunks_of_bounded_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_module, "CHUNK_BYTES", 2**20)
    config = ExperimentConfig.model_validate({"seed": 1, "network": {"hidden": [64, 64]}})
    model = Model.build(config, Trainer(config).network.params)
    batches: list[int] = []
    predict = model.network.predict
    model.network.predict = lambda x: batches.append(len(x)) or predict(x)  # type: ignore[method-assign]
    points = np.random.default_rng(0).uniform(-6, 6, (20_000, 2))
    outputs = model.outputs(points)
    assert max(batches) == model.chunk_size() < 1000 and sum(batches) == len(points)
    whole = model.head.activate(predict(feature_matrix(points, model.features)))
    np.testing.assert_allclose(outputs, whole, rtol=1e-12)


def test_a_big_networks_picture_costs_a_bounded_number_of_multiply_adds() -> None:
    features = ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"]
    config = ExperimentConfig.model_validate(
        {"seed": 1, "data": {"features": features}, "network": {"hidden": [256, 256, 100]}}
    )
    model = Model.build(config, Trainer(config).network.params)
    evaluated: list[int] = []
    outputs = model.outputs
    model.outputs = lambda p: evaluated.append(len(p)) or outputs(p)  # type: ignore[method-assign]
    image = background(model, 1000, 1.0)
    assert image.shape == (1000, 1000, 3)
    assert evaluated[0] * config.n_parameters() <= PICTURE_WORK  # not 10⁶ points


# -- user data ----------------------------------------------------------------------------


def csv_body(text: str) -> dict[str, Any]:
    return {"config": {"data": {"dataset": "csv", "csv": text}}, "start": False}


ROWS = [f"{x},{y},{int(x > y)}" for x in range(-5, 6) for y in range(-5, 6)]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1,2,1\n1,2," + "9" * 140_000 + "\n1,1,1\n2,2,1", "row 2: a value is over"),
        ("1,2,1\n1,2,1e200\n1,1,1\n2,2,1", "row 2, column 3 (label)"),
        ("1,2,1\n1,1e300,1\n1,1,1\n2,2,1", "row 2, column 2 (x2)"),
    ],
)
def test_a_bad_csv_is_a_422_naming_the_row(client: TestClient, text: str, says: str) -> None:
    response = client.post("/api/runs", json=csv_body(text))
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "config", "data"] and says in problem["msg"]


def test_a_classic_mac_csv_trains(client: TestClient) -> None:
    response = client.post("/api/runs", json=csv_body("x1,x2,label\r" + "\r".join(ROWS)))
    assert response.status_code == 201, response.text


def test_listing_runs_does_not_parse_their_data_again(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [client.post("/api/runs", json=csv_body("\n".join(ROWS))).json() for _ in range(3)]
    for run in made:
        client.delete(f"/api/runs/{run['id']}", headers=bearer(run))
    kept = [client.post("/api/runs", json=csv_body("\n".join(ROWS))).json() for _ in range(3)]
    client.app.state.manager.runs.clear()  # type: ignore[attr-defined]  # as after a restart
    parsed: list[str] = []
    parse = config_module.parse_csv
    monkeypatch.setattr(config_module, "parse_csv", lambda t: parsed.append(t) or parse(t))
    mine = {"Authorization": "Bearer " + ",".join(run["control_token"] for run in kept)}
    listed = client.get("/api/runs", headers=mine).json()["runs"]
    assert len(listed) == 3 and listed[0]["config"]["data"]["csv"] == "\n".join(ROWS)
    assert client.get(f"/api/runs/{kept[0]['id']}").status_code == 200
    assert parsed == []


def test_the_create_body_keeps_its_documented_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/runs"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RunCreate"
    }
    run_create = schema["components"]["schemas"]["RunCreate"]
    assert run_create["properties"]["config"] == {"$ref": "#/components/schemas/ExperimentConfig"}
    assert "DataConfig" in schema["components"]["schemas"]


def test_an_empty_or_broken_body_is_a_422(client: TestClient) -> None:
    for raw in (b"", b"{", b"[1]"):
        response = client.post("/api/runs", content=raw)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "body"


# -- a store that stops taking writes -------------------------------------------------------


def test_a_store_made_read_only_while_serving_gives_503_not_500(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": {"seed": 1}, "start": False}).json()
    db = client.app.state.manager.store.db  # type: ignore[attr-defined]
    db.execute("PRAGMA query_only = ON")  # as a file made read-only under the server
    created = client.post("/api/runs", json={"start": False})
    assert created.status_code == 503 and created.headers["retry-after"]
    assert "run store cannot be written" in created.json()["detail"]
    assert client.delete(f"/api/runs/{run['id']}", headers=bearer(run)).status_code == 503
    assert client.get(f"/api/runs/{run['id']}").status_code == 200  # reads go on
    # "nothing was changed": the live run is still there (it used to be dropped, its viewers
    # closed, and pause answered "the run has ended")
    assert run["id"] in client.app.state.manager.runs  # type: ignore[attr-defined]
    db.execute("PRAGMA query_only = OFF")  # writable again
    paused = client.post(f"/api/runs/{run['id']}/pause", headers=bearer(run))
    assert paused.status_code != 409, paused.text
    assert client.delete(f"/api/runs/{run['id']}", headers=bearer(run)).status_code == 204
