"""The run manager's promises: sharing, limits, hygiene and isolation."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.clients import Bucket
from server.routes.ws import send_loop
from server.settings import Settings
from server.viewers import Viewer
from tests.server.test_ws import connect, create, next_of


def make_client(**settings: Any) -> TestClient:
    return TestClient(create_app(Settings(**settings)))


def close_of(ws: Any) -> tuple[int, str]:
    """Read until the server closes the socket: its code and reason."""
    while True:
        message = ws.receive()
        if message["type"] == "websocket.close":
            return message["code"], message.get("reason", "")


def wait_for(predicate: Any, timeout: float = 60.0) -> None:
    """Until ``predicate()`` holds; the deadline is only for a test that fails (a saturated
    machine starts worker processes and trains slowly)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_share_code_lets_others_watch_and_the_owner_can_let_them_steer(
    client: TestClient,
) -> None:
    run = create(client)
    shared = client.get(f"/api/share/{run['share_code'].lower()}")
    assert shared.status_code == 200 and shared.json()["id"] == run["id"]
    assert "control_token" not in shared.json()
    assert client.get("/api/share/NOPE00").status_code == 404
    with connect(client, run, token=False) as viewer, connect(client, run) as owner:
        viewer.send_json({"type": "step"})
        assert "control token" in next_of(viewer, "error")["message"]
        owner.send_json({"type": "permissions", "viewers_can_control": True})
        status = next_of(viewer, "status")
        while not status["viewers_can_control"]:
            status = next_of(viewer, "status")
        viewer.send_json({"type": "step"})
        header, _ = next_of(viewer, "frame")
        while header["epoch"] == 0:
            header, _ = next_of(viewer, "frame")
        viewer.send_json({"type": "permissions", "viewers_can_control": False})  # owner only
        assert "control token" in next_of(viewer, "error")["message"]


def test_a_replaced_run_tells_its_viewers_which_run_to_follow(client: TestClient) -> None:
    """The owner's page made a new run (a structural change): every viewer of the old one is
    told its id, and so is a watcher joining later (not its owner, who reopens it to see it);
    only with the new run's token, never passed on."""
    old, new, stranger = create(client), create(client), create(client)
    moved = {"type": "moved", "to": new["id"], "token": new["control_token"]}
    with connect(client, old, token=False) as viewer, connect(client, old) as owner:
        viewer.send_json(moved)  # a watcher may not
        assert "control token" in next_of(viewer, "error")["message"]
        owner.send_json({**moved, "token": stranger["control_token"]})  # not the new run's
        refused = next_of(owner, "error")
        assert refused["code"] == "run.moved_unknown" and refused["params"] == {"id": new["id"]}
        owner.send_json({**moved, "to": old["id"], "token": old["control_token"]})  # itself
        assert next_of(owner, "error")["code"] == "run.moved_unknown"
        owner.send_json(moved)
        told = next_of(viewer, "moved")
        assert told == {"type": "moved", "run_id": old["id"], "to": new["id"]}
        assert next_of(owner, "moved")["to"] == new["id"]
    with connect(client, old, token=False) as later:  # an old share link's watcher
        assert next_of(later, "moved")["to"] == new["id"]
    with connect(client, old) as owner:  # its owner reopening it: that run, told nothing
        owner.send_json({"type": "view", "bogus": 1})  # its answer ends what joining sent
        kinds = []
        while not kinds or kinds[-1] != "error":
            message = owner.receive()
            kinds.append(json.loads(message["text"])["type"] if message.get("text") else "frame")
        assert "moved" not in kinds


def test_repeat_offenders_are_closed_with_1008() -> None:
    with make_client(max_strikes=3) as client:
        run = create(client)
        with connect(client, run) as ws:
            for _ in range(2):
                ws.send_text("nonsense")
                assert next_of(ws, "error")["message"] == "message is not JSON"
            ws.send_text("nonsense")
            code, reason = close_of(ws)
    assert code == 1008 and "invalid" in reason


def test_flooding_messages_are_refused_and_the_socket_stays_open() -> None:
    with make_client(message_rate=1, message_burst=3, max_strikes=100) as client:
        run = create(client)
        with connect(client, run) as ws:
            for _ in range(6):
                ws.send_json({"type": "view", "fps": 10})
            assert "slow down" in next_of(ws, "error")["message"]
            time.sleep(1.1)
            ws.send_json({"type": "step"})
            header, _ = next_of(ws, "frame")
            while header["epoch"] == 0:
                header, _ = next_of(ws, "frame")


