"""Live runs on Ray: with a Ray address, the server's schedulers are Ray actors, and a
viewer cannot tell (frames stream as from a local worker); a dead actor fails its own runs
and is replaced; an actor trains at the server's priority, not Ray's workers' lower one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from fastapi.testclient import TestClient

from server import ray_workers
from server.app import create_app
from server.protocol import DEFAULT_VIEW, Frame, Result, Status
from server.ray_workers import PART_BYTES, RayWorker, parts
from server.settings import Settings
from tests.server.test_live import wait_for
from tests.server.test_ws import connect, create, next_of

pytestmark = pytest.mark.usefixtures("ray_cluster")


@pytest.fixture
def ray_client(tmp_path: Path) -> Iterator[TestClient]:
    database = str(tmp_path / "runs.db")
    settings = Settings(database=database, ray_address="auto", default_fps=30)
    with TestClient(create_app(settings)) as client:
        yield client


def test_live_runs_on_ray_actors_stream_frames_to_a_viewer(ray_client: TestClient) -> None:
    """Two actors (one per CPU of the cluster), a run on each."""
    workers = ray_client.app.state.manager.pool.workers  # type: ignore[attr-defined]
    assert len(workers) == 2 and all(isinstance(w, RayWorker) for w in workers)
    runs = [create(ray_client), create(ray_client, network={"hidden": [8, 8]})]
    for run in runs:
        with connect(ray_client, run) as ws:
            first, arrays = next_of(ws, "frame")
            assert first["epoch"] == 0 and arrays["output"].shape == (100, 100)
            ws.send_text('{"type": "play"}')
            assert next_of(ws, "status")["status"] == "running"
            epochs = [next_of(ws, "frame")[0]["epoch"] for _ in range(20)]
            ws.send_text('{"type": "pause"}')
            assert next_of(ws, "status")["status"] == "paused"
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    placed = {ray_client.app.state.manager.runs[run["id"]].worker for run in runs}  # type: ignore[attr-defined]
    assert placed == {0, 1}  # one run on each actor


def test_a_dead_actor_fails_only_its_runs_and_is_replaced(ray_client: TestClient) -> None:
    manager = ray_client.app.state.manager  # type: ignore[attr-defined]
    runs = [create(ray_client) for _ in range(2)]
    for run in runs:
        ray_client.post(
            f"/api/runs/{run['id']}/resume",
            headers={"Authorization": f"Bearer {run['control_token']}"},
        )
    victim = next(run for run in runs if manager.runs[run["id"]].worker == 0)
    survivor = next(run for run in runs if run is not victim)
    old = manager.pool.workers[0]
    ray.kill(old._actor)
    wait_for(lambda: manager.runs[victim["id"]].status == "failed", timeout=60)
    assert manager.runs[survivor["id"]].status == "running"
    assert manager.pool.workers[0] is not old
    fresh = create(ray_client)  # the new actor trains
    with connect(ray_client, fresh) as ws:
        assert next_of(ws, "frame")[0]["epoch"] == 0


def _threads_niceness(host: Any) -> set[int]:
    """In the actor: the niceness of each of its process's threads."""
    tasks = Path("/proc/self/task")
    return {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir(tasks)}


def test_an_actor_trains_at_the_servers_priority(ray_client: TestClient) -> None:
    """Ray starts its workers at niceness 15: a scheduler there sent its frames late behind
    the server's own threads."""
    workers = ray_client.app.state.manager.pool.workers  # type: ignore[attr-defined]
    create(ray_client)  # the actor has served a run
    for worker in workers:
        niceness = ray.get(worker._actor.__ray_call__.remote(_threads_niceness))
        assert niceness == {os.getpriority(os.PRIO_PROCESS, 0)}


def test_a_node_that_refuses_the_priority_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: int) -> None:
        raise PermissionError

    monkeypatch.setattr(os, "getpriority", lambda *_: 15)
    monkeypatch.setattr(os, "setpriority", refuse)
    assert not ray_workers.take_priority(0)
    monkeypatch.setattr(os, "setpriority", lambda *_: None)
    assert ray_workers.take_priority(0)


def test_a_big_turn_comes_back_in_parts_under_rays_inline_limit() -> None:
    """A part over 100 KiB would travel through the node's object store."""
    frame = Frame("r", 1, 1, DEFAULT_VIEW, bytes(20_000))
    turn: list[Result] = [frame] * 20 + [Status("r", "running", 1, 1)]
    split = list(parts(turn))
    assert [result for part in split for result in part] == turn
    assert len(split) == 7 and all(len(part) * 20_000 <= PART_BYTES for part in split)
    big = Frame("r", 2, 2, DEFAULT_VIEW, bytes(200_000))
    assert list(parts([frame, big, frame])) == [[frame], [big], [frame]]  # alone in its part
