"""A class against mischievous students and scripts (docs/api.md, "Classes"): a flood of
fake students, names that look empty, odd experiment values, a spotlit student deleting
their run, and the teacher deleting the class while students watch."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from server.app import create_app
from server.settings import Settings
from tests.server.test_classes import (
    bearer,
    class_run,
    class_socket,
    join,
    names,
    new_class,
    own_run,
    patch,
)
from tests.server.test_ws import next_of


def from_address(client: TestClient, host: str) -> TestClient:
    """Another client (another address) of the same running app, on its event loop."""
    other = TestClient(client.app, client=(host, 50000))
    other.portal = client.portal  # the app's store belongs to the running loop's thread
    return other


def closing(ws: WebSocketTestSession) -> dict[str, Any]:
    """The close a class socket gets, after what was queued before it."""
    for _ in range(50):
        message: dict[str, Any] = ws.receive()
        if message["type"] == "websocket.close":
            return message
    raise AssertionError("the socket was not closed")


def test_one_client_cannot_fill_a_class_with_fake_students(tmp_path: Any) -> None:
    """A script joins at most ``students_per_client`` students to a class (each client its
    own share); removing one frees its seat; the count holds across a restart."""
    settings = Settings(database=str(tmp_path / "runs.db"), students_per_client=3)
    with TestClient(create_app(settings)) as client:
        room = new_class(client)
        fakes = [join(client, room["code"], f"Fake {k}") for k in range(3)]
        refused = client.post(f"/api/join/{room['code']}", json={"name": "Fake 3"})
        assert refused.status_code == 429 and refused.json()["code"] == "class.client_full"
        assert refused.json()["params"] == {"limit": 3}
        join(from_address(client, "10.0.0.7"), room["code"], "Ada")  # a classmate's laptop
        assert names(client, room) == ["Fake 0", "Fake 1", "Fake 2", "Ada"]
        gone = fakes[0]["student_id"]
        path = f"/api/classes/{room['id']}/students/{gone}"
        assert client.delete(path, headers=bearer(room["teacher_token"])).status_code == 204
        join(client, room["code"], "Fake 3")  # the seat the teacher freed
    with TestClient(create_app(settings)) as client:  # a restart remembers who joined whom
        again = client.post(f"/api/join/{room['code']}", json={"name": "Fake 4"})
        assert again.status_code == 429, again.text


def test_one_client_cannot_make_classes_without_end(tmp_path: Any) -> None:
    """A script makes at most ``classes_per_client`` classes (each client its own share);
    deleting one frees its place; the count holds across a restart."""
    settings = Settings(database=str(tmp_path / "runs.db"), classes_per_client=2)
    with TestClient(create_app(settings)) as client:
        rooms = [new_class(client, name=f"Flood {k}") for k in range(2)]
        refused = client.post("/api/classes", json={"name": "Flood 2"})
        assert refused.status_code == 429 and refused.json()["code"] == "class.client_classes"
        assert refused.json()["params"] == {"limit": 2}
        new_class(from_address(client, "10.0.0.7"), name="Period 4")  # another school
        gone = rooms[0]
        deleted = client.delete(f"/api/classes/{gone['id']}", headers=bearer(gone["teacher_token"]))
        assert deleted.status_code == 204
        new_class(client, name="Flood 2")  # the place the deleted class freed
    with TestClient(create_app(settings)) as client:  # a restart remembers who made what
        again = client.post("/api/classes", json={"name": "Flood 3"})
        assert again.status_code == 429, again.text


@pytest.mark.parametrize("name", ["\u3164", "\u2800 \u3164", "\uffa0\u115f\u1160", " \u0301 "])
def test_a_name_that_draws_nothing_is_blank(client: TestClient, name: str) -> None:
    """Hangul fillers, the blank Braille pattern or a lone mark look like an empty name on
    the teacher's roster: refused as a name of spaces is."""
    room = new_class(client)
    answer = client.post(f"/api/join/{room['code']}", json={"name": name})
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "name"] and problem["type"] == "name.blank"
    assert join(client, room["code"], "\u3164Ada")["student_id"]  # a filler beside a name


def test_a_name_stacks_a_few_marks_on_a_letter_not_dozens(client: TestClient) -> None:
    """Zalgo text (a letter under dozens of combining marks) draws over the roster's other
    names and the projector's banner; a real name's few marks are welcome."""
    room = new_class(client)
    zalgo = "Z" + "\u0351\u0352\u0353\u0354\u0355" * 4 + "algo"
    answer = client.post(f"/api/join/{room['code']}", json={"name": zalgo})
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "name"] and problem["type"] == "name.marks"
    assert problem["params"] == {"limit": 4}
    for name in ("Nguye\u0302\u0303n", "\u0f56\u0f66\u0f92\u0fb2\u0f74\u0f56\u0f66"):
        assert join(client, room["code"], name)["student_id"]  # decomposed Vietnamese, Tibetan


def test_a_name_someone_in_the_class_has_is_refused(client: TestClient) -> None:
    """A second "Ada" (a classmate impersonated, or Ada joining twice) makes the teacher's
    roster, dashboard and spotlight ambiguous: refused whatever its case; once the teacher
    removes the first Ada, the name is free."""
    room = new_class(client)
    ada = join(client, room["code"], "Ada")
    for name in ("Ada", "ADA", "ａｄａ"):  # full-width letters read the same
        answer = client.post(f"/api/join/{room['code']}", json={"name": name})
        assert answer.status_code == 409, name
        assert answer.json()["code"] == "class.name_taken"
        assert answer.json()["params"] == {"name": name}
    assert join(client, room["code"], "Ada L")["student_id"]
    path = f"/api/classes/{room['id']}/students/{ada['student_id']}"
    assert client.delete(path, headers=bearer(room["teacher_token"])).status_code == 204
    assert join(client, room["code"], "ada")["student_id"]


