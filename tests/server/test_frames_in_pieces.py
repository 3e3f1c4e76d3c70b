"""A costly run's frames drawn in pieces (``Reporter.draw``), driven turn by turn through the
worker's side of the seam, as ``test_seam`` does: no timing is asserted."""

from __future__ import annotations

import queue
from typing import Any

import pytest

from engine import picture_job
from server import protocol as p
from server import scheduler as scheduler_module
from server.delivery import Delivery, Requests
from server.run import Run
from server.scheduler import Scheduler
from server.schemas import RunCreate
from server.slot import COSTLY_FRAME, grid_points
from server.store import Store
from tests.server.test_seam import create, new_scheduler, of, turn


def test_a_costly_picture_is_drawn_in_pieces_while_its_neighbour_draws_every_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big network's picture went out whole in one turn (~35 ms for [256, 256, 128], three
    times that on a busy core): its neighbour's frames waited, past 150 ms at times. Now a
    turn draws a piece of it; the frame shows the run as it was when the drawing began."""
    monkeypatch.setattr(scheduler_module, "PIECE", 0.0)  # one smallest piece a turn
    scheduler = new_scheduler()
    turn(scheduler, [create("big", seed=1), create("quick", seed=2)])
    turn(scheduler, [p.Watch(run, (p.ViewKey(),), 20.0) for run in ("big", "quick")])
    big, quick = scheduler.slots["big"], scheduler.slots["quick"]
    big.frame_cost, big.next_frame, big.dirty = 10 * COSTLY_FRAME, 0.0, True
    began = big.trainer.epoch
    pieces = -(-(100 * 100 + 20 * 20) // picture_job.FIRST_PIECE)
    for k in range(pieces):
        quick.next_frame, quick.dirty = 0.0, True
        frames = of(turn(scheduler, []), p.Frame)
        assert {f.run_id for f in frames} == ({"quick", "big"} if k == pieces - 1 else {"quick"})
        if k == 0:
            big.trainer.train_epoch()  # it trains on between the pieces
    [frame] = of(frames, p.Frame, "big")
    assert frame.epoch == began == big.trainer.epoch - 1
    assert big.drawing == []


def test_a_run_alone_on_its_worker_draws_its_costly_picture_at_once() -> None:
    scheduler = new_scheduler()
    turn(scheduler, [create("big", seed=1)])
    turn(scheduler, [p.Watch("big", (p.ViewKey(),), 20.0)])
    big = scheduler.slots["big"]
    big.frame_cost, big.next_frame, big.dirty = 10 * COSTLY_FRAME, 0.0, True
    assert [f.run_id for f in of(turn(scheduler, []), p.Frame)] == ["big"]


def test_a_big_network_counts_as_costly_before_its_first_picture() -> None:
    scheduler = new_scheduler()
    turn(scheduler, [create("big", network={"hidden": [256, 256, 128]}), create("small")])
    assert scheduler.slots["big"].frame_cost > COSTLY_FRAME
    assert scheduler.slots["small"].frame_cost < COSTLY_FRAME


def test_a_costly_runs_status_waits_for_the_frame_of_where_it_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pause (or a play) drew the whole picture of that moment at once, before its status:
    for a big run a stall of its neighbours at every click. Now the picture is drawn in
    pieces like any other, and the status goes out right after it; the last status of a run
    (here a cancel) still draws at once."""
    monkeypatch.setattr(scheduler_module, "PIECE", 0.0)
    scheduler = new_scheduler()
    turn(scheduler, [create("big", seed=1), create("quick", seed=2)])
    turn(scheduler, [p.Watch(run, (p.ViewKey(),), 20.0) for run in ("big", "quick")])
    big = scheduler.slots["big"]
    big.frame_cost, big.next_frame, big.dirty = 10 * COSTLY_FRAME, 0.0, True  # it trained
    results = turn(scheduler, [p.Pause("big")])
    assert not of(results, p.Status, "big") and not of(results, p.Frame, "big")
    for _ in range(30):
        results = turn(scheduler, [])
        if of(results, p.Status, "big"):
            break
    [frame] = of(results, p.Frame, "big")
    [status] = of(results, p.Status, "big")
    assert results.index(frame) < results.index(status) and status.status == "paused"
    assert frame.epoch == status.epoch
    big.frame_cost, big.dirty = 10 * COSTLY_FRAME, True
    turn(scheduler, [p.Play("big")])  # its picture of now begun, the run ends before it is done
    big.dirty = False  # and it has not changed since (its step's training aside)
    assert big.drawing
    results = turn(scheduler, [p.Cancel("big")])
    kinds = [type(r) for r in results if r.run_id == "big"]
    assert kinds[-3:] == [p.Frame, p.Status, p.Status]  # the play's, then the cancel's


