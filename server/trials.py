"""A worker's sweep trials: each trained to its stop rule, same-shaped ones stacked.

Whoever hosts the trials (a worker's scheduler between its live runs' work, or a Ray task)
gives them time with ``work``; everything they report goes to an outbox as
``server.protocol.TrialReport``: their history rows every ``SHIP_EVERY``, a checkpoint every
``CHECKPOINT_EVERY``, and at the end the last rows, the model's checkpoint and the status.
Trials whose epochs stack (``engine.batch.batch_key``) train an epoch at a time together,
one set of NumPy calls for all; the others train alone, a mini-batch at a time, sliced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from engine.batch import batch_key, train_epochs
from engine.snapshot import capture, from_bytes, restore, to_bytes
from engine.trainer import DataError, DivergedError, Trainer
from server import protocol as p
from server.schemas import RunStatus

log = logging.getLogger(__name__)
SHIP_EVERY = 1.0  # seconds between a trial's batches of rows
CHECKPOINT_EVERY = 5.0  # seconds between a trial's checkpoints
STACK_MAX_STEPS = 64  # a run or trial whose epoch is longer trains alone, sliced


@dataclass
class _Trial:
    trainer: Trainer
    shipped: int  # the last epoch whose row went out
    next_ship: float
    next_checkpoint: float


class TrialHost:
    def __init__(self) -> None:
        self.trials: dict[str, _Trial] = {}

    @property
    def waiting(self) -> bool:
        return bool(self.trials)

    def add(self, specs: Iterable[p.TrialSpec], outbox: list[p.Result]) -> None:
        """Build each trial (from its checkpoint when it has one); one that cannot be built
        is reported failed at once."""
        now = time.monotonic()
        for spec in specs:
            try:
                trainer = Trainer(spec.config)
                if spec.checkpoint:
                    restore(trainer, from_bytes(spec.checkpoint))
            except Exception as error:
                outbox.append(p.TrialReport(spec.run_id, 0, 0, status="failed", error=str(error)))
                continue
            shipped = trainer.epoch if spec.checkpoint else -1  # its rows are stored already
            self.trials[spec.run_id] = _Trial(trainer, shipped, now, now + CHECKPOINT_EVERY)

    def drop(self, ids: Iterable[str], status: RunStatus, outbox: list[p.Result]) -> None:
        """End these trials now (``cancelled``, or ``interrupted`` to go on later), with their
        rows and checkpoint reported."""
        for run_id in ids:
            if run_id in self.trials:
                self._end(run_id, status, None, outbox)

    def work(self, budget: float, outbox: list[p.Result]) -> None:
        """Train for about ``budget`` seconds: every group (stacked, or one trial alone) an
        epoch or a slice at a time, round after round."""
        end = time.monotonic() + budget

        def out_of_time() -> bool:
            return time.monotonic() >= end

        while self.trials and not out_of_time():
            for group in self._groups():
                self._train(group, out_of_time, outbox)
                if out_of_time():
                    break
        self._report(time.monotonic(), outbox)

    def checkpoint_all(self, outbox: list[p.Result]) -> None:
        """Every trial's rows and checkpoint now (a Ray task's chunk ends: the next goes on
        from here)."""
        for run_id, trial in self.trials.items():
            self._ship(run_id, trial, outbox, state=True)

    def _groups(self) -> list[list[str]]:
        groups: dict[Hashable, list[str]] = {}
        for run_id, trial in self.trials.items():
            trainer = trial.trainer
            short = len(trainer.data.train_t) <= STACK_MAX_STEPS * trainer.batch_size
            key = batch_key(trainer) if short else None
            groups.setdefault(run_id if key is None else key, []).append(run_id)
        return list(groups.values())

    def _train(
        self, group: list[str], out_of_time: Callable[[], bool], outbox: list[p.Result]
    ) -> None:
        trainers = [self.trials[run_id].trainer for run_id in group]
        errors: list[Exception | None] = [None]
        if len(group) > 1:
            errors = train_epochs(trainers)
        else:
            try:
                trainers[0].train_epochs_until(1 << 30, out_of_time)
            except Exception as failure:  # a DivergedError, or a bug: this trial alone ends
                errors = [failure]
        for run_id, trainer, error in zip(group, trainers, errors, strict=True):
            self._settle(run_id, trainer, error, outbox)

    def _settle(
        self, run_id: str, trainer: Trainer, error: Exception | None, outbox: list[p.Result]
    ) -> None:
        if isinstance(error, DivergedError):
            self._end(run_id, "diverged", str(error), outbox)
        elif isinstance(error, DataError):
            self._end(run_id, "failed", str(error), outbox)
        elif error is not None:
            log.error("trial %s failed", run_id, exc_info=error)
            self._end(run_id, "failed", f"{type(error).__name__}: {error}", outbox)
        elif trainer.stop_reason:
            self._end(run_id, "succeeded", None, outbox, trainer.stop_reason)

    def _report(self, now: float, outbox: list[p.Result]) -> None:
        for run_id, trial in self.trials.items():
            if now >= trial.next_checkpoint:
                trial.next_checkpoint = now + CHECKPOINT_EVERY
                self._ship(run_id, trial, outbox, state=True)
            elif now >= trial.next_ship:
                trial.next_ship = now + SHIP_EVERY
                self._ship(run_id, trial, outbox)

    def _ship(
        self,
        run_id: str,
        trial: _Trial,
        outbox: list[p.Result],
        *,
        state: bool = False,
        status: RunStatus | None = None,
        error: str | None = None,
        reason: str | None = None,
    ) -> None:
        trainer = trial.trainer
        rows = trainer.history.rows_after(trial.shipped)
        if not (rows or state or status):
            return
        trial.shipped = int(rows[-1][0] or 0) if rows else trial.shipped
        saved = to_bytes(capture(trainer)) if state else None
        epoch, step = trainer.epoch, trainer.step
        outbox.append(p.TrialReport(run_id, epoch, step, rows, saved, status, error, reason))

    def _end(
        self,
        run_id: str,
        status: RunStatus,
        error: str | None,
        outbox: list[p.Result],
        reason: str | None = None,
    ) -> None:
        trial = self.trials.pop(run_id)
        self._ship(run_id, trial, outbox, state=True, status=status, error=error, reason=reason)


def train_chunk(specs: list[p.TrialSpec], seconds: float) -> list[p.Result]:
    """Train ``specs`` for about ``seconds`` (or until all have ended) and report: what a
    Ray task does (``server.ray_executor``). A trial still training gets a checkpoint to go
    on from."""
    host, outbox = TrialHost(), list[p.Result]()
    host.add(specs, outbox)
    deadline = time.monotonic() + seconds
    while host.waiting and time.monotonic() < deadline:
        host.work(min(0.5, deadline - time.monotonic()), outbox)
    host.checkpoint_all(outbox)
    return outbox
