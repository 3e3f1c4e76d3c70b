"""Messages as codes (engine/messages.py, server/messages.py): every one the server can send
has a Korean template with its parameters, and each path that carries a message to a person
(a refusal, a 422, a socket's error, a run's error, the store) carries its code."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from engine.messages import ENGINE, Message
from server.app import create_app
from server.messages import SERVER
from server.settings import Settings
from tests.server.test_ws import connect, create, create_diverging, next_of, play_until_it_ends

KO = Path(__file__).resolve().parents[2] / "static" / "js" / "lang" / "ko.js"


def korean() -> dict[str, str]:
    """ko.js's table (its keys and their templates, as JSON strings)."""
    pairs = re.findall(r'^\s*"([^"]+)": ("(?:[^"\\]|\\.)*"),?$', KO.read_text(), flags=re.M)
    return {key: json.loads(text) for key, text in pairs}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_has_a_korean_template_that_uses_only_its_parameters() -> None:
    table = korean()
    for catalog in (ENGINE, SERVER):
        for code, english in catalog.templates.items():
            template = table.get(f"msg.{code}") or table.get(code)
            assert template, f"no Korean for {code}"
            assert placeholders(template) <= placeholders(english), code


def test_every_dataset_the_page_lists_has_a_korean_description(client: TestClient) -> None:
    listed = client.get("/api/options").json()["datasets"]
    table = korean()
    assert len(listed) >= 10
    assert all(table.get(f"msg.dataset.{name}") for name in listed), sorted(listed)


def test_every_message_renders_in_english_as_before() -> None:
    said = ENGINE.say("diverged.rate_high", what=ENGINE.say("part.loss"), epoch=3, step=7, rate=3)
    assert str(said) == (
        "the loss stopped being finite numbers at epoch 3, step 7: the learning rate 3 is "
        "probably too high; try a smaller one"
    )
    locks = (SERVER.say("lock.data"), SERVER.say("lock.training"))
    assert str(SERVER.say("class.locked", locks=locks)) == "locked by the teacher: data, training"
    assert SERVER.say("class.locked", locks=locks).wire() == {
        "code": "class.locked",
        "params": {
            "locks": [{"code": "lock.data", "params": {}}, {"code": "lock.training", "params": {}}]
        },
    }


BAD_BODIES: list[dict[str, Any]] = [
    {"config": {"training": {"learning_rate": -1}}},
    {"config": {"training": {"learning_rate": "fast"}}},
    {"config": {"training": {"batch_size": 2.5}}},
    {"config": {"network": {"hidden": [8] * 40}}},
    {"config": {"network": {"activation": "swish-ish"}}},
    {"config": {"data": {"dataset": "circle", "train_ratio": 2}}},
    {"config": {"data": {"dataset": "circle", "features": ["x1", "x1"]}}},
    {"config": {"data": {"dataset": "points"}}},
    {"config": {"data": {"dataset": "circle", "noise": "lots"}}},
    {"config": {"surprise": 1}},
    {"config": {"seed": "x"}},
    {"config": {"data": {"dataset": "points", "points": [[0, 0, 1]] * 3}}},
    {"config": {"data": {"dataset": "csv", "csv": "x1,x2,label\n0,0,1\n1,1,-1\n9,9,1\n0,1,1\n"}}},
    {"config": "circle"},
    {"config": {"output": {"activation": "sigmoid", "loss": "mae"}}},
]


def test_every_error_a_bad_config_gets_has_a_korean_template(client: TestClient) -> None:
    table, seen = korean(), set()
    for body in BAD_BODIES:
        answer = client.post("/api/runs", json=body)
        assert answer.status_code == 422, body
        for error in answer.json()["detail"]:
            seen.add(error["type"])
            template = table.get(f"msg.{error['type']}")
            assert template, f"no Korean for {error['type']} ({error['msg']})"
            assert placeholders(template) <= set(error["params"]), error
    assert {"greater_than", "float_parsing", "config.feature_twice", "cell.outside"} <= seen


def test_a_refusal_carries_its_code_beside_its_english(client: TestClient) -> None:
    answer = client.get("/api/runs/nope")
    assert answer.status_code == 404
    assert answer.json() == {
        "detail": "no run with id 'nope'",
        "code": "run.unknown",
        "params": {"id": "nope"},
    }
    refused = client.post("/api/classes", json={"name": " ", "teacher": "Kim"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "name.blank"


def test_a_socket_error_carries_its_code(client: TestClient) -> None:
    run = create(client)
    with connect(client, run, token=False) as ws:
        ws.send_json({"type": "play"})
        error = next_of(ws, "error")
        assert error["code"] == "socket.needs_token" and error["params"] == {"kind": "play"}
        ws.send_json({"type": "set", "learning_rate": -3})
        error = next_of(ws, "error")
        assert error["code"] == "socket.invalid"
        assert [e["type"] for e in error["detail"]] == ["greater_than"]


def test_a_diverged_run_keeps_its_code_through_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        run = create_diverging(client)
        with connect(client, run) as ws:
            status = play_until_it_ends(ws)
        assert status["error_code"]["code"] == "diverged.rate_high"
        assert status["error_code"]["params"]["rate"] == 10.0
        assert status["error_code"]["params"]["what"]["code"].startswith("part.")
    with TestClient(create_app(settings)) as client:
        stored = client.get(f"/api/runs/{run['id']}").json()
    assert stored["status"] == "diverged" and stored["error"] == status["error"]
    assert stored["error_code"] == status["error_code"]
    assert str(_rebuilt(stored["error_code"])) == stored["error"]


def _rebuilt(wire: dict[str, Any]) -> Message:
    """A message from its wire form, through the catalogs (what a page in English shows)."""
    catalog = ENGINE if wire["code"] in ENGINE.templates else SERVER
    params = {k: _rebuilt(v) if isinstance(v, dict) else v for k, v in wire["params"].items()}
    return catalog.say(wire["code"], **params)
