"""The worker side of the run manager: steps every playing run round-robin in one loop.

Nothing here touches the event loop. Commands arrive on a queue; results (status changes,
the dataset, encoded frames) leave through ``publish``. A worker (``server.workers``) hosts
the loop on a thread or in a process. A run's ``Trainer`` is only touched by its loop.

Training speed (epochs per second) and frame rate are separate: a run trains on its own
clock, and a frame goes out at most ``fps`` times a second, only when something changed.
"""

from __future__ import annotations

import logging
import math
import queue
import random
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from engine.batch import batch_key, train_epochs
from engine.config import ExperimentConfig
from engine.snapshot import capture, from_bytes, restore, to_bytes
from engine.trainer import DivergedError, Trainer
from server.wire import dataset_message, encode_features, encode_frame

log = logging.getLogger(__name__)

Publish = Callable[[str, str, Any], None]  # (run_id, kind, payload)
STOP = ("", {"type": "stop"})
SERVER_FIELDS = ("speed",)  # in a "set" message, fields the scheduler keeps itself
SLICE = 0.02  # seconds of training the flat-out runs share per turn (each gets ≥ 1 epoch)
SHIP_EVERY = 0.25  # seconds between batches of metrics rows
CHECKPOINT_EVERY = 5.0  # seconds between checkpoints of a training run
_JITTER = random.Random()  # timing only: training has its own seeded generators


class CommandQueue(Protocol):
    def get(
        self, block: bool = True, timeout: float | None = None
    ) -> tuple[str, dict[str, Any]]: ...


@dataclass
class _Slot:
    """One run as the worker sees it."""

    trainer: Trainer
    fps: float
    speed: float | None  # epochs per second; None: as fast as it goes while nobody watches
    resolution: int = 100
    focus: int | None = None  # a hidden neuron a viewer hovers: drawn at full resolution
    playing: bool = False
    watched: bool = False  # frames are made only for viewers
    next_epoch: float = 0.0
    next_frame: float = 0.0
    dirty: bool = False  # trained since the last frame
    shipped: int = -1  # the last epoch whose metrics row went out
    next_ship: float = 0.0
    next_checkpoint: float = 0.0

    @property
    def pace(self) -> float | None:
        """Epochs per second now: the set speed, one per frame when watched, else flat out."""
        return self.speed or (self.fps if self.watched else None)


