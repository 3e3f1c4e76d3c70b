"""Races in a class (issue #15's classroom line; docs/api.md, "Races in a class"): a race
on the class's stage that every page follows and only the teacher drives, and a class
experiment whose cells' runs race from the teacher's first weights in lockstep."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.server.test_classes import SETUP, bearer, class_run, class_socket, join, new_class
from tests.server.test_classes import patch as patch_class
from tests.server.test_live import wait_for
from tests.server.test_ws import next_of

LANES = [{"changes": {}}, {"changes": {"training": {"optimizer": "adam"}}}]


def class_race(client: TestClient, room: dict[str, Any], token: str, **body: Any) -> Any:
    """A member asks for a race for the class (the raw answer)."""
    body = {"config": SETUP, "lanes": LANES, **body}
    return client.post(f"/api/classes/{room['id']}/races", json=body, headers=bearer(token))


def test_a_race_goes_on_the_stage_and_every_page_follows(client: TestClient) -> None:
    room = new_class(client)
    teacher_run = class_run(client, room["id"], room["teacher_token"])
    student = join(client, room["code"])
    with class_socket(client, room["id"], student["student_token"]) as ws:
        next_of(ws, "class")
        made = class_race(client, room, room["teacher_token"])
        assert made.status_code == 201, made.text
        race = made.json()
        assert race["control_token"] == room["teacher_token"]  # the teacher's own token
        stage = next_of(ws, "class")["stage"]
        assert stage == {"run_id": race["lanes"][0]["run_id"], "student": None, "race": race["id"]}
        # the teacher's token drives it; the lanes pause together
        url, teacher = f"/api/races/{race['id']}", bearer(room["teacher_token"])
        assert client.post(f"{url}/step", json={"epochs": 2}, headers=teacher).status_code == 200
        wait_for(lambda: {lane["epoch"] for lane in client.get(url).json()["lanes"]} == {2})
        # stop showing it: back to the teacher's run
        assert patch_class(client, room, race=None).status_code == 200
        assert next_of(ws, "class")["stage"]["run_id"] == teacher_run["id"]
        # show it again, then a new teacher run takes the stage back
        assert patch_class(client, room, race=race["id"]).json()["stage"]["race"] == race["id"]
        assert next_of(ws, "class")["stage"]["race"] == race["id"]
        newer = class_run(client, room["id"], room["teacher_token"], network={"hidden": [4]})
        assert next_of(ws, "class")["stage"] == {
            "run_id": newer["id"],
            "student": None,
            "race": None,
        }


def test_a_student_cannot_drive_or_make_the_class_race(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    student = join(client, room["code"])["student_token"]
    race = class_race(client, room, room["teacher_token"]).json()
    assert "control_token" not in client.get(f"/api/races/{race['id']}").json()
    for action in ("play", "pause", "step", "reset"):
        refused = client.post(f"/api/races/{race['id']}/{action}", headers=bearer(student))
        assert refused.status_code == 403, (action, refused.text)
    lane = race["lanes"][1]["run_id"]
    assert client.post(f"/api/runs/{lane}/resume", headers=bearer(student)).status_code == 403
    with client.websocket_connect(f"/api/runs/{lane}/stream?token={student}") as ws:
        ws.send_json({"type": "play"})
        assert next_of(ws, "error")["code"] == "socket.needs_token"
    assert class_race(client, room, student).status_code == 403  # only the teacher makes one
    assert class_race(client, room, "not-a-token").status_code == 403
    headers = bearer(student)
    shown = client.patch(f"/api/classes/{room['id']}", json={"race": race["id"]}, headers=headers)
    assert shown.status_code == 403


def test_only_this_classs_races_go_on_its_stage(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    unknown = patch_class(client, room, race="no-such-race")
    assert unknown.status_code == 404 and "no-such-race" in unknown.text
    elsewhere = client.post("/api/races", json={"config": SETUP, "lanes": LANES}).json()
    refused = patch_class(client, room, race=elsewhere["id"])
    assert refused.status_code == 403, refused.text  # made with another token
    other = new_class(client)
    theirs = class_race(client, other, other["teacher_token"]).json()
    assert patch_class(client, room, race=theirs["id"]).status_code == 403
    bad = class_race(client, room, room["teacher_token"], lanes=[{"changes": {}}])
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "lanes"]
    assert client.post("/api/classes/nope/races", json={"lanes": LANES}).status_code == 404


def test_a_race_experiment_races_the_cells_from_the_teachers_weights(client: TestClient) -> None:
    room = new_class(client)
    teacher_run = class_run(client, room["id"], room["teacher_token"])
    students = [join(client, room["code"], name) for name in ("A", "B", "C")]
    grid = {"learning_rate": [0.01, 0.1, 1.0]}
    answer = patch_class(client, room, experiment={"settings": grid, "epochs": 50, "race": True})
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["mode"] == "hands_on" and shown["experiment"]["race"] is True
    race = client.get(f"/api/races/{shown['experiment_race']}").json()
    runs = [s["run"]["id"] for s in shown["students"]]
    assert [lane["run_id"] for lane in race["lanes"]] == runs  # the cells' runs are its lanes
    assert all(lane["same_start"] for lane in race["lanes"])
    assert [lane["label"] for lane in race["lanes"]] == [
        f"learning_rate {v}" for v in grid["learning_rate"]
    ]

    def first(run_id: str) -> list[float]:
        return list(client.get(f"/api/runs/{run_id}/metrics").json()["train_loss"][:1])

    wait_for(lambda: all(first(run) for run in [teacher_run["id"], *runs]))
    assert len({first(run)[0] for run in [teacher_run["id"], *runs]}) == 1  # the teacher's weights
    # the teacher steps everyone once: the race moves one epoch, not one a lane
    path, teacher = f"/api/classes/{room['id']}/control", bearer(room["teacher_token"])
    assert client.post(path, json={"type": "step"}, headers=teacher).json() == {"runs": 3}
    url = f"/api/races/{race['id']}"
    wait_for(lambda: {lane["epoch"] for lane in client.get(url).json()["lanes"]} == {1})
    client.post(path, json={"type": "play"}, headers=teacher)
    wait_for(lambda: min(lane["epoch"] for lane in client.get(url).json()["lanes"]) >= 10)
    client.post(path, json={"type": "pause"}, headers=teacher)
    wait_for(lambda: not client.get(url).json()["playing"])
    epochs = {lane["epoch"] for lane in client.get(url).json()["lanes"]}
    assert len(epochs) == 1, epochs  # paused in lockstep
    # a student's run is a lane: their token controls nothing, and makes no run of their own
    token = students[0]["student_token"]
    assert client.post(f"{url}/play", headers=bearer(token)).status_code == 403
    own = {"config": SETUP, "start": False}
    mine = client.post(f"/api/classes/{room['id']}/runs", json=own, headers=bearer(token))
    assert mine.status_code == 409 and "lane" in mine.text
    with class_socket(client, room["id"], token) as ws:
        assert next_of(ws, "you")["race"] == race["id"]
    # the experiment ends: each student is out of the race, and may train a run of their own
    assert patch_class(client, room, experiment=None).status_code == 200
    with class_socket(client, room["id"], token) as ws:
        you = next_of(ws, "you")
        assert you["race"] is None and you["run_id"] is None
    mine = client.post(f"/api/classes/{room['id']}/runs", json=own, headers=bearer(token))
    assert mine.status_code == 201, mine.text


def test_a_spotlight_takes_the_stage_back_from_a_race(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"])
    assert patch_class(client, room, mode="hands_on").status_code == 200
    hers = class_run(client, room["id"], ada["student_token"])
    race = class_race(client, room, room["teacher_token"]).json()
    assert patch_class(client, room).json()["stage"]["race"] == race["id"]
    stage = patch_class(client, room, spotlight=ada["student_id"]).json()["stage"]
    assert stage == {"run_id": hers["id"], "student": "Ada", "race": None}


def test_a_race_and_a_spotlight_at_once_is_a_422_naming_the_race(client: TestClient) -> None:
    """Both choose what the class watches: one PATCH with both kept the spotlight alone,
    silently; it is refused, and the stage stays as it was."""
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"])
    assert patch_class(client, room, mode="hands_on").status_code == 200
    class_run(client, room["id"], ada["student_token"])
    race = class_race(client, room, room["teacher_token"]).json()
    before = patch_class(client, room).json()["stage"]
    both = patch_class(client, room, race=race["id"], spotlight=ada["student_id"])
    assert both.status_code == 422
    [error] = both.json()["detail"]
    assert error["loc"] == ["body", "race"] and "spotlight" in error["msg"]
    assert patch_class(client, room).json()["stage"] == before
    one_off = patch_class(client, room, race=None, spotlight=ada["student_id"])  # null: none
    assert one_off.status_code == 200 and one_off.json()["stage"]["student"] == "Ada"