def test_a_big_runs_tiny_view_does_not_make_its_next_big_one_quick() -> None:
    """In a view flood a big run's 10×10 view drew in 2 ms: counted as its frames' cost,
    its next 200×200 view (~150 ms) was drawn whole, and its neighbour waited."""
    scheduler = new_scheduler()
    turn(scheduler, [create("big", seed=1)])
    big = scheduler.slots["big"]
    big.views = (p.ViewKey(10),)
    big.frame_cost, big.frame_points = 0.002, grid_points(big.views)  # 500 points in 2 ms
    big.dirty = True
    assert not big.costly
    big.views = (p.ViewKey(200),)
    assert big.costly


def test_a_worker_keeps_big_arrays_off_huge_pages() -> None:
    """On a virtual machine the first touch of a fresh huge-page array stalled a worker ~10 ms
    a megabyte: a big run's first picture block held its neighbours 240 ms."""
    from numpy._core import multiarray  # noqa: PLC0415

    getter = multiarray._get_madvise_hugepage
    setter = multiarray._set_madvise_hugepage
    before = setter(True)
    try:
        inbox: queue.SimpleQueue[p.Command] = queue.SimpleQueue()
        inbox.put(p.Stop())
        Scheduler(lambda _: None, 20.0, inbox).run()
        assert getter() is False
    finally:
        setter(before)


def costly_pair(monkeypatch: pytest.MonkeyPatch) -> tuple[Scheduler, Any]:
    """A scheduler with a watched costly run "big" beside a quick one, one piece a turn."""
    monkeypatch.setattr(scheduler_module, "PIECE", 0.0)
    scheduler = new_scheduler()
    turn(scheduler, [create("big", seed=1), create("quick", seed=2)])
    turn(scheduler, [p.Watch(run, (p.ViewKey(),), 20.0) for run in ("big", "quick")])
    big = scheduler.slots["big"]
    big.frame_cost, big.next_frame, big.dirty = 10 * COSTLY_FRAME, 0.0, True
    return scheduler, big


def test_a_status_held_for_a_frame_done_at_once_is_still_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A tiny view's frame finished within the status's own first piece, which sent the
    held statuses before this one was held: the pause never reached the server."""
    scheduler, big = costly_pair(monkeypatch)
    turn(scheduler, [p.Watch("big", (p.ViewKey(10),), 20.0)])
    big.frame_cost, big.frame_points, big.dirty = 1.0, 500, True
    sent = of(turn(scheduler, [p.Pause("big")]), p.Status, "big")
    for _ in range(3):
        sent += of(turn(scheduler, []), p.Status, "big")
    assert [status.status for status in sent] == ["paused"] and big.held == []


def test_a_frame_under_way_is_redrawn_not_lost_when_another_view_is_drawn_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheduler, big = costly_pair(monkeypatch)
    turn(scheduler, [])  # the default view's frame begun
    assert big.drawing == [p.ViewKey()]
    hover = p.ViewKey(100, 3)
    turn(scheduler, [p.Watch("big", (p.ViewKey(), hover), 20.0)])
    frames = of(turn(scheduler, [p.Cancel("big")]), p.Frame, "big")  # its last: drawn at once
    assert {frame.view for frame in frames} == {p.ViewKey(), hover}


def test_a_view_gone_is_not_drawn_on(monkeypatch: pytest.MonkeyPatch) -> None:
    scheduler, _ = costly_pair(monkeypatch)
    turn(scheduler, [])
    hover = p.ViewKey(100, 3)
    turn(scheduler, [p.Watch("big", (hover,), 20.0)])  # the pointer moved to a neuron
    views = set()
    for _ in range(30):
        views |= {frame.view for frame in of(turn(scheduler, []), p.Frame, "big")}
    assert views == {hover}


def test_a_reset_drops_the_frame_under_way_of_the_run_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old picture went out after the reset's rows, and moved the run's epoch back up."""
    scheduler, big = costly_pair(monkeypatch)
    for _ in range(3):
        big.trainer.train_epoch()
    turn(scheduler, [])  # a frame of epoch 3 begun
    results = []
    for k in range(30):
        results += turn(scheduler, [p.Reset("big")] if k == 0 else [])
    assert [frame.epoch for frame in of(results, p.Frame, "big")] == [0]
    [status] = of(results, p.Status, "big")
    assert results.index(of(results, p.Frame, "big")[0]) < results.index(status)


def test_a_frame_of_an_earlier_moment_never_moves_a_runs_count_back() -> None:
    """A frame drawn in pieces shows the run when it began: rows sent meanwhile are newer."""
    run = Run(id="r", token_hash="", share_code="ABCDEF", body=RunCreate(), worker=0)
    store = Store(":memory:")
    store.insert_run(run.record())
    deliver = Delivery({"r": run}, store, Requests(), lambda run, status: None)
    view = p.ViewKey()
    deliver([p.Frame("r", 5, 50, view, b"")])
    deliver([p.Frame("r", 4, 40, view, b"")])
    assert (run.epoch, run.step) == (5, 50)
    deliver([p.Rows("r", [], True, [])])  # a reset: back to the start
    deliver([p.Frame("r", 0, 0, view, b"")])
    assert (run.epoch, run.step) == (0, 0)
