"""One user never harms another: views are per viewer, a failed join leaves nothing behind,
one run's bad result touches no other run, the store has one owner, and limits are per
client."""

from __future__ import annotations

import math
import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server import protocol as p
from server.audience import FRAME_BUDGET
from server.settings import Settings
from server.store import Store
from tests.conftest import serve_in_thread
from tests.server.test_live import make_client, wait_for
from tests.server.test_ws import connect, create, next_of


def on_loop(client: TestClient, function: Any, *args: Any) -> Any:
    """Call ``function`` on the app's event loop, where the manager and its store live."""
    assert client.portal is not None
    return client.portal.call(function, *args)


def frames_until(ws: Any, predicate: Any, limit: int = 100) -> tuple[dict[str, Any], Any]:
    for _ in range(limit):
        header, arrays = next_of(ws, "frame")
        if predicate(header, arrays):
            return header, arrays
    raise AssertionError("no such frame")


def test_a_viewers_view_changes_only_what_that_viewer_is_sent(client: TestClient) -> None:
    """A student hovering a neuron used to change the teacher's picture too."""
    run = create(client)
    with connect(client, run) as teacher, connect(client, run, token=False) as student:
        next_of(teacher, "frame")
        next_of(student, "frame")
        student.send_json({"type": "view", "resolution": 50, "focus": 0})
        frames_until(student, lambda h, a: "focus" in a and a["output"].shape == (50, 50))
        teacher.send_json({"type": "step", "epochs": 2})
        _, arrays = frames_until(teacher, lambda h, a: h["epoch"] >= 2)
        assert arrays["output"].shape == (100, 100) and "focus" not in arrays


