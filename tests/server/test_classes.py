"""Classes (docs/api.md, "Classes"; docs/protocol.md, "Class socket"): a join code that
lasts, a stage that follows the teacher, hands-on runs from the teacher's setup, locks the
server holds, and who may see and do what."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from server.app import create_app
from server.classes import MAX_SOCKETS
from server.classroom import JOIN_ALPHABET
from server.settings import Settings
from tests.server.test_ws import next_of

SETUP = {"seed": 5, "network": {"hidden": [3, 2]}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_class(client: TestClient, **body: str) -> dict[str, Any]:
    answer = client.post("/api/classes", json={"name": "Period 3", "teacher": "Ms Kim", **body})
    assert answer.status_code == 201, answer.text
    room: dict[str, Any] = answer.json()
    return room


def join(client: TestClient, code: str, name: str = "Ada") -> dict[str, Any]:
    answer = client.post(f"/api/join/{code}", json={"name": name})
    assert answer.status_code == 201, answer.text
    joined: dict[str, Any] = answer.json()
    return joined


def class_run(
    client: TestClient, room_id: str, token: str, start: bool = False, **config: Any
) -> dict[str, Any]:
    body = {"config": {**SETUP, **config}, "start": start}
    answer = client.post(f"/api/classes/{room_id}/runs", json=body, headers=bearer(token))
    assert answer.status_code == 201, answer.text
    run: dict[str, Any] = answer.json()
    return run


def patch(client: TestClient, room: dict[str, Any], **body: Any) -> Any:
    """The teacher changes the class (the raw answer)."""
    headers = bearer(room["teacher_token"])
    return client.patch(f"/api/classes/{room['id']}", json=body, headers=headers)


def own_run(client: TestClient, room: dict[str, Any], token: str, config: Any) -> Any:
    """A member asks for a run of ``config`` (the raw answer)."""
    body = {"config": config, "start": False}
    return client.post(f"/api/classes/{room['id']}/runs", json=body, headers=bearer(token))


def names(client: TestClient, room: dict[str, Any]) -> list[str]:
    headers = bearer(room["teacher_token"])
    students = client.get(f"/api/classes/{room['id']}", headers=headers).json()["students"]
    return [student["name"] for student in students]


def listed(client: TestClient, token: str) -> list[str]:
    return [run["id"] for run in client.get("/api/runs", headers=bearer(token)).json()["runs"]]


def class_socket(client: TestClient, room_id: str, token: str) -> WebSocketTestSession:
    return client.websocket_connect(f"/api/classes/{room_id}/stream?token={token}")


def test_a_class_has_a_code_to_read_aloud_and_a_teacher_token(client: TestClient) -> None:
    room = new_class(client)
    assert len(room["code"]) == 6 and set(room["code"]) <= set(JOIN_ALPHABET)
    assert not set(room["code"]) & set("0O1IL")
    assert room["join_path"] == f"/join/{room['code']}" and room["lan_url"] is None  # loopback
    public = client.get(f"/api/join/{room['code'].lower()}").json()  # any case
    assert (public["name"], public["teacher"], public["mode"]) == ("Period 3", "Ms Kim", "watch")
    assert "students" not in public and "teacher_token" not in public
    missing = client.get("/api/join/ZZZZZZ")
    assert missing.status_code == 404 and "ZZZZZZ" in missing.json()["detail"]


def test_names_are_trimmed_bounded_and_kept_as_text(client: TestClient) -> None:
    room = new_class(client)
    code = room["code"]
    assert join(client, code, "  Grace   Hopper ")["student_id"]
    html = "<img src=x onerror=alert(1)>"
    join(client, code, html)
    assert names(client, room) == ["Grace Hopper", html]  # as typed: the page shows it as text
    for bad in ("x" * 33, "   ", "a\u0007b"):
        answer = client.post(f"/api/join/{code}", json={"name": bad})
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "name"]
    assert client.post("/api/classes", json={"teacher": "y" * 33}).status_code == 422


def test_the_stage_follows_the_teachers_new_runs(client: TestClient) -> None:
    room = new_class(client)
    student = join(client, room["code"])
    with class_socket(client, room["id"], student["student_token"]) as ws:
        assert next_of(ws, "class")["stage"] is None
        assert next_of(ws, "you")["id"] == student["student_id"]
        first = class_run(client, room["id"], room["teacher_token"], start=True)
        stage = {"run_id": first["id"], "student": None, "race": None}
        assert next_of(ws, "class")["stage"] == stage
        second = class_run(client, room["id"], room["teacher_token"], network={"hidden": [4]})
        assert next_of(ws, "class")["stage"]["run_id"] == second["id"]
    assert second["control_token"] == room["teacher_token"]  # the teacher's token controls it
    paused = client.post(f"/api/runs/{first['id']}/pause", headers=bearer(room["teacher_token"]))
    assert paused.json()["status"] == "paused"  # the old run stopped training (or was paused)


def test_only_the_teacher_sees_the_roster(client: TestClient) -> None:
    room = new_class(client)
    ada, bob = join(client, room["code"], "Ada"), join(client, room["code"], "Bob")
    with class_socket(client, room["id"], room["teacher_token"]) as teacher:
        roster = next_of(teacher, "roster")
        assert [(s["name"], s["connected"]) for s in roster["students"]] == [
            ("Ada", False),
            ("Bob", False),
        ]
        with class_socket(client, room["id"], ada["student_token"]) as student:
            connected = next_of(teacher, "roster")["students"]
            assert [s["connected"] for s in connected] == [True, False]
            student.send_text("{}")  # members send nothing on the class socket
            assert "no messages" in next_of(student, "error")["message"]
    for token in (ada["student_token"], bob["student_token"], "", "nonsense"):
        answer = client.get(f"/api/classes/{room['id']}", headers=bearer(token))
        assert answer.status_code == 403
    assert client.get("/api/classes/nope", headers=bearer(room["teacher_token"])).status_code == 404
    with class_socket(client, room["id"], "nonsense") as stranger:
        assert stranger.receive()["code"] == 4403


def test_hands_on_runs_start_from_the_teachers_data_and_weights(client: TestClient) -> None:
    room = new_class(client)
    student = join(client, room["code"])
    teacher_run = class_run(client, room["id"], room["teacher_token"])
    token = student["student_token"]
    watching = own_run(client, room, token, teacher_run["config"])
    assert watching.status_code == 409 and "hands-on" in watching.json()["detail"]
    assert patch(client, room, mode="hands_on").json()["mode"] == "hands_on"
    mine = own_run(client, room, token, teacher_run["config"]).json()
    with (
        client.websocket_connect(f"/api/runs/{teacher_run['id']}/stream") as a,
        client.websocket_connect(f"/api/runs/{mine['id']}/stream") as b,
    ):
        first = [next_of(ws, "dataset") for ws in (a, b)]
        assert first[0]["train"] == first[1]["train"]  # the same data
        frames = [next_of(ws, "frame")[1] for ws in (a, b)]
        for name in frames[0]:
            if name.startswith("weights"):  # the same first weights
                assert (frames[0][name] == frames[1][name]).all()
    headers = bearer(room["teacher_token"])
    detail = client.get(f"/api/classes/{room['id']}", headers=headers).json()
    assert detail["students"][0]["run"]["id"] == mine["id"]


def test_locks_hold_over_rest_and_the_socket(client: TestClient) -> None:
    room = new_class(client)
    token = join(client, room["code"])["student_token"]
    base = class_run(client, room["id"], room["teacher_token"])["config"]
    assert patch(client, room, mode="hands_on", locks=["network", "training"]).status_code == 200
    wider = {**base, "network": {**base["network"], "hidden": [8, 8]}}
    faster = {**base, "training": {**base["training"], "learning_rate": 1.0}}
    for config, lock in ((wider, "network"), (faster, "training")):
        refused = own_run(client, room, token, config)
        assert refused.status_code == 403
        assert refused.json()["detail"] == f"locked by the teacher: {lock}"
    features = {**base, "data": {**base["data"], "features": ["x1", "x2", "x1x2"]}}
    mine = own_run(client, room, token, features)
    assert mine.status_code == 201  # features are not locked
    run_id = mine.json()["id"]
    with client.websocket_connect(f"/api/runs/{run_id}/stream?token={token}") as ws:
        ws.send_json({"type": "set", "learning_rate": 1.0})
        assert next_of(ws, "error")["message"] == "locked by the teacher: training"
        ws.send_json({"type": "step"})  # not locked
        assert next_of(ws, "status")["run_id"] == run_id
    config = client.get(f"/api/runs/{run_id}").json()["config"]
    assert config["training"]["learning_rate"] == base["training"]["learning_rate"]


def test_a_students_token_controls_only_their_own_run(client: TestClient) -> None:
    room = new_class(client)
    ada, bob = join(client, room["code"], "Ada"), join(client, room["code"], "Bob")
    stage = class_run(client, room["id"], room["teacher_token"])
    patch(client, room, mode="hands_on")
    bobs = class_run(client, room["id"], bob["student_token"])
    for run in (stage, bobs):
        answer = client.post(f"/api/runs/{run['id']}/pause", headers=bearer(ada["student_token"]))
        assert answer.status_code == 403
    assert listed(client, ada["student_token"]) == []  # nothing of anyone else's
    assert listed(client, bob["student_token"]) == [bobs["id"]]
    assert listed(client, room["teacher_token"]) == [stage["id"]]


def test_spotlight_moves_the_stage_to_a_students_run_and_back(client: TestClient) -> None:
    room = new_class(client)
    ada = join(client, room["code"], "Ada")
    stage = class_run(client, room["id"], room["teacher_token"])
    assert patch(client, room, spotlight=ada["student_id"]).status_code == 409  # no run yet
    patch(client, room, mode="hands_on")
    hers = class_run(client, room["id"], ada["student_token"])
    with class_socket(client, room["id"], ada["student_token"]) as ws:
        next_of(ws, "class")
        patch(client, room, spotlight=ada["student_id"])
        assert next_of(ws, "class")["stage"] == {
            "run_id": hers["id"],
            "student": "Ada",
            "race": None,
        }
        patch(client, room, spotlight=None)
        assert next_of(ws, "class")["stage"] == {
            "run_id": stage["id"],
            "student": None,
            "race": None,
        }
    assert patch(client, room, spotlight="nobody").status_code == 404


def test_class_wide_controls_reach_every_students_run(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    patch(client, room, mode="hands_on")
    tokens = [join(client, room["code"], name)["student_token"] for name in ("A", "B", "C")]
    runs = [class_run(client, room["id"], token, start=True) for token in tokens]
    path, headers = f"/api/classes/{room['id']}/control", bearer(room["teacher_token"])
    assert client.post(path, json={"type": "pause"}, headers=headers).json() == {"runs": 3}
    for run in runs:
        with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
            status = next_of(ws, "status")
            while status["status"] != "paused":
                status = next_of(ws, "status")
    assert client.post(path, json={"type": "pause"}, headers=bearer(tokens[0])).status_code == 403


def test_a_class_outlives_a_restart(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        room = new_class(client)
        ada = join(client, room["code"], "Ada")
        stage = class_run(client, room["id"], room["teacher_token"])
        patch(client, room, locks=["data"])
    with TestClient(create_app(settings)) as client:
        public = client.get(f"/api/join/{room['code']}").json()
        assert public["id"] == room["id"] and public["locks"] == ["data"]
        assert public["stage"]["run_id"] == stage["id"]
        with class_socket(client, room["id"], ada["student_token"]) as ws:
            assert next_of(ws, "you")["name"] == "Ada"  # the same student, by their token
        assert names(client, room) == ["Ada"]  # the students stay with their class


def test_a_whole_class_joins_from_one_address(tmp_path: Any) -> None:
    """Students behind one school NAT are one client: a code that is found costs nothing,
    only misses (guesses) count against the lookup budget (a burst of 10), and a class of
    30 fits in the seats one address may take by default (``students_per_client``)."""
    settings = Settings(database=str(tmp_path / "runs.db"), share_lookups_per_minute=1)
    with TestClient(create_app(settings)) as client:
        room = new_class(client)
        run = class_run(client, room["id"], room["teacher_token"])
        for k in range(30):
            assert client.get(f"/api/join/{room['code']}").status_code == 200
            join(client, room["code"], f"Student {k}")
            assert client.get(f"/api/share/{run['share_code']}").status_code == 200
        misses = [client.get("/api/join/ZZZZZZ").status_code for _ in range(11)]
        assert misses == [404] * 10 + [429]
        out = client.get(f"/api/join/{room['code']}")  # out of guesses
        assert out.status_code == 429
        assert out.json()["detail"].startswith("too many join and share codes looked up")


def finished(client: TestClient, run_id: str) -> dict[str, Any]:
    """The run once it has ended (a paced run: wait on its stream, not on a clock)."""
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        status = next_of(ws, "status")
        while status["status"] not in ("succeeded", "diverged", "failed"):
            status = next_of(ws, "status")
    run: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
    return run


def test_a_class_experiment_gives_each_student_a_cell_and_fills(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    students = [join(client, room["code"], name) for name in ("A", "B", "C", "D", "E")]
    grid = {"learning_rate": [0.01, 0.3], "batch_size": [1, 10]}
    answer = patch(client, room, experiment={"settings": grid, "epochs": 3})
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["mode"] == "hands_on" and shown["experiment"]["settings"] == grid
    cells = [(s["cell"]["learning_rate"], s["cell"]["batch_size"]) for s in shown["students"]]
    assert cells == [(0.01, 1), (0.01, 10), (0.3, 1), (0.3, 10), (0.01, 1)]  # join order, round
    late = join(client, room["code"], "F")  # one who joins later gets the next cell
    assert late["student_id"] in {s["id"] for s in patch(client, room).json()["students"]}
    path, headers = f"/api/classes/{room['id']}/control", bearer(room["teacher_token"])
    client.post(path, json={"type": "play"}, headers=headers)
    for student in patch(client, room).json()["students"][:5]:
        run = finished(client, student["run"]["id"])
        training = run["config"]["training"]
        assert (training["learning_rate"], training["batch_size"]) == tuple(
            student["cell"].values()
        )
        assert run["epoch"] == training["max_epochs"] == 3
    roster = patch(client, room).json()["students"]
    assert all(s["run"]["test_loss"] is not None for s in roster[:5])
    assert roster[5]["cell"] == {"learning_rate": 0.01, "batch_size": 10}
    assert len(students) == 5


def test_a_bad_experiment_is_refused_naming_the_setting(client: TestClient) -> None:
    room = new_class(client)
    early = patch(client, room, experiment={"settings": {"learning_rate": [0.1]}})
    assert early.status_code == 409  # no teacher run to vary yet
    class_run(client, room["id"], room["teacher_token"])
    bad = patch(client, room, experiment={"settings": {"activation": ["relu", "nope"]}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "experiment", "settings", "activation"]
    three = {"learning_rate": [0.1], "batch_size": [1], "dropout": [0.1]}
    assert patch(client, room, experiment={"settings": three}).status_code == 422
    big = {"learning_rate": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}
    assert patch(client, room, experiment={"settings": big}).status_code == 422
    assert patch(client, room, experiment={"settings": {"momentum": [0.5]}}).status_code == 422
    assert patch(client, room).json()["experiment"] is None


def test_send_setup_gives_every_student_the_teachers_setup_now(client: TestClient) -> None:
    room = new_class(client)
    teacher_run = class_run(client, room["id"], room["teacher_token"])
    ada = join(client, room["code"], "Ada")
    with (
        client.websocket_connect(
            f"/api/runs/{teacher_run['id']}/stream?token={room['teacher_token']}"
        ) as teacher,
        class_socket(client, room["id"], ada["student_token"]) as ws,
    ):
        teacher.send_json({"type": "set", "learning_rate": 0.3})
        next_of(teacher, "settings")
        assert next_of(ws, "you")["run_id"] is None
        path, headers = f"/api/classes/{room['id']}/control", bearer(room["teacher_token"])
        assert client.post(path, json={"type": "send_setup"}, headers=headers).json() == {"runs": 1}
        sent = next_of(ws, "you")["run_id"]  # her run first: her page finds it made …
        assert next_of(ws, "class")["mode"] == "hands_on"  # … when it hears of hands-on
    config = client.get(f"/api/runs/{sent}").json()["config"]
    assert config["training"]["learning_rate"] == 0.3  # the setup as it trains now
    assert listed(client, ada["student_token"]) == [sent]  # hers: her token controls it


def test_the_teacher_can_remove_a_student(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    patch(client, room, mode="hands_on")
    ada, bob = join(client, room["code"], "Ada"), join(client, room["code"], "Bob")
    hers = class_run(client, room["id"], ada["student_token"])
    path = f"/api/classes/{room['id']}/students/{ada['student_id']}"
    assert client.delete(path, headers=bearer(bob["student_token"])).status_code == 403
    with class_socket(client, room["id"], ada["student_token"]) as ws:
        next_of(ws, "you")
        assert client.delete(path, headers=bearer(room["teacher_token"])).status_code == 204
        closed = ws.receive()
        assert closed["code"] == 4403 and "removed" in closed["reason"]
    assert client.get(f"/api/runs/{hers['id']}").status_code == 404  # her run went with her
    assert names(client, room) == ["Bob"]
    assert own_run(client, room, ada["student_token"], SETUP).status_code == 403
    assert client.delete(path, headers=bearer(room["teacher_token"])).status_code == 404
    assert join(client, room["code"], "Ada")["student_id"] != ada["student_id"]  # may rejoin


def test_one_member_holds_a_bounded_number_of_class_sockets(client: TestClient) -> None:
    room = new_class(client)
    token = join(client, room["code"])["student_token"]
    with contextlib.ExitStack() as stack:
        for _ in range(MAX_SOCKETS):
            next_of(stack.enter_context(class_socket(client, room["id"], token)), "you")
        with class_socket(client, room["id"], token) as extra:
            refused = extra.receive()
            assert refused["code"] == 1013 and "at most" in refused["reason"]


def test_each_member_has_a_budget_of_runs_of_their_own(tmp_path: Any) -> None:
    """A class behind one address is many members: each makes runs on a budget of its own,
    while joins (like classes and plain runs) count against the address's."""
    settings = Settings(database=str(tmp_path / "runs.db"), creates_per_minute=3)
    with TestClient(create_app(settings)) as client:
        room = new_class(client)  # the address's first
        ada, bob = join(client, room["code"], "Ada"), join(client, room["code"], "Bob")
        assert client.post(f"/api/join/{room['code']}", json={"name": "Cy"}).status_code == 429
        config = class_run(client, room["id"], room["teacher_token"])["config"]
        patch(client, room, mode="hands_on")
        made = [own_run(client, room, ada["student_token"], config).status_code for _ in range(4)]
        assert made == [201, 201, 201, 429]
        assert own_run(client, room, bob["student_token"], config).status_code == 201


