"""The worker's side of the seam, driven directly: typed commands in, typed results out.

No timing is asserted: each test plays the scheduler's turns itself (commands, then one
tick) and reads what was delivered, so it holds on a loaded machine too.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest

from engine.config import ExperimentConfig
from server import handlers, reporting
from server import protocol as p
from server.scheduler import Scheduler, _coalesced
from server.slot import COSTLY_FRAME

BIG = {
    "seed": 1,
    "data": {"dataset": "spiral", "n_samples": 4000, "train_ratio": 0.9},
    "network": {"hidden": [32, 32, 32]},
    "training": {"batch_size": 1},
}


def new_scheduler() -> Scheduler:
    return Scheduler(lambda _: None, 20.0, queue.SimpleQueue())


def turn(scheduler: Scheduler, commands: list[p.Command]) -> list[p.Result]:
    """One turn of the loop: apply ``commands`` as it would, tick once; what it delivers."""
    for command in _coalesced(commands):
        scheduler.apply(command)
    scheduler._tick(time.monotonic())
    results, scheduler.outbox = scheduler.outbox, []
    return results


def of(results: list[p.Result], kind: type[Any], run_id: str | None = None) -> list[Any]:
    return [r for r in results if isinstance(r, kind) and run_id in (None, r.run_id)]


def create(run_id: str, **config: Any) -> p.Create:
    return p.Create(run_id, ExperimentConfig.model_validate(config))


def test_a_flood_of_view_changes_is_coalesced_to_the_last() -> None:
    """29 views a second used to render 29 frames a second for everyone: the newest wins."""
    views = [p.Watch("a", (p.ViewKey(100, k % 8),), 20.0) for k in range(400)]
    kept = _coalesced([create("a"), *views, p.Play("a")])
    assert [type(c) for c in kept] == [p.Create, p.Watch, p.Play]
    assert kept[1] == views[-1]


def test_a_view_change_draws_only_the_new_view_never_the_others() -> None:
    teacher, hovered = p.ViewKey(100), p.ViewKey(100, 3)
    scheduler = new_scheduler()
    results = turn(scheduler, [create("a"), p.Watch("a", (teacher,), 20.0)])
    assert [f.view for f in of(results, p.Frame)] == [teacher]
    scheduler.slots["a"].next_frame = 0.0  # due again
    results = turn(scheduler, [p.Watch("a", (teacher, hovered), 20.0)])
    assert [f.view for f in of(results, p.Frame)] == [hovered]  # the teacher's is not redrawn


def test_an_unknown_command_fails_its_run_loudly() -> None:
    @dataclass(frozen=True)
    class Dance(p.Command):
        pass

    results = turn(new_scheduler(), [create("a"), Dance("a")])
    status = of(results, p.Status, "a")[-1]
    assert status.status == "failed" and "no handler for Dance" in (status.error or "")


def test_the_loop_serves_commands_until_stop() -> None:
    delivered: list[p.Result] = []
    inbox: queue.SimpleQueue[p.Command] = queue.SimpleQueue()
    loop = threading.Thread(target=Scheduler(delivered.extend, 20.0, inbox).run)
    loop.start()
    for command in (create("a"), p.Snapshot("a", 7), p.Stop()):
        inbox.put(command)
    loop.join(30)
    assert not loop.is_alive()
    assert [w.request for w in of(delivered, p.Weights, "a")] == [7]


def test_a_big_run_trains_in_slices_and_its_neighbour_goes_on() -> None:
    """A 3,600-point batch-1 epoch on a big network is a second or more of work: it spreads
    over turns, and the small run beside it finishes a step of an epoch every turn."""
    scheduler = new_scheduler()
    turn(scheduler, [create("big", **BIG), create("small", seed=2)])
    big, small = scheduler.slots["big"], scheduler.slots["small"]
    turn(scheduler, [p.Step("big", epochs=3)])
    for k in range(1, 4):
        steps = big.trainer.step
        turn(scheduler, [p.Step("small", epochs=1)])
        for _ in range(20):  # a turn or two: on a loaded machine a slice may end first
            if small.trainer.epoch == k:
                break
            turn(scheduler, [])
        assert small.trainer.epoch == k  # the neighbour's step is done beside the big epoch
        assert 0 < big.trainer.step - steps < 3600 and big.trainer.epoch == 0
        assert big.owed_epochs == 3


def test_a_step_asking_for_too_much_stops_at_its_time_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handlers, "MAX_STEP_SECONDS", 0.0)
    scheduler = new_scheduler()
    turn(scheduler, [create("big", **BIG)])
    results = turn(scheduler, [p.Step("big", epochs=1000)])
    notices = of(results, p.Notice, "big")
    assert notices and "the step stopped after" in str(notices[0].message)
    assert scheduler.slots["big"].owed_epochs == 0  # nothing more is owed


def test_a_page_run_keeps_its_pace_when_its_page_goes() -> None:
    """It used to train flat out until the sweeper paused it (15 s of a core)."""
    scheduler = new_scheduler()
    turn(scheduler, [create("a"), p.Watch("a", (p.ViewKey(),), 20.0, interactive=True)])
    turn(scheduler, [p.Watch("a", (), 20.0, interactive=True)])
    assert scheduler.slots["a"].pace == 20.0
    turn(scheduler, [create("script")])
    assert scheduler.slots["script"].pace is None  # a script's run still goes flat out


def test_a_pause_sends_the_picture_of_where_the_run_stopped() -> None:
    """A paused page showed epoch 43 while the run stood at 50: the last epochs had no frame."""
    scheduler = new_scheduler()
    turn(scheduler, [create("a", seed=4), p.Watch("a", (p.ViewKey(),), 20.0)])
    scheduler.slots["a"].next_frame = time.monotonic() + 3600  # no frame falls due meanwhile
    results = turn(scheduler, [p.Step("a", epochs=7)])
    while scheduler.slots["a"].owed_epochs:
        results += turn(scheduler, [])
    results += turn(scheduler, [p.Pause("a")])  # (a first step reports "paused" itself)
    status = of(results, p.Status, "a")[-1]
    frames = of(results, p.Frame, "a")
    assert status.status == "paused" and status.epoch == 7
    assert frames and frames[-1].epoch == 7
    assert results.index(frames[-1]) < results.index(status)


def test_a_watchers_frame_rate_is_not_the_runs_speed() -> None:
    """A page run with no speed of its own trains one epoch per frame of its controllers'
    fastest rate: a watcher asking 60 fps (it used to) no longer triples its speed."""
    scheduler = new_scheduler()
    watch = p.Watch("a", (p.ViewKey(),), 60.0, interactive=True, pace=20.0)
    turn(scheduler, [create("a"), watch])
    slot = scheduler.slots["a"]
    assert (slot.fps, slot.pace) == (60.0, 20.0)


def test_a_full_workers_checkpoints_are_spread_not_multiplied() -> None:
    """Each playing run once checkpointed every second: a worker with fifty runs sent the
    store fifty states a second to write on its event loop. Together they send at most
    ``CHECKPOINTS_PER_SECOND``; one run alone still checkpoints every second."""
    scheduler = new_scheduler()
    many = [f"r{i}" for i in range(50)]
    turn(scheduler, [*(create(run_id, seed=i) for i, run_id in enumerate(many))])
    turn(scheduler, [p.Play(run_id) for run_id in many])
    now = time.monotonic()
    for slot in scheduler.slots.values():
        slot.next_checkpoint = 0.0  # every run due
    scheduler._tick(now)
    saved = of(scheduler.outbox, p.Saved)
    assert len(saved) == len(many)
    waits = [slot.next_checkpoint - now for slot in scheduler.slots.values()]
    assert min(waits) >= len(many) / reporting.CHECKPOINTS_PER_SECOND

    alone = new_scheduler()
    turn(alone, [create("a"), p.Play("a")])
    alone.slots["a"].next_checkpoint = 0.0
    alone._tick(now)
    assert alone.slots["a"].next_checkpoint - now < min(waits)  # a second, or its 1 % rule


def test_costly_pictures_take_turns_and_a_quick_neighbour_draws_every_turn() -> None:
    """Five big networks on a worker drew five slow pictures a turn: every turn stretched,
    and the quick run beside them (the class's stage) fell from 20 to 8 frames a second."""
    scheduler = new_scheduler()
    runs = ["quick", "big0", "big1", "big2"]
    turn(scheduler, [*(create(run, seed=k) for k, run in enumerate(runs))])
    turn(scheduler, [p.Watch(run, (p.ViewKey(),), 20.0) for run in runs])
    slots = scheduler.slots
    for k in range(3):  # drawn long ago, as slow pictures: the first waited longest
        slots[f"big{k}"].next_frame = -3.0 + k
    for k in range(3):
        for run in runs:
            slots[run].dirty = True  # each has trained: every one is due a picture
            if run != "quick":
                slots[run].frame_cost = 10 * COSTLY_FRAME
        slots["quick"].next_frame = 0.0
        drawn = {frame.run_id for frame in of(turn(scheduler, []), p.Frame)}
        assert drawn == {"quick", f"big{k}"}  # one costly picture a turn, the oldest first


def test_a_checkpoint_goes_after_the_rows_up_to_it() -> None:
    """Rows ship every 0.25 s, checkpoints every second: a checkpoint between two shipments
    was stored ahead of its rows, and a server killed then resumed the run past a gap in its
    history (the loaded CI run: epochs 343…423 missing)."""
    scheduler = new_scheduler()
    turn(scheduler, [create("a")])
    slot = scheduler.slots["a"]
    slot.next_ship = float("inf")  # between two shipments
    for _ in range(5):
        slot.trainer.train_epoch()
    scheduler.checkpoint("a", slot)
    rows = of(scheduler.outbox, p.Rows, "a")
    [saved] = of(scheduler.outbox, p.Saved, "a")
    assert rows and rows[-1].rows[-1][0] == saved.epoch == 5
    assert scheduler.outbox.index(rows[-1]) < scheduler.outbox.index(saved)