class Scheduler:
    def __init__(
        self,
        publish: Publish,
        default_fps: float,
        commands: CommandQueue,
        flush: Callable[[], None] | None = None,
    ) -> None:
        self._publish = publish
        self._default_fps = default_fps
        self._commands = commands
        self._flush = flush or (lambda: None)  # after each turn: send what was published
        self._slots: dict[str, _Slot] = {}
        self._slice = SLICE

    def run(self) -> None:
        """Serve commands and train until the STOP command."""
        while True:
            try:
                item = self._commands.get(timeout=self._idle_time())
                while True:
                    if item == STOP:
                        return
                    self._apply_safely(*item)
                    item = self._commands.get(block=False)
            except queue.Empty:
                pass
            self._tick(time.monotonic())
            self._flush()

    def _idle_time(self) -> float:
        """Seconds until something is due (0.5 s when nothing plays)."""
        due = [slot.next_epoch for slot in self._slots.values() if slot.playing]
        due += [slot.next_frame for slot in self._slots.values() if slot.dirty and slot.watched]
        return max(0.0, min(due) - time.monotonic()) if due else 0.5

    def _tick(self, now: float) -> None:
        flat_out = sum(slot.playing and slot.pace is None for slot in self._slots.values())
        self._slice = SLICE / max(1, flat_out)  # commands wait for at most about one turn
        stacked = self._train_together(now)
        for run_id, slot in list(self._slots.items()):
            if slot.playing and slot.next_epoch <= now:
                if not self._train_turn(run_id, slot, now, run_id in stacked):
                    continue
                if now >= slot.next_ship:
                    self._ship(run_id, slot)
                    slot.next_ship = now + SHIP_EVERY
                if now >= slot.next_checkpoint:
                    self._checkpoint(run_id, slot)
                    slot.next_checkpoint = now + CHECKPOINT_EVERY
            if slot.dirty and slot.watched and slot.next_frame <= now:
                self._send_frame(run_id, slot)
                slot.next_frame = _next_on_grid(slot.next_frame + 1.0 / slot.fps, now, slot.fps)

    def _train_together(self, now: float) -> set[str]:
        """Paced runs due for an epoch that share a shape train it stacked: one set of NumPy
        calls for all of them, the same numbers as alone (``engine.batch``)."""
        groups: dict[Hashable, list[tuple[str, _Slot]]] = {}
        for run_id, slot in self._slots.items():
            if slot.playing and slot.pace is not None and slot.next_epoch <= now:
                key = batch_key(slot.trainer)
                if key is not None:
                    groups.setdefault(key, []).append((run_id, slot))
        stacked: set[str] = set()
        for members in groups.values():
            if len(members) > 1:
                errors = train_epochs([slot.trainer for _, slot in members])
                for (run_id, slot), error in zip(members, errors, strict=True):
                    stacked.add(run_id)
                    self._settle(run_id, slot, error)
        return stacked

    def _train_turn(self, run_id: str, slot: _Slot, now: float, stacked: bool = False) -> bool:
        """A paced run trains the epochs due, at most one frame's worth (one of them already,
        if ``stacked``): an overloaded worker trains slower and keeps every run's pictures
        coming. A flat-out run trains its share of SLICE."""
        pace = slot.pace
        if pace is None:
            end = time.monotonic() + self._slice
            while self._train(run_id, slot, slot.trainer.train_epoch, 1):
                if time.monotonic() >= end:
                    return True
            return False
        behind = int((now - slot.next_epoch) * pace) + 1
        count = min(behind, math.ceil(pace / slot.fps))
        slot.next_epoch = _next_on_grid(slot.next_epoch + count / pace, now, pace)
        return self._train(run_id, slot, slot.trainer.train_epoch, count - stacked)

    def _apply_safely(self, run_id: str, command: dict[str, Any]) -> None:
        """A command that breaks fails its own run, never the loop that serves every run."""
        try:
            self._apply(run_id, command)
        except Exception as error:
            log.exception("run %s: command %r failed", run_id, command.get("type"))
            slot = self._slots.get(run_id)
            if slot is not None:
                self._end(run_id, slot, "failed", f"{type(error).__name__}: {error}")

    def _apply(self, run_id: str, command: dict[str, Any]) -> None:
        kind = command["type"]
        if kind == "create":
            self._create(run_id, command)
            return
        slot = self._slots.get(run_id)
        handler = getattr(self, f"_on_{kind}", None)
        if slot is None or handler is None:
            return
        handler(run_id, slot, command)

    def _create(self, run_id: str, command: dict[str, Any]) -> None:
        config: ExperimentConfig = command["config"]
        try:
            trainer = Trainer(config)
            if command.get("checkpoint"):  # resuming
                restore(trainer, from_bytes(command["checkpoint"]))
        except Exception as error:
            log.exception("run %s could not be built", run_id)
            self._publish(run_id, "status", {"status": "failed", "error": str(error)})
            return
        slot = _Slot(trainer=trainer, fps=self._default_fps, speed=command.get("speed"))
        self._slots[run_id] = slot
        self._publish(run_id, "dataset", dataset_message(trainer))
        self._publish(run_id, "features", encode_features(run_id, trainer.feature_maps()))
        if command.get("checkpoint"):
            slot.shipped = trainer.epoch  # its history is stored already
        else:
            self._ship(run_id, slot)
            self._checkpoint(run_id, slot)
        slot.dirty = True

    # -- client messages -----------------------------------------------------------------

    def _on_remove(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        del self._slots[run_id]

    def _on_play(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        now = time.monotonic()
        slot.playing, slot.next_epoch = True, now
        # Runs played together train in the same turns: their rows and checkpoints would
        # too, all in one turn that then misses its frames. Each keeps its own phase.
        slot.next_ship = now + _JITTER.uniform(0.0, SHIP_EVERY)
        slot.next_checkpoint = now + _JITTER.uniform(0.0, CHECKPOINT_EVERY)
        self._status(run_id, slot, "running")

    def _on_pause(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing = False
        self._status(run_id, slot, "paused")
        self._checkpoint(run_id, slot)

    def _on_cancel(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        self._end(run_id, slot, "cancelled", None)

    def _on_watch(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.watched = command["viewers"] > 0
        if slot.watched:
            slot.next_epoch = time.monotonic()  # from flat out to paced, without a burst
            self._send_frame(run_id, slot)

    def _on_checkpoint(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        self._ship(run_id, slot)
        self._checkpoint(run_id, slot)

    def _on_snapshot(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        """The weights now, for a model download or a prediction."""
        trainer = slot.trainer
        reply = (command["request"], trainer.epoch, trainer.step, trainer.network.params.copy())
        self._publish(run_id, "snapshot", reply)

    def _on_view(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.fps = command.get("fps") or slot.fps
        slot.resolution = command.get("resolution") or slot.resolution
        if "focus" in command:  # -1: none
            slot.focus = command["focus"] if command["focus"] >= 0 else None
        self._send_frame(run_id, slot)

    def _on_set(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        if command.get("speed"):
            slot.speed = command["speed"]
        changes = {k: v for k, v in command.items() if k not in ("type", *SERVER_FIELDS)}
        try:
            slot.trainer.set(**changes)
        except ValueError as error:
            self._publish(run_id, "error", {"type": "error", "message": str(error)})

    def _on_weight(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        try:
            slot.trainer.set_weight(
                command["layer"], command.get("source"), command["target"], command["value"]
            )
        except ValueError as error:
            self._publish(run_id, "error", {"type": "error", "message": str(error)})
            return
        self._send_frame(run_id, slot)

    def _on_reset(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing = False
        slot.trainer.reset(same_init=command.get("same_init", True))
        slot.shipped = -1
        self._ship(run_id, slot, reset=True)
        self._status(run_id, slot, "paused")
        self._checkpoint(run_id, slot)
        self._send_frame(run_id, slot)

    def _on_regenerate(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.trainer.regenerate()
        self._publish(run_id, "dataset", dataset_message(slot.trainer))
        self._send_frame(run_id, slot)

    def _on_step(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        if slot.playing:
            slot.playing = False
            self._status(run_id, slot, "paused")
        batches = command.get("batches")
        unit = slot.trainer.train_batch if batches else slot.trainer.train_epoch
        if self._train(run_id, slot, unit, batches or command.get("epochs") or 1):
            self._ship(run_id, slot)
            self._send_frame(run_id, slot)

    # -- training and reporting ----------------------------------------------------------

    def _train(self, run_id: str, slot: _Slot, unit: Callable[[], None], count: int) -> bool:
        """Run ``unit`` ``count`` times; a divergence, an error or a stop rule ends the run
        (with a last frame). Returns whether the run goes on."""
        try:
            for _ in range(count):
                unit()
                if slot.trainer.stop_reason:
                    break
        except Exception as error:
            return self._settle(run_id, slot, error)
        return self._settle(run_id, slot, None)

    def _settle(self, run_id: str, slot: _Slot, error: Exception | None) -> bool:
        """After training: end the run on an error or a met stop rule; whether it goes on."""
        if isinstance(error, DivergedError):
            self._send_frame(run_id, slot)  # the last sane weights, at the epoch it stopped
            self._end(run_id, slot, "diverged", str(error))
            return False
        if error is not None:
            log.error("run %s failed", run_id, exc_info=error)
            self._end(run_id, slot, "failed", f"{type(error).__name__}: {error}")
            return False
        slot.dirty = True
        if slot.trainer.stop_reason:
            self._send_frame(run_id, slot)
            self._end(run_id, slot, "succeeded", None, slot.trainer.stop_reason)
            return False
        return True

    def _end(
        self, run_id: str, slot: _Slot, status: str, error: str | None, reason: str | None = None
    ) -> None:
        slot.playing = False
        self._checkpoint(run_id, slot)
        self._status(run_id, slot, status, error, reason)  # after the last rows
        del self._slots[run_id]

    def _status(
        self,
        run_id: str,
        slot: _Slot,
        status: str,
        error: str | None = None,
        reason: str | None = None,
    ) -> None:
        trainer = slot.trainer
        self._ship(run_id, slot)
        message = {
            "status": status,
            "epoch": trainer.epoch,
            "step": trainer.step,
            "error": error,
            "stop_reason": reason,
            "best_epoch": trainer.stopper.best_epoch if trainer.stopper.early else None,
        }
        self._publish(run_id, "status", message)

    def _ship(self, run_id: str, slot: _Slot, reset: bool = False) -> None:
        """Send the history rows not sent yet (``reset``: the history starts over)."""
        rows = slot.trainer.history.rows_after(slot.shipped)
        if rows or reset:
            slot.shipped = rows[-1][0] if rows else slot.shipped
            self._publish(run_id, "metrics", {"rows": rows, "reset": reset})

    def _checkpoint(self, run_id: str, slot: _Slot) -> None:
        trainer = slot.trainer
        state = to_bytes(capture(trainer))
        self._publish(run_id, "checkpoint", (trainer.epoch, trainer.step, state))

    def _send_frame(self, run_id: str, slot: _Slot) -> None:
        frame = slot.trainer.frame(slot.resolution, focus=slot.focus)
        slot.dirty = False
        metrics = frame.metrics
        self._publish(run_id, "frame", (metrics.epoch, metrics.step, encode_frame(run_id, frame)))


def _next_on_grid(moment: float, now: float, rate: float) -> float:
    """When a run is next due: ``moment`` on the worker clock's grid of 1/rate, so that runs
    at the same rate fall due together and same-shaped ones train stacked, one turn for all.
    A run already behind ``moment`` is due at once, at the grid point just passed: waiting for
    the next one would leave an overloaded worker idle for half a period every turn."""
    if moment < now:
        return math.floor(now * rate) / rate
    return math.ceil(moment * rate) / rate
