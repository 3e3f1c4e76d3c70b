"""How a worker reports the runs it holds (``Handlers``' base class): a run's new metrics rows
every ``SHIP_EVERY`` seconds of play, its checkpoints, its frames, its status after the rows and
frames that show where it stands, and its end. Everything goes to ``outbox`` as
``server.protocol`` results and leaves once per turn (``server.scheduler``).
"""

from __future__ import annotations

import logging
import math
import time

from engine.frames import Frame
from engine.messages import Message
from engine.snapshot import capture, to_bytes
from engine.trainer import DataError, DivergedError
from server import protocol as p
from server.messages import coded
from server.schemas import RunStatus
from server.slot import Slot, grid_points
from server.wire import encode_frame

log = logging.getLogger(__name__)
SHIP_EVERY = 0.25  # seconds between batches of metrics rows
CHECKPOINT_EVERY = 1.0  # seconds between checkpoints (kept states too) of a training run …
CHECKPOINT_SHARE = 0.01  # … or longer: a big network's checkpoints take at most this of its time
CHECKPOINTS_PER_SECOND = 10.0  # … or longer: a worker's playing runs checkpoint at most this often


class Reporter:
    """What leaves for a run; ``server.handlers.Handlers`` holds the runs and applies commands."""

    slots: dict[str, Slot]
    outbox: list[p.Result]

    def housekeep(self, run_id: str, slot: Slot, now: float, playing: int = 1) -> None:
        """A playing run ships its new rows every ``SHIP_EVERY`` and checkpoints every
        ``CHECKPOINT_EVERY`` seconds; less often when that would cost it over
        ``CHECKPOINT_SHARE`` of its time, or when this worker's ``playing`` runs together
        would checkpoint more than ``CHECKPOINTS_PER_SECOND`` times a second (each is a
        state the store writes: a full worker's are spread, not multiplied)."""
        if now >= slot.next_ship:
            self.ship(run_id, slot)
            slot.next_ship = now + SHIP_EVERY
        if now >= slot.next_checkpoint:
            cost = self.checkpoint(run_id, slot)
            spread = playing / CHECKPOINTS_PER_SECOND
            slot.next_checkpoint = now + max(CHECKPOINT_EVERY, cost / CHECKPOINT_SHARE, spread)

    def settle(self, run_id: str, slot: Slot, error: Exception | None) -> bool:
        """After training: end the run on an error or a met stop rule; whether it goes on."""
        slot.dirty = True
        if isinstance(error, DivergedError):
            self.end(run_id, slot, "diverged", coded(error))  # with the last sane weights
            return False
        if isinstance(error, DataError):
            self.end(run_id, slot, "failed", coded(error))
            return False
        if error is not None:
            log.error("run %s failed", run_id, exc_info=error)
            self.end(run_id, slot, "failed", f"{type(error).__name__}: {error}")
            return False
        if slot.trainer.stop_reason:
            self.end(run_id, slot, "succeeded", None, slot.trainer.stop_reason)
            return False
        return True

    def end(
        self,
        run_id: str,
        slot: Slot,
        status: RunStatus,
        error: str | Message | None,
        reason: str | None = None,
    ) -> None:
        self._hold(slot)
        self.checkpoint(run_id, slot)
        self.status(run_id, slot, status, error, reason, at_once=True)  # after its last frame
        del self.slots[run_id]

    def status(  # noqa: PLR0917
        self,
        run_id: str,
        slot: Slot,
        status: RunStatus,
        error: str | Message | None = None,
        reason: str | None = None,
        at_once: bool = False,
    ) -> None:
        """Report a status, after the rows and (when something changed) the frames that
        show where the run stands: a page never shows a paused run behind its real epoch.
        A costly run's frames are drawn in pieces, and the status follows them when they
        go; ``at_once`` (its last): drawn now, whatever they cost."""
        trainer = slot.trainer
        self.ship(run_id, slot)
        best = trainer.stopper.best_epoch if trainer.stopper.early else None
        report = p.Status(run_id, status, trainer.epoch, trainer.step, error, reason, best)
        if slot.costly and not at_once and (slot.due_views or slot.drawing):
            if slot.dirty:  # changed since a drawing began: draw where it stands now
                self.restart(slot)
            slot.held.append(report)  # sent once the frames are (``draw``), from next turn
            slot.next_frame = min(slot.next_frame, time.monotonic())
            return
        if slot.due_views:
            self.send_frames(run_id, slot)
        elif slot.drawing:  # the frame under way shows where the run stands: finish it
            self.draw(run_id, slot, math.inf)
        self.outbox.extend(slot.held)
        slot.held = []
        self.outbox.append(report)

    def ship(self, run_id: str, slot: Slot, reset: bool = False) -> None:
        """Send the history rows not sent yet (``reset``: the history starts over)."""
        rows = slot.trainer.history.rows_after(slot.shipped)
        batches = slot.trainer.batch_losses_after(slot.shipped_step)
        if rows or reset or batches:
            slot.shipped = int(rows[-1][0] or 0) if rows else slot.shipped  # its epoch
            slot.shipped_step = batches[-1][0] if batches else slot.shipped_step
            short = [(step, float(f"{loss:.4g}")) for step, loss in batches]  # 4 digits do
            self.outbox.append(p.Rows(run_id, rows, reset, short))

    def checkpoint(self, run_id: str, slot: Slot) -> float:
        """Send the run's state to store (and keep, ``server.states``), after the rows up to
        it: a resumed run's history is the store's, so a checkpoint ahead of its rows left a
        gap in it; returns the seconds that took."""
        self.ship(run_id, slot)
        started, trainer = time.perf_counter(), slot.trainer
        state = to_bytes(capture(trainer))
        kept = trainer.between_epochs  # a half-done epoch would resume with a new shuffle
        self.outbox.append(p.Saved(run_id, trainer.epoch, trainer.step, state, kept))
        return time.perf_counter() - started

    def send_frames(self, run_id: str, slot: Slot) -> None:
        """One frame per view that needs one: every view when the run changed, else the new
        ones (a viewer joining or hovering never redraws anybody else's picture). Frames
        being drawn in pieces are dropped: these are newer."""
        self.restart(slot)  # a frame under way is drawn anew, of now
        views = slot.due_views
        slot.dirty, slot.undrawn = False, set()
        for view in views:
            frame = slot.trainer.frame(
                view.resolution, focus=view.focus, dropout_sample=view.dropout_sample
            )
            self._send_frame(run_id, view, frame)

    def draw(self, run_id: str, slot: Slot, seconds: float) -> bool:
        """``send_frames`` in pieces of about ``seconds`` (``engine.picture_job``), for a
        run whose frames are slow to draw: each view's frame of the run as it is when its
        drawing begins, sent once drawn, while the worker trains and draws its other runs
        between the pieces. Whether they have all gone (and the statuses held for them)."""
        if not slot.drawing:
            slot.drawing = list(slot.due_views)
            slot.drawing_points, slot.drawing_cost = grid_points(slot.drawing), 0.0
            slot.dirty, slot.undrawn = False, set()
        end = time.perf_counter() + seconds
        while slot.drawing:
            view = slot.drawing[0]
            if view not in slot.views:  # its viewers have gone (or hover elsewhere)
                del slot.drawing[0]
                slot.job = None
                continue
            if slot.job is None:
                slot.job = slot.trainer.frame_job(
                    view.resolution, focus=view.focus, dropout_sample=view.dropout_sample
                )
            if not slot.job.advance(end - time.perf_counter()):
                return False
            self._send_frame(run_id, view, slot.job.frame())
            del slot.drawing[0]
            slot.job = None
            if slot.drawing and time.perf_counter() >= end:
                return False
        self.outbox.extend(slot.held)  # the statuses that waited for these frames
        slot.held = []
        return True

    @staticmethod
    def restart(slot: Slot) -> None:
        """Drop the frames being drawn: their views are drawn anew, of the run as it is then
        (it changed, or went back in time)."""
        if slot.drawing:
            slot.undrawn |= set(slot.drawing) & set(slot.views)
            slot.drawing, slot.job = [], None

    def _send_frame(self, run_id: str, view: p.ViewKey, frame: Frame) -> None:
        data = encode_frame(run_id, frame)
        metrics = frame.metrics
        self.outbox.append(p.Frame(run_id, metrics.epoch, metrics.step, view, data))

    def _hold(self, slot: Slot) -> None:
        """Stop playing and owe nothing: a pause, a reset, a step's cap, the end."""
        slot.playing = False
        slot.owed_epochs = slot.owed_batches = 0