@pytest.mark.parametrize(
    ("grid", "where"),
    [
        ({"learning_rate": [True, 0.3]}, ["body", "experiment", "settings", "learning_rate", 0]),
        ({"batch_size": [1, 1.0]}, ["body", "experiment"]),  # one value written twice
    ],
)
def test_an_experiment_refuses_true_and_a_value_given_twice(
    client: TestClient, grid: dict[str, Any], where: list[Any]
) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    answer = patch(client, room, experiment={"settings": grid, "epochs": 3})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][: len(where)] == where
    assert patch(client, room).json()["experiment"] is None


def test_a_student_cannot_change_their_cell_live(client: TestClient) -> None:
    """An experiment's cell is the lesson's measurement: a student's live `set` of a setting
    their cell fixes is refused (the heatmap would show lr 3's loss under lr 0.03); the
    settings it leaves free, and the page's speed, stay the student's."""
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"], "Ada")
    grid = {"learning_rate": [0.03, 0.3], "batch_size": [10]}
    assert patch(client, room, experiment={"settings": grid, "epochs": 5}).status_code == 200
    run_id = patch(client, room).json()["students"][0]["run"]["id"]
    stream = f"/api/runs/{run_id}/stream?token={ada['student_token']}"
    with client.websocket_connect(stream) as ws:
        for change in ({"learning_rate": 3.0}, {"batch_size": 1, "speed": 5}):
            ws.send_json({"type": "set", **change})
            ws.send_json({"type": "view", "bogus": 1})  # an error comes either way
            refused = next_of(ws, "error")
            assert refused["code"] == "class.cell_fixed", refused
            assert next_of(ws, "error")["message"] == "invalid message"
        ws.send_json({"type": "set", "regularization_rate": 0.01, "speed": 5})
        assert next_of(ws, "settings")["changes"] == {"regularization_rate": 0.01}
    assert patch(client, room, experiment=None).status_code == 200  # over: free again
    with client.websocket_connect(stream) as ws:
        ws.send_json({"type": "set", "learning_rate": 3.0})
        assert next_of(ws, "settings")["changes"] == {"learning_rate": 3.0}


def test_a_class_run_keeps_to_the_servers_network_budget(client: TestClient) -> None:
    """The class's run route made networks over ``max_parameters`` (118,161 weights, where
    ``POST /api/runs`` refuses them): a student in hands-on could hog the workers."""
    room = new_class(client)
    teacher = class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"], "Ada")
    assert patch(client, room, mode="hands_on").status_code == 200
    big = {**teacher["config"], "network": {"hidden": [256, 256, 200]}}
    for token in (ada["student_token"], room["teacher_token"]):
        answer = own_run(client, room, token, big)
        assert answer.status_code == 422, answer.text
        [problem] = answer.json()["detail"]
        assert problem["loc"] == ["body", "config", "network", "hidden"]
        assert "118,161 parameters" in problem["msg"]


def test_a_spotlit_student_who_deletes_their_run_leaves_no_class_watching_nothing(
    client: TestClient,
) -> None:
    """The class watches a spotlit student's run; the student deletes it with their own
    token: the stage is the teacher's run again, and the student's page is told."""
    room = new_class(client)
    teacher = class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"], "Ada")
    assert patch(client, room, mode="hands_on").status_code == 200
    mine = own_run(client, room, ada["student_token"], teacher["config"]).json()
    assert patch(client, room, spotlight=ada["student_id"]).json()["stage"]["run_id"] == mine["id"]
    with (
        class_socket(client, room["id"], ada["student_token"]) as ada_page,
        class_socket(client, room["id"], room["teacher_token"]) as teacher_page,
    ):
        assert next_of(ada_page, "you")["run_id"] == mine["id"]
        gone = client.delete(f"/api/runs/{mine['id']}", headers=bearer(ada["student_token"]))
        assert gone.status_code == 204
        assert next_of(ada_page, "you")["run_id"] is None
        next_of(teacher_page, "class")  # the one on connecting
        assert next_of(teacher_page, "class")["stage"]["run_id"] == teacher["id"]
    shown = patch(client, room).json()
    assert shown["stage"]["run_id"] == teacher["id"] and shown["students"][0]["run"] is None


def test_the_teacher_deletes_the_class_and_every_page_is_told(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"], "Ada")
    assert patch(client, room, mode="hands_on").status_code == 200
    config = {"seed": 5, "network": {"hidden": [3, 2]}}
    mine = own_run(client, room, ada["student_token"], config).json()
    path, teacher = f"/api/classes/{room['id']}", bearer(room["teacher_token"])
    assert client.delete(path, headers=bearer(ada["student_token"])).status_code == 403
    with (
        class_socket(client, room["id"], ada["student_token"]) as ada_page,
        class_socket(client, room["id"], room["teacher_token"]) as teacher_page,
    ):
        next_of(ada_page, "you")
        next_of(teacher_page, "roster")
        assert client.delete(path, headers=teacher).status_code == 204
        for page in (ada_page, teacher_page):
            closed = closing(page)
            assert closed["code"] == 4404 and "deleted" in closed["reason"]  # the page: gone
    assert client.get(path, headers=teacher).status_code == 404
    assert client.get(f"/api/join/{room['code']}").status_code == 404
    assert client.get(f"/api/runs/{mine['id']}").status_code == 404  # the student's run too
    assert client.delete(path, headers=teacher).status_code == 404
