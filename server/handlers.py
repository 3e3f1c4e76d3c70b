"""What a worker does with each command: one handler per command class.

How it reports the runs (rows, checkpoints, frames, statuses) is its base class's,
``server.reporting.Reporter``; ``Scheduler`` (``server.scheduler``) adds the loop and the clock.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from engine.snapshot import from_bytes, restore
from engine.trainer import Trainer
from server import protocol as p
from server.inspect_worker import Inspector
from server.messages import SERVER, coded
from server.race_worker import RaceHost
from server.reporting import CHECKPOINT_EVERY, SHIP_EVERY, Reporter
from server.slot import Slot, first_frame_cost
from server.trials import TrialHost
from server.wire import dataset_message, encode_features

log = logging.getLogger(__name__)
MAX_STEP_SECONDS = 10.0  # a step asked for more work than this is cut short, and says so
_JITTER = random.Random()  # timing only: training has its own seeded generators
Handler = Callable[[str, Slot, Any], None]


class Handlers(Reporter):
    def __init__(self, default_fps: float) -> None:
        self.slots: dict[str, Slot] = {}
        self.outbox: list[p.Result] = []
        self.inspector = Inspector()  # answered after a turn's frames (``Scheduler``)
        self.trials = TrialHost()  # sweeps' trials, trained after the live runs (``Scheduler``)
        self.races = RaceHost()  # lanes in lockstep (``server.race_worker``)
        self._default_fps = default_fps
        self._handlers: dict[type[p.Command], Handler] = {
            p.Remove: self._on_remove,
            p.Play: self._on_play,
            p.Pause: self._on_pause,
            p.Cancel: self._on_cancel,
            p.Step: self._on_step,
            p.Reset: self._on_reset,
            p.Regenerate: self._on_regenerate,
            p.Tune: self._on_tune,
            p.EditWeight: self._on_edit_weight,
            p.Watch: self._on_watch,
            p.Checkpoint: self._on_checkpoint,
            p.Snapshot: self._on_snapshot,
        }

    def apply(self, command: p.Command) -> None:
        """Apply one command. One that breaks fails its own run, never the loop that serves
        every run; a command of a run this worker no longer holds is a late one, dropped."""
        run_id = command.run_id
        try:
            if isinstance(command, p.Create):
                self._create(command)
                return
            if isinstance(command, p.Inspect):  # answered even for a run gone since
                self.inspector.add(command)
                return
            if isinstance(command, p.TrainTrials | p.DropTrials):  # a sweep's, not a run's
                self._on_trials(command)
                return
            if isinstance(command, p.RaceStart | p.RaceControl):  # a race's, not a run's
                self.races.apply(self, command)
                return
            if self.races.redirect(self, command):  # a lane's control moves its whole race
                return
            handler = self._handlers.get(type(command))
            if handler is None:
                raise TypeError(f"the worker has no handler for {type(command).__name__}")
            slot = self.slots.get(run_id)
            if slot is not None:
                handler(run_id, slot, command)
        except Exception as error:
            log.exception("run %s: %s failed", run_id, type(command).__name__)
            slot = self.slots.get(run_id)
            if slot is not None:
                self.end(run_id, slot, "failed", f"{type(error).__name__}: {error}")

    def _create(self, command: p.Create) -> None:
        run_id = command.run_id
        try:
            trainer = Trainer(command.config)
            if command.checkpoint:  # resuming
                restore(trainer, from_bytes(command.checkpoint))
        except Exception as error:
            log.info("run %s could not be built: %s", run_id, error)
            self.outbox.append(p.Status(run_id, "failed", 0, 0, error=coded(error)))
            return
        fps = self._default_fps
        cost = first_frame_cost(trainer)  # until its first frames are timed
        slot = Slot(trainer, fps, command.speed, viewer_pace=fps, frame_cost=cost)
        self.slots[run_id] = slot
        self.outbox.append(p.Dataset(run_id, dataset_message(trainer)))
        self.outbox.append(p.Features(run_id, encode_features(run_id, trainer.feature_maps())))
        if command.checkpoint:
            slot.shipped = trainer.epoch  # its history is stored already
            slot.shipped_step = trainer.step
        else:
            self.ship(run_id, slot)
            self.checkpoint(run_id, slot)
        slot.dirty = True

    def _on_trials(self, command: p.TrainTrials | p.DropTrials) -> None:
        if isinstance(command, p.TrainTrials):
            self.trials.add(command.trials, self.outbox)
        else:
            self.trials.drop(command.ids, command.status, self.outbox)

    # -- commands ------------------------------------------------------------------------

    def _on_remove(self, run_id: str, slot: Slot, command: p.Remove) -> None:
        del self.slots[run_id]

    def _on_play(self, run_id: str, slot: Slot, command: p.Play) -> None:
        now = time.monotonic()
        slot.playing, slot.next_epoch, slot.started = True, now, True
        slot.owed_epochs = slot.owed_batches = 0
        # Runs played together train in the same turns: their rows and checkpoints would
        # too, all in one turn that then misses its frames. Each keeps its own phase.
        slot.next_ship = now + _JITTER.uniform(0.0, SHIP_EVERY)
        slot.next_checkpoint = now + _JITTER.uniform(0.0, CHECKPOINT_EVERY)
        self.status(run_id, slot, "running")

    def _on_pause(self, run_id: str, slot: Slot, command: p.Pause) -> None:
        self._hold(slot)
        self.status(run_id, slot, "paused")
        self.checkpoint(run_id, slot)

    def _on_cancel(self, run_id: str, slot: Slot, command: p.Cancel) -> None:
        self.end(run_id, slot, "cancelled", None)

    def _on_watch(self, run_id: str, slot: Slot, command: p.Watch) -> None:
        """New views are drawn at the next frame time: a view never forces a render."""
        was_pace = slot.pace
        slot.undrawn = set(command.views) - set(slot.views) | (slot.undrawn & set(command.views))
        slot.views, slot.fps, slot.viewer_pace = command.views, command.fps, command.pace
        slot.interactive = slot.interactive or command.interactive
        slot.trainer.keep_batch_losses = command.steps
        if slot.pace != was_pace:
            slot.next_epoch = time.monotonic()  # from flat out to paced, without a burst

    def _on_checkpoint(self, run_id: str, slot: Slot, command: p.Checkpoint) -> None:
        self.ship(run_id, slot)
        self.checkpoint(run_id, slot)

    def _on_snapshot(self, run_id: str, slot: Slot, command: p.Snapshot) -> None:
        """The weights now, for a model download or a prediction."""
        trainer = slot.trainer
        params = trainer.network.params.copy()
        self.outbox.append(p.Weights(run_id, command.request, trainer.epoch, trainer.step, params))

    def _on_tune(self, run_id: str, slot: Slot, command: p.Tune) -> None:
        if command.speed:
            slot.speed = command.speed
        if command.changes:
            try:
                slot.trainer.set(**command.changes)
            except ValueError as error:
                self.outbox.append(p.Notice(run_id, coded(error)))
                return
            self.outbox.append(p.Tuned(run_id, command.changes))

    def _on_edit_weight(self, run_id: str, slot: Slot, command: p.EditWeight) -> None:
        try:
            slot.trainer.set_weight(command.layer, command.source, command.target, command.value)
        except ValueError as error:
            self.outbox.append(p.Notice(run_id, coded(error)))
            return
        slot.dirty = True

    def _on_reset(self, run_id: str, slot: Slot, command: p.Reset) -> None:
        self._hold(slot)
        slot.trainer.reset(same_init=command.same_init)
        self.restart(slot)  # a frame under way shows the run before: never sent
        slot.dirty = True
        slot.shipped = slot.shipped_step = -1
        self.ship(run_id, slot, reset=True)
        self.status(run_id, slot, "paused")
        self.checkpoint(run_id, slot)
        slot.dirty = True

    def reset_run(self, run_id: str, slot: Slot) -> None:
        """Back to epoch 0 with the same initial weights (a race resets its lanes so)."""
        self._on_reset(run_id, slot, p.Reset(run_id, same_init=True))

    def _on_regenerate(self, run_id: str, slot: Slot, command: p.Regenerate) -> None:
        slot.trainer.regenerate()
        self.outbox.append(p.Dataset(run_id, dataset_message(slot.trainer)))
        slot.dirty = True

    def _on_step(self, run_id: str, slot: Slot, command: p.Step) -> None:
        """A step trains in slices like play, then pauses; one asking for more than
        ``MAX_STEP_SECONDS`` of work stops there."""
        now = time.monotonic()
        if slot.playing:
            self._hold(slot)
            self.status(run_id, slot, "paused")
        if not (slot.owed_epochs or slot.owed_batches):
            slot.step_deadline = now + MAX_STEP_SECONDS
        slot.owed_epochs += command.epochs or (0 if command.batches else 1)
        slot.owed_batches += command.batches
        slot.next_epoch = now

    def step_progress(self, run_id: str, slot: Slot, now: float) -> None:
        """After a slice of a step: done, or past its time, it pauses with its rows out."""
        if slot.playing or not (slot.owed_epochs or slot.owed_batches):
            if slot.playing:
                return
            if slot.started:
                self.ship(run_id, slot)
                self.checkpoint(run_id, slot)  # each step's end is a state to scrub back to
            else:  # a run stepped before it ever played has trained: it is paused, not new
                slot.started = True
                self.status(run_id, slot, "paused")
            return
        if now >= slot.step_deadline:
            self._hold(slot)
            self.ship(run_id, slot)
            message = SERVER.say(
                "run.step_capped", seconds=MAX_STEP_SECONDS, epoch=slot.trainer.epoch
            )
            self.outbox.append(p.Notice(run_id, message, error=False))
