"""The worker side of the run manager: steps every playing run round-robin on one thread.

Nothing here touches the event loop. Commands arrive on a queue; results (status changes,
the dataset, encoded frames) leave through ``publish``, which the run manager makes
thread-safe. A run's ``Trainer`` is only ever touched by this thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.config import ExperimentConfig
from engine.trainer import DivergedError, Trainer
from server.wire import encode_frame

log = logging.getLogger(__name__)

Publish = Callable[[str, str, Any], None]  # (run_id, kind, payload)
_STOP = ("", {"type": "stop"})


@dataclass
class _Slot:
    """One run as the worker sees it."""

    trainer: Trainer
    fps: float
    resolution: int = 100
    playing: bool = False
    next_due: float = 0.0


class Scheduler:
    def __init__(self, publish: Publish, default_fps: float) -> None:
        self._publish = publish
        self._default_fps = default_fps
        self._commands: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self._slots: dict[str, _Slot] = {}
        self._thread = threading.Thread(target=self._loop, name="nnpg-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._commands.put(_STOP)
        self._thread.join(timeout)

    def submit(self, run_id: str, command: dict[str, Any]) -> None:
        """Queue a command: ``create``, ``remove``, or a client message (``play``, ``step`` …)."""
        self._commands.put((run_id, command))

    def _loop(self) -> None:
        while True:
            try:
                run_id, command = self._commands.get(timeout=self._idle_time())
                while True:
                    if (run_id, command) == _STOP:
                        return
                    self._apply_safely(run_id, command)
                    run_id, command = self._commands.get_nowait()
            except queue.Empty:
                pass
            self._tick(time.monotonic())

    def _idle_time(self) -> float:
        """Seconds until the next playing run is due (0.5 s when none plays)."""
        due = [slot.next_due for slot in self._slots.values() if slot.playing]
        return max(0.0, min(due) - time.monotonic()) if due else 0.5

    def _tick(self, now: float) -> None:
        for run_id, slot in list(self._slots.items()):
            if slot.playing and slot.next_due <= now:
                slot.next_due = max(slot.next_due + 1.0 / slot.fps, now)
                self._guarded(run_id, slot, slot.trainer.train_epoch)

    def _apply_safely(self, run_id: str, command: dict[str, Any]) -> None:
        """A command that breaks fails its own run, never the thread that serves every run."""
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
            self._create(run_id, command["config"])
            return
        slot = self._slots.get(run_id)
        if slot is None:
            return
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            log.warning("run %s: unknown command %r", run_id, kind)
            return
        handler(run_id, slot, command)

    def _on_remove(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        del self._slots[run_id]

    def _on_play(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing, slot.next_due = True, time.monotonic()
        self._status(run_id, slot, "running")

    def _on_pause(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.playing = False
        self._status(run_id, slot, "paused")

    def _on_view(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        slot.fps = command.get("fps") or slot.fps
        slot.resolution = command.get("resolution") or slot.resolution
        self._send_frame(run_id, slot)

    def _on_set(self, run_id: str, slot: _Slot, command: dict[str, Any]) -> None:
        changes = {k: v for k, v in command.items() if k != "type"}
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
        count = batches or command.get("epochs") or 1
        unit = slot.trainer.train_batch if batches else slot.trainer.train_epoch

        def train() -> None:
            for _ in range(count):
                unit()

        self._guarded(run_id, slot, train)

    def _create(self, run_id: str, config: ExperimentConfig) -> None:
        try:
            trainer = Trainer(config)
        except Exception as error:
            log.exception("run %s could not be built", run_id)
            self._publish(run_id, "status", {"status": "failed", "error": str(error)})
            return
        slot = self._slots[run_id] = _Slot(trainer=trainer, fps=self._default_fps)
        self._publish(run_id, "dataset", _dataset_message(trainer))
        self._send_frame(run_id, slot)

    def _guarded(self, run_id: str, slot: _Slot, train: Callable[[], None]) -> None:
        """Train, then send a frame; a divergence or an error ends the run with its reason."""
        try:
            train()
        except DivergedError as error:
            self._end(run_id, slot, "diverged", str(error))
            return
        except Exception as error:
            log.exception("run %s failed", run_id)
            self._end(run_id, slot, "failed", f"{type(error).__name__}: {error}")
            return
        self._send_frame(run_id, slot)
        if slot.trainer.stop_reason:
            self._end(run_id, slot, "succeeded", None, slot.trainer.stop_reason)

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
        self._publish(run_id, "frame", (frame.metrics, encode_frame(run_id, frame)))


def _dataset_message(trainer: Trainer) -> dict[str, Any]:
    """The run's points, rounded for the wire: ``[[x1, x2, label], ...]`` per split."""
    train, test = trainer.data.split.train, trainer.data.split.test
    return {
        "type": "dataset",
        "task": trainer.head.task,
        "classes": trainer.head.n_outputs if trainer.head.task == "multiclass" else 2,
        "train": np.column_stack([train.x.round(4), train.y]).tolist(),
        "test": np.column_stack([test.x.round(4), test.y]).tolist(),
    }