def test_a_spotlit_students_new_run_moves_the_stage(client: TestClient) -> None:
    room = new_class(client)
    class_run(client, room["id"], room["teacher_token"])
    patch(client, room, mode="hands_on")
    ada = join(client, room["code"], "Ada")
    first = class_run(client, room["id"], ada["student_token"])
    patch(client, room, spotlight=ada["student_id"])
    with class_socket(client, room["id"], ada["student_token"]) as ws:
        assert next_of(ws, "class")["stage"]["run_id"] == first["id"]
        second = class_run(client, room["id"], ada["student_token"], network={"hidden": [2]})
        assert next_of(ws, "class")["stage"] == {
            "run_id": second["id"],
            "student": "Ada",
            "race": None,
        }


def test_a_server_on_the_network_gives_links_other_machines_open(tmp_path: Any) -> None:
    """Served on a LAN address, the options and a class carry it (a watch link, a join link);
    on loopback they carry none, and the page says how to serve a class."""
    settings = Settings(database=str(tmp_path / "runs.db"), host="192.168.1.20")
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/options").json()["lan_origin"] == "http://192.168.1.20"
        room = new_class(client)
        assert room["lan_url"] == f"http://192.168.1.20/join/{room['code']}"
    with TestClient(create_app(Settings(database=str(tmp_path / "b.db")))) as client:
        assert client.get("/api/options").json()["lan_origin"] is None


def test_a_lesson_the_teacher_starts_reaches_the_class_and_outlives_a_restart(
    settings: Settings,
) -> None:
    with TestClient(create_app(settings)) as client:
        room = new_class(client)
        ada = join(client, room["code"], "Ada")
        with class_socket(client, room["id"], ada["student_token"]) as ws:
            assert next_of(ws, "class")["lesson"] is None
            assert patch(client, room, lesson="learning-rate").status_code == 200
            assert next_of(ws, "class")["lesson"] == "learning-rate"
        headers = bearer(ada["student_token"])
        path = f"/api/classes/{room['id']}"
        assert client.patch(path, json={"lesson": "x"}, headers=headers).status_code == 403
        refused = patch(client, room, lesson="<script>")
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "lesson"
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/api/join/{room['code']}").json()["lesson"] == "learning-rate"
        assert patch(client, room, mode="hands_on").json()["lesson"] == "learning-rate"
        assert patch(client, room, lesson=None).json()["lesson"] is None
