"""Kept states for time travel: a run's whole training state at past epochs, thinned with age.

Every checkpoint a worker sends between epochs (``server.reporting``: each pause, each step's
end, every ``CHECKPOINT_EVERY`` seconds of play, the end) is also kept here, one row per
epoch; one taken with an epoch half done is not (restored, it would start that epoch over
with a new shuffle: not the run it was). Recent
epochs stay dense; an older one is kept only ``gap(age)`` epochs after the one before it, the
gap doubling as the age doubles; and a run's kept states fit ``budget`` bytes
(``NNPG_STATE_BYTES_PER_RUN``), thinner still when they would not. A run that goes back in
time (a reset, a resume from an earlier checkpoint) forgets the states past it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS states (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
"""
DENSE = 16  # the newest epochs, all kept; past that the gap doubles with each doubling of age
BUDGET = 4_000_000  # bytes of kept states per run (``NNPG_STATE_BYTES_PER_RUN``)
Kept = tuple[int, int, int]  # (epoch, step, bytes)


def gap(age: int, scale: int = 1) -> int:
    """The epochs between kept states ``age`` epochs old: 1 while young, then 2, 4, 8…"""
    return scale * (1 << max(0, (age // DENSE).bit_length() - 1)) if age >= DENSE else scale


def thinned(epochs: Sequence[int], scale: int = 1) -> list[int]:
    """The epochs (ascending) still kept: the oldest, each one far enough past the last kept
    one for its age, and the newest."""
    if not epochs:
        return []
    newest, kept = epochs[-1], [epochs[0]]
    for epoch in epochs[1:-1]:
        if epoch - kept[-1] >= gap(newest - epoch, scale):
            kept.append(epoch)
    return [*kept, newest] if newest != kept[-1] else kept


def within(sizes: dict[int, int], budget: int) -> list[int]:
    """The epochs kept by age, thinned further (gaps ×2, ×4…) until they fit ``budget``
    bytes; the newest alone when nothing else does."""
    epochs, scale = sorted(sizes), 1
    while epochs:
        kept = thinned(epochs, scale)
        if sum(sizes[e] for e in kept) <= budget or len(kept) <= 1:
            return kept
        if scale > max(epochs[-1], 1):
            return kept[-1:]
        scale *= 2
    return []


class States:
    """A store's kept states: queued by ``add``, written by ``write`` in the store's flush.
    What each run keeps (epoch → step and bytes) is indexed in memory, read from the table
    once a run: a flush of a hundred runs asks the table nothing before it writes."""

    def __init__(self, db: sqlite3.Connection, budget: int = BUDGET) -> None:
        self.db, self.budget = db, budget
        self.queue: dict[str, dict[int, tuple[int, bytes]]] = {}
        self._index: dict[str, dict[int, tuple[int, int]]] = {}  # run → epoch → (step, bytes)
        db.executescript(SCHEMA)

    def add(self, run_id: str, epoch: int, step: int, state: bytes) -> None:
        queued = self.queue.setdefault(run_id, {})
        for later in [e for e in queued if e > epoch]:  # gone back in time: forget its future
            del queued[later]
        queued[epoch] = (step, state)

    def write(self, run_ids: Iterable[str]) -> None:
        """Write the queued states of ``run_ids`` and thin them (inside the caller's
        transaction; ``done`` drops them from the queue once it commits, ``rolled_back``
        forgets the index if it does not)."""
        for run_id in run_ids:
            queued = self.queue.get(run_id)
            if not queued:
                continue
            index, first = self._indexed(run_id), min(queued)
            if any(epoch > first for epoch in index):  # gone back in time: forget its future
                self.db.execute(
                    "DELETE FROM states WHERE run_id = ? AND epoch > ?", (run_id, first)
                )
                for epoch in [e for e in index if e > first]:
                    del index[epoch]
            self.db.executemany(
                "INSERT OR REPLACE INTO states VALUES (?, ?, ?, ?)",
                [(run_id, epoch, step, state) for epoch, (step, state) in queued.items()],
            )
            index.update({epoch: (step, len(state)) for epoch, (step, state) in queued.items()})
            self._thin(run_id, index)

    def done(self, run_ids: Iterable[str]) -> None:
        for run_id in run_ids:
            self.queue.pop(run_id, None)

    def rolled_back(self) -> None:
        """The transaction ``write`` wrote in did not commit: the index is read again."""
        self._index.clear()

    def forget(self, run_id: str) -> None:
        """A deleted run's queue and index."""
        self.queue.pop(run_id, None)
        self._index.pop(run_id, None)

    def _thin(self, run_id: str, index: dict[int, tuple[int, int]]) -> None:
        sizes = {epoch: n for epoch, (_, n) in index.items()}
        dropped = set(sizes) - set(within(sizes, self.budget))
        if not dropped:
            return
        self.db.executemany(
            "DELETE FROM states WHERE run_id = ? AND epoch = ?", [(run_id, e) for e in dropped]
        )
        for epoch in dropped:
            del index[epoch]

    def _indexed(self, run_id: str) -> dict[int, tuple[int, int]]:
        index = self._index.get(run_id)
        if index is None:
            rows = self.db.execute(
                "SELECT epoch, step, length(state) FROM states WHERE run_id = ?", (run_id,)
            ).fetchall()
            index = self._index[run_id] = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
        return index

    def kept(self, run_id: str) -> list[Kept]:
        """The kept states as (epoch, step, bytes), oldest first."""
        return [(epoch, *kept) for epoch, kept in sorted(self._indexed(run_id).items())]

    def get(self, run_id: str, epoch: int) -> tuple[int, bytes] | None:
        """The state kept at ``epoch``: (step, state), or None."""
        row = self.db.execute(
            "SELECT step, state FROM states WHERE run_id = ? AND epoch = ?", (run_id, epoch)
        ).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def copy(self, source: str, target: str, up_to: int) -> None:
        """A fork's past: the source's states up to epoch ``up_to``."""
        self._index.pop(target, None)
        self.db.execute(
            "INSERT INTO states SELECT ?, epoch, step, state FROM states"
            " WHERE run_id = ? AND epoch <= ?",
            (target, source, up_to),
        )