def test_a_full_run_refuses_more_viewers_with_1013() -> None:
    with make_client(max_viewers=1) as client:
        run = create(client)
        with connect(client, run) as first:
            next_of(first, "frame")
            with connect(client, run, token=False) as second:
                code, reason = close_of(second)
    assert code == 1013 and "maximum of 1 viewers" in reason


def test_a_network_over_the_parameter_budget_is_a_422(client: TestClient) -> None:
    response = client.post("/api/runs", json={"config": {"network": {"hidden": [256] * 10}}})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "config", "network", "hidden"]
    assert error["msg"] == "the network has 593,153 parameters; the limit is 100,000"
    assert error["type"] == "config.too_big"  # the page says it in the student's language
    assert error["params"] == {"size": 593153, "limit": 100000}


def test_creating_too_fast_is_a_429_with_retry_after() -> None:
    with make_client(creates_per_minute=2) as client:
        codes = [client.post("/api/runs", json={"start": False}).status_code for _ in range(3)]
        response = client.post("/api/runs", json={"start": False})
    assert codes[:2] == [201, 201] and response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_a_full_server_is_a_503_with_retry_after() -> None:
    with make_client(max_runs=1) as client:
        busy = client.post("/api/runs", json={"start": True}).json()
        wait_for(lambda: client.get(f"/api/runs/{busy['id']}").json()["status"] == "running")
        response = client.post("/api/runs", json={})
    assert response.status_code == 503 and response.headers["retry-after"] == "30"


def test_an_idle_run_makes_room_for_a_new_one_and_is_kept_as_interrupted() -> None:
    with make_client(max_runs=1, evict_grace=0.0) as client:
        idle = client.post("/api/runs", json={"start": False}).json()
        assert client.post("/api/runs", json={"start": False}).status_code == 201
        evicted = client.get(f"/api/runs/{idle['id']}").json()
        assert evicted["status"] == "interrupted" and evicted["share_code"] is None


def test_a_fresh_run_is_not_evicted_before_its_page_joins_it() -> None:
    """A page creates its run, then opens the socket: in between, the run is not idle."""
    with make_client(max_runs=1) as client:
        fresh = client.post("/api/runs", json={"start": False}).json()
        response = client.post("/api/runs", json={"start": False})
        assert response.status_code == 503
        assert client.get(f"/api/runs/{fresh['id']}").json()["status"] == "created"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [(None, True), ("http://testserver", True), ("http://evil.example", False)],
)
def test_the_handshake_checks_the_origin(
    client: TestClient, origin: str | None, allowed: bool
) -> None:
    run = create(client)
    headers = {"origin": origin} if origin else {}
    url = f"/api/runs/{run['id']}/stream"
    if allowed:
        with client.websocket_connect(url, headers=headers) as ws:
            next_of(ws, "frame")
    else:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(url, headers=headers),
        ):
            pass
        assert refused.value.code == 1008


def test_two_hundred_connections_leave_no_task_behind(client: TestClient) -> None:
    run = create(client)

    async def count_tasks() -> int:
        return len(asyncio.all_tasks())

    assert client.portal is not None
    before = client.portal.call(count_tasks)
    for _ in range(200):
        with connect(client, run) as ws:
            ws.receive()
    wait_for(lambda: client.portal.call(count_tasks) <= before, timeout=1.0)  # type: ignore[union-attr]
    assert client.get("/api/health").json()["viewers"] == 0


def test_speed_is_epochs_per_second_apart_from_the_frame_rate(client: TestClient) -> None:
    run = client.post(
        "/api/runs", json={"config": {"seed": 1}, "start": False, "speed": 200}
    ).json()
    with connect(client, run) as ws:
        next_of(ws, "frame")
        ws.send_json({"type": "view", "fps": 5})
        ws.send_json({"type": "play"})
        start = time.monotonic()
        frames = []
        while time.monotonic() - start < 1.5:
            header, _ = next_of(ws, "frame")
            frames.append(header["epoch"])
        ws.send_json({"type": "pause"})
    assert frames[-1] >= 100  # ~200 epochs a second …
    assert len(frames) <= 12  # … shown at ~5 frames a second


def test_sweep_pauses_an_abandoned_page_and_evicts_idle_runs_to_the_store() -> None:
    with make_client(pause_after=0.0, idle_ttl=0.5) as client:
        app_manager = client.app.state.manager  # type: ignore[attr-defined]
        watched = create(client)
        scripted = client.post("/api/runs", json={"start": True}).json()
        with connect(client, watched) as ws:
            ws.send_json({"type": "play"})
            assert next_of(ws, "status")["status"] in ("created", "running")
        wait_for(lambda: client.get(f"/api/runs/{watched['id']}").json()["status"] == "running")
        sweep = client.portal.call  # type: ignore[union-attr]  # on the loop: the store's owner
        sweep(app_manager.sweep, time.monotonic() + 1)
        wait_for(lambda: client.get(f"/api/runs/{watched['id']}").json()["status"] == "paused")
        assert (
            client.get(f"/api/runs/{scripted['id']}").json()["status"] == "running"
        )  # a script's run goes on
        sweep(app_manager.sweep, time.monotonic() + 2)
        assert watched["id"] not in app_manager.runs  # evicted: out of memory, kept in the store
        assert client.get(f"/api/runs/{watched['id']}").json()["status"] == "interrupted"
        assert scripted["id"] in app_manager.runs


