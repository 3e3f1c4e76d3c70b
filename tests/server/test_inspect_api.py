"""Inspections (docs/api.md, "Inspecting a live run"; docs/protocol.md, ``inspect``): the
teaching views' numbers over REST and the run stream, computed in the run's worker, checked
against what the run does (its predictions, its next step), and refused cleanly."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from server import protocol as p
from server.clients import Bucket
from server.inspect_worker import Inspector
from server.inspections import Inspections
from server.run import Run
from server.schemas import CLIENT_MESSAGE, RunCreate
from server.viewers import Viewer
from tests.server.test_live import wait_for
from tests.server.test_ws import connect, create, next_of

REQUESTS: dict[str, dict[str, Any]] = {
    "probe": {"kind": "probe", "point": [1.5, -2.0]},
    "activations": {"kind": "activations", "layer": 1, "bins": 7},
    "gradients": {"kind": "gradients", "on": "batch"},
    "update": {"kind": "update", "layer": 0, "source": 1, "target": 2},
    "chain": {"kind": "chain", "layer": 1, "source": 0, "target": 1, "example": 4},
}


def inspect(client: TestClient, run: dict[str, Any], body: dict[str, Any]) -> Any:
    """The answer, asked again as a client should while the server says its worker is busy
    (503 with Retry-After: a worker still starting on a saturated machine, say)."""
    deadline = time.monotonic() + 120
    response = client.post(f"/api/runs/{run['id']}/inspect", json=body)
    while response.status_code == 503 and time.monotonic() < deadline:
        assert response.headers["Retry-After"]
        response = client.post(f"/api/runs/{run['id']}/inspect", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == body["kind"]
    return answer


def settled(ws: WebSocketTestSession) -> None:
    """Everything this viewer sent before has been handled (messages are, in order)."""
    ws.send_bytes(b"?")
    next_of(ws, "error")


# -- REST: real values ---------------------------------------------------------------------


def test_a_probe_gives_the_output_predict_gives(client: TestClient) -> None:
    run = create(client)
    data = inspect(client, run, REQUESTS["probe"])["data"]
    predicted = client.post(f"/api/runs/{run['id']}/predict", json={"points": [[1.5, -2.0]]})
    assert data["output"]["values"] == pytest.approx(predicted.json()["outputs"][0], abs=1e-12)
    assert data["output"]["label"] == predicted.json()["labels"][0]
    first = data["layers"][0]  # z = Σ w·a + b, link by link
    sums = [sum(column) for column in zip(*first["contributions"], strict=True)]
    assert first["z"] == pytest.approx([s + b for s, b in zip(sums, first["bias"], strict=True)])
    example = inspect(client, run, {"kind": "probe", "example": 3})["data"]
    assert example["example"] == 3 and len(example["target"]) == 1


@pytest.mark.parametrize(("optimizer", "source"), [("sgd", 1), ("adam", None)])
def test_update_foretells_the_weight_after_one_batch(
    client: TestClient, optimizer: str, source: int | None
) -> None:
    run = create(client, training={"optimizer": optimizer})
    body = {"kind": "update", "layer": 1, "source": source, "target": 1}
    answer = inspect(client, run, body)
    data = answer["data"]
    assert (answer["epoch"], answer["step"], data["optimizer"]) == (0, 0, optimizer)
    assert data["change"] != 0 and data["will_step"]
    with connect(client, run) as ws:
        ws.send_json({"type": "step", "batches": 1})
        status = next_of(ws, "status")
        while status["step"] < 1:
            status = next_of(ws, "status")
    layer = client.get(f"/api/runs/{run['id']}/model").json()["layers"][1]
    after = layer["biases"][1] if source is None else layer["weights"][source][1]
    assert after == pytest.approx(data["new_weight"], abs=1e-12)
    assert after != pytest.approx(data["weight"])


def test_activations_gradients_and_the_chain_rule_add_up(client: TestClient) -> None:
    run = create(client)
    stats = inspect(client, run, REQUESTS["activations"])["data"]
    assert (stats["units"], stats["examples"], len(stats["edges"])) == (2, 250, 8)
    assert sum(stats["histogram"]) == 2 * 250 - stats["nonfinite"] and "z" not in stats
    values = inspect(client, run, {**REQUESTS["activations"], "values": True})["data"]
    assert [len(unit) for unit in values["z"]] == [250, 250]
    batch = inspect(client, run, REQUESTS["gradients"])["data"]
    train = inspect(client, run, {"kind": "gradients", "on": "train"})["data"]
    assert (batch["examples"], train["examples"], len(train["layers"])) == (10, 250, 3)
    assert batch["layers"][0]["total"] != train["layers"][0]["total"]
    chain = inspect(client, run, REQUESTS["chain"])["data"]
    assert chain["kind"] == "hidden" and chain["example"] == 4
    assert chain["total"] == pytest.approx(chain["finite_difference"], abs=1e-7)


# -- REST: refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"kind": "jump"}, ["body", "kind"]),
        ({"layer": 0}, ["body", "kind"]),
        ({"kind": "activations", "layer": 0, "bins": 0}, ["body", "activations", "bins"]),
        ({"kind": "gradients", "on": "all"}, ["body", "gradients", "on"]),
        ({"kind": "gradients", "x": 1}, ["body", "gradients", "x"]),
        ({"kind": "probe", "point": [0, 0], "example": 1}, ["body", "probe"]),
        ({"kind": "update", "layer": 0, "target": 1001}, ["body", "update", "target"]),
        ({"kind": "update", "layer": 3, "target": 0}, ["body", "update", "layer"]),
        ({"kind": "activations", "layer": 5}, ["body", "activations", "layer"]),
        ({"kind": "update", "layer": 1, "target": 2}, ["body", "update", "target"]),
        (
            {"kind": "chain", "layer": 0, "source": 2, "target": 0, "example": 0},
            ["body", "chain", "source"],
        ),
        ({"kind": "probe", "example": 250}, ["body", "probe", "example"]),
    ],
)
def test_a_bad_request_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[str]
) -> None:
    run = create(client)
    response = client.post(f"/api/runs/{run['id']}/inspect", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == loc, error
    if body.get("layer") in (3, 5):
        assert error["msg"] == "the network has layers 0 … 2"


def test_a_request_the_worker_refuses_is_a_422_and_the_run_goes_on(client: TestClient) -> None:
    """Every z of a layer over 9,000 examples is more than an answer carries: the worker
    says so, for this request alone."""
    run = create(client, data={"n_samples": 10_000, "train_ratio": 0.9}, network={"hidden": [12]})
    response = client.post(
        f"/api/runs/{run['id']}/inspect", json={"kind": "activations", "layer": 0, "values": True}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "activations", "values"] and "100,000" in error["msg"]
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "created"
    assert inspect(client, run, {"kind": "activations", "layer": 0})["data"]["examples"] == 9000


def test_only_a_live_run_can_be_inspected(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": {"seed": 1, "training": {"max_epochs": 2}}})
    url = f"/api/runs/{run.json()['id']}"
    wait_for(lambda: client.get(url).json()["status"] == "succeeded")
    ended = client.post(f"{url}/inspect", json=REQUESTS["gradients"])
    assert ended.status_code == 409
    assert ended.json()["detail"].startswith("the run must be live to inspect it")
    assert client.post("/api/runs/nope/inspect", json=REQUESTS["gradients"]).status_code == 404


# -- the run stream -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_a_viewer_gets_what_rest_gives(client: TestClient, kind: str) -> None:
    run = create(client)
    with connect(client, run, token=False) as ws:
        ws.send_json({"type": "inspect", "id": 41, **REQUESTS[kind]})
        message = next_of(ws, "inspection")
    assert (message["id"], message["kind"], message["epoch"]) == (41, kind, 0)
    assert message["data"] == inspect(client, run, REQUESTS[kind])["data"]


def test_an_inspection_goes_to_its_sender_alone(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as owner, connect(client, run, token=False) as other:
        settled(other)
        owner.send_json({"type": "inspect", "id": 7, **REQUESTS["probe"]})
        assert next_of(owner, "inspection")["id"] == 7
        other.send_bytes(b"?")  # the other viewer's next message: an inspection, if it had one
        for _ in range(200):
            message = other.receive()
            if message.get("text") is None:
                continue
            kind = json.loads(message["text"])["type"]
            assert kind != "inspection"
            if kind == "error":
                break


def test_a_refused_inspection_is_an_error_with_its_id_and_no_strike(client: TestClient) -> None:
    run = create(client)
    record = client.app.state.manager.runs[run["id"]]  # type: ignore[attr-defined]
    with connect(client, run, token=False) as ws:
        ws.send_json({"type": "inspect", "id": 3, "kind": "update", "layer": 9, "target": 0})
        assert next_of(ws, "error") == {
            "type": "error",
            "id": 3,
            "message": "layer: the network has layers 0 … 2",
        }
        ws.send_json({"type": "inspect", "id": 4, "kind": "jump"})
        invalid = next_of(ws, "error")
        assert invalid["id"] == 4 and invalid["detail"][0]["loc"] == ["inspect", "kind"]
        settled(ws)
        (viewer,) = record.viewers
        assert viewer.strikes == 2  # the invalid one and the "?", not the misfit


def test_a_flood_of_inspections_never_stops_another_viewers_frames(client: TestClient) -> None:
    run = create(client, network={"hidden": [16, 16]})
    with connect(client, run) as owner, connect(client, run, token=False) as flooder:
        owner.send_json({"type": "play"})
        first, _ = next_of(owner, "frame")
        for k in range(120):  # past the bucket: most are refused, the rest coalesce
            flooder.send_json({"type": "inspect", "id": k, "kind": "gradients", "on": "train"})
        header, _ = next_of(owner, "frame")
        while header["epoch"] < first["epoch"] + 10:
            header, _ = next_of(owner, "frame")
        answered = next_of(flooder, "inspection", limit=1000)
        assert 0 <= answered["id"] < 120 and answered["data"]["examples"] == 250


# -- the pieces, alone ------------------------------------------------------------------------


def test_a_viewer_has_one_inspection_in_the_worker_and_only_the_newest_waits() -> None:
    run = Run(id="r", token_hash="", share_code="ABCDEF", body=RunCreate(), worker=0)
    viewer = Viewer(can_control=False, bucket=Bucket(1.0, 1.0))
    run.viewers.add(viewer)

    async def scenario() -> list[Any]:
        sent: list[p.Inspect] = []
        inspections = Inspections(lambda run, command: sent.append(command))  # no worker
        for k in range(3):
            message: Any = CLIENT_MESSAGE.validate_python(
                {"type": "inspect", "id": k, "kind": "gradients"}
            )
            inspections.offer(run, viewer, message)
        assert len(sent) == 1  # the first in the worker; the third replaced the second
        answers = []
        for index in range(2):  # the first's answer sends the one that waited
            command = sent[index]
            answer = p.Inspected("r", command.request, "gradients", 5, 9, '{"n":1}')
            inspections.requests.answer(command.request, answer)
            answers.append(json.loads(await viewer.next()))  # type: ignore[arg-type]
        assert len(sent) == 2
        return answers

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, as test_docs does
        answers = thread.submit(asyncio.run, scenario()).result()
    assert [(a["type"], a["id"], a["epoch"], a["data"]) for a in answers] == [
        ("inspection", 0, 5, {"n": 1}),
        ("inspection", 2, 5, {"n": 1}),
    ]


def test_a_worker_answers_inspections_after_its_frames_a_slice_at_a_time() -> None:
    inspector = Inspector()
    for k in range(3):
        inspector.add(p.Inspect("gone", k, "gradients", {"on": "batch"}))
    outbox: list[p.Result] = []
    inspector.work({}, outbox, 0.0)  # out of time at once: one answered, two wait
    assert len(outbox) == 1 and len(inspector.waiting) == 2
    (answer,) = outbox
    assert isinstance(answer, p.Inspected) and answer.request == 0 and answer.error
