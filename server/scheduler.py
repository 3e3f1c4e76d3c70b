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
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.config import ExperimentConfig
from engine.trainer import DivergedError, Trainer
from server.wire import encode_features, encode_frame

log = logging.getLogger(__name__)

Publish = Callable[[str, str, Any], None]  # (run_id, kind, payload)
STOP = ("", {"type": "stop"})
SERVER_FIELDS = ("speed",)  # in a "set" message, fields the scheduler keeps itself


class CommandQueue(Protocol):
    def get(
        self, block: bool = True, timeout: float | None = None
    ) -> tuple[str, dict[str, Any]]: ...


@dataclass
class _Slot:
    """One run as the worker sees it."""

    trainer: Trainer
    fps: float
    speed: float  # epochs per second
    resolution: int = 100
    playing: bool = False
    next_epoch: float = 0.0
    next_frame: float = 0.0
    dirty: bool = False  # trained since the last frame


class Scheduler:
    def __init__(self, publish: Publish, default_fps: float, commands: CommandQueue) -> None:
        self._publish = publish
        self._default_fps = default_fps
        self._commands = commands
        self._slots: dict[str, _Slot] = {}

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

    def _idle_time(self) -> float:
        """Seconds until something is due (0.5 s when nothing plays)."""
        due = [slot.next_epoch for slot in self._slots.values() if slot.playing]
        due += [slot.next_frame for slot in self._slots.values() if slot.dirty]
        return max(0.0, min(due) - time.monotonic()) if due else 0.5

    def _tick(self, now: float) -> None:
        for run_id, slot in list(self._slots.items()):
            if slot.playing and slot.next_epoch <= now:
                # at most one frame's worth of epochs: an overloaded worker trains slower
                # and keeps every run's pictures coming, rather than catching up in bursts
                behind = int((now - slot.next_epoch) * slot.speed) + 1
                count = min(behind, math.ceil(slot.speed / slot.fps))
                slot.next_epoch = max(slot.next_epoch + count / slot.speed, now)
                if not self._train(run_id, slot, slot.trainer.train_epoch, count):
                    continue
            if slot.dirty and slot.next_frame <= now:
                self._send_frame(run_id, slot)
                slot.next_frame = max(slot.next_frame + 1.0 / slot.fps, now)

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
        except Exception as error:
            log.exception("run %s could not be built", run_id)
            self._publish(run_id, "status", {"status": "failed", "error": str(error)})
            return
        fps = self._default_fps
        slot = _Slot(trainer=trainer, fps=fps, speed=command.get("speed") or fps)
        self._slots[run_id] = slot
        self._publish(run_id, "dataset", _dataset_message(trainer))
        self._publish(run_id, "features", encode_features(run_id, trainer.feature_maps()))
        self._send_frame(run_id, slot)

    # -- client messages -----------------------------------------------------------------

    def _on_remove(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        del self._slots[run_id]

    def _on_play(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing, slot.next_epoch = True, time.monotonic()
        self._status(run_id, slot, "running")

    def _on_pause(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing = False
        self._status(run_id, slot, "paused")

    def _on_view(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.fps = command.get("fps") or slot.fps
        slot.resolution = command.get("resolution") or slot.resolution
        self._send_frame(run_id, slot)

    def _on_set(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        if command.get("speed"):
            slot.speed = command["speed"]
        changes = {k: v for k, v in command.items() if k not in ("type", *SERVER_FIELDS)}
        try:
            slot.trainer.set(**changes)
        except ValueError as error:
            self._publish(run_id, "error", {"type": "error", "message": str(error)})

    def _on_reset(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing = False
        slot.trainer.reset(same_init=command.get("same_init", True))
        self._status(run_id, slot, "paused")
        self._send_frame(run_id, slot)

    def _on_regenerate(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.trainer.regenerate()
        self._publish(run_id, "dataset", _dataset_message(slot.trainer))
        self._send_frame(run_id, slot)

    def _on_step(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        if slot.playing:
            slot.playing = False
            self._status(run_id, slot, "paused")
        batches = command.get("batches")
        unit = slot.trainer.train_batch if batches else slot.trainer.train_epoch
        if self._train(run_id, slot, unit, batches or command.get("epochs") or 1):
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
        except DivergedError as error:
            self._send_frame(run_id, slot)  # the last sane weights, at the epoch it stopped
            self._end(run_id, slot, "diverged", str(error))
            return False
        except Exception as error:
            log.exception("run %s failed", run_id)
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
        self._status(run_id, slot, status, error, reason)
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
        message = {
            "status": status,
            "epoch": trainer.epoch,
            "step": trainer.step,
            "error": error,
            "stop_reason": reason,
        }
        self._publish(run_id, "status", message)

    def _send_frame(self, run_id: str, slot: _Slot) -> None:
        frame = slot.trainer.frame(slot.resolution)
        slot.dirty = False
        metrics = frame.metrics
        self._publish(run_id, "frame", (metrics.epoch, metrics.step, encode_frame(run_id, frame)))


def _dataset_message(trainer: Trainer) -> dict[str, Any]:
    """The run's points, rounded for the wire: ``[[x1, x2, label], ...]`` per split."""
    train, test = trainer.data.split.train, trainer.data.split.test
    return {
        "type": "dataset",
        "task": trainer.head.task,
        "classes": trainer.head.n_outputs if trainer.head.task == "multiclass" else 2,
        "features": trainer.config.data.features,
        "train": np.column_stack([train.x.round(4), train.y]).tolist(),
        "test": np.column_stack([test.x.round(4), test.y]).tolist(),
    }