def test_status_messages_say_how_many_watch(client: TestClient) -> None:
    run = create(client)
    with connect(client, run) as ws:
        assert json.loads(json.dumps(next_of(ws, "status")))["viewers"] >= 0


def test_a_viewer_whose_sends_hang_is_dropped_at_the_deadline() -> None:
    class Stuck:
        async def send_bytes(self, data: bytes) -> None:
            await anyio.sleep_forever()

        async def send_text(self, data: str) -> None:
            await anyio.sleep_forever()

    async def scenario() -> float:
        viewer = Viewer(can_control=False, bucket=Bucket(1, 1))
        viewer.offer_frame(b"frame")
        start = time.monotonic()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(send_loop, Stuck(), viewer, 0.2, tasks.cancel_scope)
            await anyio.sleep_forever()  # the receiver: ended by the sender's scope
        return time.monotonic() - start

    with ThreadPoolExecutor(1) as thread:  # its own thread: Playwright may hold this one's loop
        assert 0.2 <= thread.submit(anyio.run, scenario).result() < 1.0


def test_a_store_that_cannot_write_loses_nothing_and_the_sweeper_lives_on() -> None:
    """A full disk, say: the run goes on, reads still answer, and once writing works again
    every epoch's row is there."""
    with make_client(idle_ttl=0.5) as client:
        store = client.app.state.manager.store  # type: ignore[attr-defined]
        full = "SELECT RAISE(ABORT, 'disk full')"
        store.db.execute(f"CREATE TEMP TRIGGER full BEFORE INSERT ON curves BEGIN {full}; END")
        body = {"config": {"training": {"max_epochs": 40}}, "speed": 40, "start": True}
        run = client.post("/api/runs", json=body).json()
        time.sleep(1.2)  # two failed flushes at least
        assert client.get(f"/api/runs/{run['id']}").status_code == 200
        store.db.execute("DROP TRIGGER full")
        wait_for(lambda: client.get(f"/api/runs/{run['id']}").json()["status"] == "succeeded")
        epochs = client.get(f"/api/runs/{run['id']}/metrics").json()["epoch"]
        assert epochs == list(range(41))
        idle = create(client)  # the sweeper still evicts idle runs
        wait_for(lambda: idle["id"] not in client.app.state.manager.runs)  # type: ignore[attr-defined]


def test_a_status_never_overtakes_the_frame_of_the_moment_it_reports() -> None:
    """The page showed Play at epoch 42 and then the frame of epoch 43 arrived: the status
    went out before the unsent frame that the worker had delivered first."""

    async def scenario() -> list[str | bytes]:
        viewer = Viewer(can_control=False, bucket=Bucket(1, 1))
        viewer.offer_frame(b"frame of epoch 43")
        viewer.offer_message('{"type": "status", "epoch": 43}', after_frame=True)
        return [await viewer.next(), await viewer.next()]  # type: ignore[list-item]

    with ThreadPoolExecutor(1) as thread:
        sent = thread.submit(anyio.run, scenario).result()
    assert sent == [b"frame of epoch 43", '{"type": "status", "epoch": 43}']


def test_refusals_that_are_not_the_senders_fault_are_no_strikes() -> None:
    """Over the rate, or a control of a run that has ended: answered, never closed for it
    (each used to be a strike: a page dragging a slider fast was cut off)."""
    with make_client(message_rate=0.01, message_burst=4, max_strikes=2) as client:
        run = create(client)
        token = {"Authorization": f"Bearer {run['control_token']}"}
        client.post(f"/api/runs/{run['id']}/cancel", headers=token)
        with connect(client, run) as ws:
            for _ in range(3):  # within the burst: the run has ended
                ws.send_json({"type": "play"})
                assert "has ended" in next_of(ws, "error")["message"]
            ws.send_text("nonsense")  # the one strike, and the burst's last message
            assert next_of(ws, "error")["message"] == "message is not JSON"
            for _ in range(5):  # over the rate
                ws.send_json({"type": "play"})
                assert "slow down" in next_of(ws, "error")["message"]
