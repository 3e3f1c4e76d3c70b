"""What the store has yet to write: each run's newest checkpoint, beside the history rows
(``server.curves``) and kept states (``server.states``) that queue themselves, and the flush
that writes them all in one transaction, or run by run when one run spoils it."""

from __future__ import annotations

import logging
import sqlite3

from server.curves import Curves, Row
from server.records import now
from server.states import States
from server.transaction import transaction

log = logging.getLogger(__name__)

Saved = tuple[int, int, bytes, str]  # a queued checkpoint: epoch, step, state, saved at (ISO)


class WriteQueue:
    """The store's queue (``Store.flush`` writes it; the store's owner thread alone uses it)."""

    def __init__(self, db: sqlite3.Connection, curves: Curves, states: States) -> None:
        self.db = db
        self.curves = curves
        self.states = states
        self.checkpoints: dict[str, Saved] = {}  # each run's newest, not written yet

    def add_checkpoint(self, run_id: str, epoch: int, step: int, state: bytes, keep: bool) -> None:
        """Queue the run's latest state, replacing an unwritten older one; ``keep``: a kept
        state too (``server.states``)."""
        self.checkpoints[run_id] = (epoch, step, state, now().isoformat())
        if keep:  # a checkpoint between epochs is a kept state too
            self.states.add(run_id, epoch, step, state)

    def forget(self, run_id: str) -> None:
        """The run is deleted: drop what it had queued, and what the curves and states know."""
        self.curves.forget(run_id)
        self.checkpoints.pop(run_id, None)
        self.states.forget(run_id)

    def flush(self) -> None:
        """Write the queued rows and checkpoints, and update each run's epoch and step: one
        transaction for all runs. If that fails over one run (deleted meanwhile, say by a
        command or another connection), each run is written on its own: the others' rows
        stay, and what a deleted run had queued is dropped rather than retried forever."""
        if not (self.curves.dirty or self.checkpoints or self.states.queue):
            return
        try:
            with transaction(self.db):
                self._write(self.curves.flush(), self.checkpoints)
        except sqlite3.IntegrityError:  # a run deleted meanwhile, say
            self.curves.rolled_back()
            self.states.rolled_back()
            self._flush_each()
            return
        except sqlite3.Error:  # rolled back: everything stays queued for the next flush
            self.curves.rolled_back()
            self.states.rolled_back()
            raise
        self.curves.committed()
        self.checkpoints = {}
        self.states.done(list(self.states.queue))

    def _write(self, last: dict[str, Row], checkpoints: dict[str, Saved]) -> None:
        """Each run's epoch and step (its ``last`` row), its checkpoint and its kept states."""
        self.db.executemany(
            "UPDATE runs SET epoch = ?, step = ? WHERE id = ?",
            [(row[0], row[1], run_id) for run_id, row in last.items()],
        )
        self.db.executemany(
            "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?)",
            [(run_id, *saved) for run_id, saved in checkpoints.items()],
        )
        self.states.write(checkpoints)

    def _flush_each(self) -> None:
        """One transaction per run. A run that is gone loses its queue; one that fails for
        another reason keeps it for the next flush, and the first such error is raised once
        the others are written."""
        failed: sqlite3.Error | None = None
        for run_id in [*dict.fromkeys([*self.curves.queued(), *self.checkpoints])]:
            if self.db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                log.warning("run %s was deleted: dropping what it had queued", run_id)
                self.forget(run_id)
                continue
            checkpoint = {run_id: self.checkpoints[run_id]} if run_id in self.checkpoints else {}
            try:
                with transaction(self.db):
                    self._write(self.curves.flush_one(run_id), checkpoint)
            except sqlite3.Error as error:
                self.curves.rolled_back()
                self.states.rolled_back()
                failed = failed or error
                continue
            self.curves.committed_one(run_id)
            self.checkpoints.pop(run_id, None)
            self.states.done([run_id])
        if failed is not None:
            raise failed