def test_a_join_that_fails_leaves_no_viewer_behind(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each failed attempt to watch used to leak a viewer until the run was "full"."""
    run = create(client)
    manager = client.app.state.manager  # type: ignore[attr-defined]

    def broken(*args: Any, **kwargs: Any) -> str:
        raise ValueError("Out of range float values are not JSON compliant")

    monkeypatch.setattr(manager.audience, "_history_message", broken)
    for _ in range(5):
        with connect(client, run) as ws:
            assert ws.receive()["type"] == "websocket.close"
    assert manager.runs[run["id"]].viewers == set()
    monkeypatch.undo()
    with connect(client, run) as ws:
        next_of(ws, "frame")


def test_one_runs_bad_result_fails_only_that_run(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A result that cannot be applied used to abort the rest of the batch: other runs lost
    their rows and statuses and stayed running forever."""
    manager = client.app.state.manager  # type: ignore[attr-defined]
    bad, good = create(client), create(client)
    for run in (bad, good):  # the worker's own first row is in (a later one would replace ours)
        wait_for(lambda run=run: client.get(f"/api/runs/{run['id']}/metrics").json()["epoch"])
    store_rows = manager.store.append_metrics

    def refuse(run_id: str, rows: Any) -> None:
        if run_id == bad["id"]:
            raise OverflowError("cannot store this row")
        store_rows(run_id, rows)

    monkeypatch.setattr(manager.store, "append_metrics", refuse)
    row = (1, 25, 0.5, 0.5, 0.9, 0.9)
    batch = [
        p.Rows(bad["id"], [row]),
        p.Rows(good["id"], [row]),
        p.Status(good["id"], "paused", 1, 25),
    ]
    on_loop(client, manager.deliver, batch)
    assert client.get(f"/api/runs/{bad['id']}").json()["status"] == "failed"
    assert client.get(f"/api/runs/{good['id']}").json()["status"] == "paused"
    assert client.get(f"/api/runs/{good['id']}/metrics").json()["epoch"][-1] == 1


def test_no_infinity_reaches_a_viewer_or_the_store(client: TestClient) -> None:
    manager = client.app.state.manager  # type: ignore[attr-defined]
    run = create(client)
    with connect(client, run) as ws:
        next_of(ws, "frame")
        row = (1, 25, 0.5, math.inf, 0.9, None)
        on_loop(client, manager.deliver, [p.Rows(run["id"], [row])])
        message = next_of(ws, "metrics")
        assert message["rows"] == [[1, 25, 0.5, None, 0.9, None]]
    csv = client.get(f"/api/runs/{run['id']}/metrics", headers={"Accept": "text/csv"}).text
    assert "inf" not in csv.lower()


def test_the_store_belongs_to_the_event_loop(tmp_path: Any) -> None:
    store = Store(tmp_path / "runs.db")
    store.bind()
    errors: list[Exception] = []

    def elsewhere() -> None:
        try:
            store.count()
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert errors and "belongs to one thread" in str(errors[0])


def test_many_reads_beside_live_runs_never_race_the_store(tmp_path: Any) -> None:
    """Reads served from the thread pool used to flush the store beside the loop's own
    flushes: 500s (UNIQUE constraint failed) and duplicated rows."""
    settings = Settings(
        database=str(tmp_path / "runs.db"),
        default_fps=30.0,
        reads_per_minute=100_000,  # this is about races, not the per-client read limit
        reads_burst=1000,
    )
    with serve_in_thread(settings) as url:
        runs = [
            httpx.post(f"{url}/api/runs", json={"config": {"seed": k}, "speed": 200}).json()
            for k in range(3)
        ]
        statuses: list[int] = []

        def reader(k: int) -> None:
            with httpx.Client(base_url=url) as http:
                for i in range(60):
                    run = runs[(i + k) % 3]["id"]
                    path = f"/api/runs/{run}" if i % 2 else f"/api/runs/{run}/metrics"
                    statuses.append(http.get(path).status_code)

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(statuses) == {200}
        for run in runs:
            epochs = httpx.get(f"{url}/api/runs/{run['id']}/metrics").json()["epoch"]
            assert epochs == sorted(set(epochs))  # no epoch stored twice


def test_one_client_cannot_take_every_run_slot() -> None:
    with make_client(max_runs_per_client=2) as client:
        for _ in range(2):
            assert client.post("/api/runs", json={}).status_code == 201
        refused = client.post("/api/runs", json={})
        assert refused.status_code == 429 and refused.headers["retry-after"]
        assert "2 runs" in refused.json()["detail"]


def test_a_run_whose_page_left_before_it_played_frees_its_slot() -> None:
    """Behind one school NAT address, each page opened and closed left a never-played run
    that held one of the address's slots for ``idle_ttl`` (30 minutes): a class reloading
    its pages was soon refused new runs. A made run holds a slot while it is watched or
    touched lately; one left alone past ``evict_grace`` does not."""
    with make_client(max_runs_per_client=2) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        left, watched = (client.post("/api/runs", json={"start": False}).json() for _ in range(2))
        assert client.post("/api/runs", json={"start": False}).status_code == 429
        with connect(client, watched) as ws:
            next_of(ws, "frame")
            for run in (left, watched):  # neither touched for longer than the grace
                manager.runs[run["id"]].last_seen -= manager.settings.evict_grace + 1
            assert client.post("/api/runs", json={"start": False}).status_code == 201
            refused = client.post("/api/runs", json={"start": False})  # the watched one holds
            assert refused.status_code == 429, refused.text


def test_a_run_left_alone_cannot_be_played_past_the_cap() -> None:
    """A made run left alone holds no slot, so playing it later must take one: a script
    could otherwise make runs slowly, let them settle, and play them all past the cap."""
    with make_client(max_runs_per_client=2) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        left = client.post("/api/runs", json={"start": False}).json()
        manager.runs[left["id"]].last_seen -= manager.settings.evict_grace + 1
        for _ in range(2):  # the client's two slots, taken by fresh runs
            assert client.post("/api/runs", json={"start": False}).status_code == 201
        with connect(client, left) as ws:
            next_of(ws, "frame")
            ws.send_json({"type": "play"})
            refused = next_of(ws, "error")
            assert refused["code"] == "full.client", refused
            assert manager.runs[left["id"]].status == "created"


def test_resuming_a_run_past_the_cap_is_refused_as_making_one_is() -> None:
    """The same limit answers the same way by REST: 429 with Retry-After and its code (it
    was a 409, as if the run's status forbade the resume)."""
    with make_client(max_runs_per_client=2) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        left = client.post("/api/runs", json={"start": False}).json()
        manager.runs[left["id"]].last_seen -= manager.settings.evict_grace + 1
        for _ in range(2):
            assert client.post("/api/runs", json={"start": False}).status_code == 201
        token = {"Authorization": f"Bearer {left['control_token']}"}
        refused = client.post(f"/api/runs/{left['id']}/resume", headers=token)
        assert refused.status_code == 429, refused.text
        assert refused.headers["Retry-After"] == "30"
        assert refused.json()["code"] == "full.client"
        assert manager.runs[left["id"]].status == "created"


def test_a_scripts_endless_run_nobody_looks_at_is_paused() -> None:
    with make_client(unwatched_limit=1.0) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        run = client.post("/api/runs", json={}).json()
        url = f"/api/runs/{run['id']}"
        wait_for(lambda: client.get(url).json()["status"] == "running")
        on_loop(client, manager.sweep, manager.runs[run["id"]].last_seen + 2.0)
        wait_for(lambda: client.get(url).json()["status"] == "paused")


def test_a_long_close_reason_still_closes_cleanly(client: TestClient) -> None:
    """A close reason over 123 bytes used to kill the close frame itself."""
    with client.websocket_connect(f"/api/runs/{'x' * 300}/stream") as ws:
        closed = ws.receive()
    assert closed["type"] == "websocket.close" and closed["code"] == 4404
    assert len(closed["reason"].encode()) <= 123


def test_only_a_viewer_slower_than_its_run_skips_frames(client: TestClient) -> None:
    """Throttling every viewer to the very rate frames come at made it fall behind by their
    jitter and drop every fifth frame (80 % delivered at 20 fps)."""
    run = create(client)
    manager = client.app.state.manager  # type: ignore[attr-defined]
    with connect(client, run) as fast, connect(client, run, token=False) as slow:
        next_of(fast, "frame")
        slow.send_json({"type": "view", "fps": 5})
        viewers = manager.runs[run["id"]].viewers
        wait_for(lambda: sorted(v.interval for v in viewers) == [0.0, 0.2])


def test_a_viewer_cannot_make_a_big_runs_pictures_hold_up_the_worker(client: TestClient) -> None:
    """One anonymous viewer asking for resolution 200 and a focus on a 100k-weight network
    made one frame ~70 ms and a neighbour's p99 gap ~400 ms: a frame's cost is bounded."""
    big = create(client, network={"hidden": [256, 256, 128]})
    manager = client.app.state.manager  # type: ignore[attr-defined]
    run = manager.runs[big["id"]]
    with connect(client, big) as owner, connect(client, big, token=False) as student:
        next_of(owner, "frame")
        student.send_json({"type": "view", "resolution": 200, "focus": 300})
        wait_for(lambda: any(v.view.focus == 300 for v in run.viewers))
        cost = sum(view.resolution**2 for view in run.views) * run.parameters
        assert cost <= FRAME_BUDGET
        _, arrays = next_of(student, "frame")
        assert arrays["output"].shape[0] < 200


def test_a_race_left_alone_cannot_be_played_past_the_cap() -> None:
    """A race's lanes are runs: playing it later takes a slot for each lane not training."""
    with make_client(max_runs_per_client=3) as client:
        manager = client.app.state.manager  # type: ignore[attr-defined]
        lanes = [{"changes": {}}, {"changes": {"training": {"learning_rate": 0.3}}}]
        race = client.post("/api/races", json={"lanes": lanes}).json()
        for lane in race["lanes"]:  # made, then left alone: they hold no slot
            manager.runs[lane["run_id"]].last_seen -= manager.settings.evict_grace + 1
        for _ in range(2):  # 2 of the 3 slots: one left, for 2 lanes
            assert client.post("/api/runs", json={"start": False}).status_code == 201
        token = {"Authorization": f"Bearer {race['control_token']}"}
        refused = client.post(f"/api/races/{race['id']}/play", headers=token)
        assert refused.status_code == 429, refused.text
        assert refused.json()["code"] == "full.client"
        assert {manager.runs[lane["run_id"]].status for lane in race["lanes"]} == {"created"}
