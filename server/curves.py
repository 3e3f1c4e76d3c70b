"""The stored metrics history: each run's rows, kept as packed chunks in SQLite.

A live run adds a row an epoch; a hundred runs add thousands a second. One SQLite row per
epoch cost ~12 µs each (B-tree inserts scattered over a hundred runs' pages), a real share
of the server's CPU; so each flush writes one chunk per run (~3 µs a row): its new rows as
little-endian float64, ``len(COLUMNS)`` per row, NaN for a missing value (SQLite's NULL).
Each chunk records its row ``width``: columns are only ever added at the end, so a chunk
written with fewer (6 before the validation columns, 8 before ``forward_passes``) reads back
with the rest missing.
Chunks are ~600-byte rows of a rowid table: cheaper to append than WITHOUT ROWID rows.
Reads decode the chunks; a history stays bounded by thinning its older half.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from engine.history import COLUMNS, row_of
from server.transaction import transaction

MAX_ROWS = 8192
INSERT = "INSERT INTO curves (run_id, first_epoch, last_epoch, rows, width) VALUES (?, ?, ?, ?, ?)"
THIN_PER_FLUSH = 2  # thinning rewrites a run's whole history: a few per flush, not all at once
WIDTH = len(COLUMNS)
OLD_WIDTH = 6  # epoch … test_accuracy: the chunks stored before ``width`` was
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS curves (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    first_epoch INTEGER NOT NULL,
    last_epoch INTEGER NOT NULL,
    rows BLOB NOT NULL,
    width INTEGER NOT NULL DEFAULT {OLD_WIDTH}
);
CREATE UNIQUE INDEX IF NOT EXISTS curves_by_run ON curves (run_id, first_epoch);
"""
Row = tuple[float | int | None, ...]  # one history row, in ``COLUMNS`` order


def _epoch(row: Row) -> int:
    return int(row[0] or 0)


def pack(rows: Sequence[Row] | np.ndarray) -> bytes:
    """Rows as stored: an infinity is stored as missing, like None (a CSV or a JSON read of
    the history never carries one)."""
    if isinstance(rows, np.ndarray):
        table = np.array(rows, dtype="<f8")
    else:  # a row may be shorter (one from before the last columns): the rest are missing
        table = np.array([tuple(row) + (None,) * (WIDTH - len(row)) for row in rows], "<f8")
    table = table.reshape(-1, WIDTH)
    table[np.isinf(table)] = np.nan
    return table.tobytes()


def pack_old(row: Row) -> bytes:
    """One row of the old ``metrics`` table, ``OLD_WIDTH`` wide (None: NaN)."""
    return np.array(row, dtype="<f8").tobytes()


def unpack(chunks: Iterable[tuple[bytes, int]]) -> np.ndarray:
    """Chunks (blob, its row width) as one table of ``WIDTH`` columns, NaN where a narrower
    chunk had none."""
    parts = []
    for blob, width in chunks:
        part = np.frombuffer(blob, dtype="<f8").reshape(-1, width)
        if width < WIDTH:
            part = np.pad(part, ((0, 0), (0, WIDTH - width)), constant_values=np.nan)
        parts.append(part[:, :WIDTH])
    return np.concatenate(parts) if parts else np.empty((0, WIDTH))


def as_rows(table: np.ndarray) -> list[Row]:
    """Rows as Python tuples: the counts (epoch, step, forward passes) as ints, None for a
    missing value."""
    return [row_of(row) for row in table.tolist()]


def downsample(table: np.ndarray, max_points: int | None) -> np.ndarray:
    """At most ``max_points`` rows, evenly spread, the first and the last kept."""
    if max_points is None or len(table) <= max_points:
        return table
    step = (len(table) - 1) / (max_points - 1)
    return table[np.round(np.arange(max_points) * step).astype(np.intp)]


def thinned(table: np.ndarray) -> np.ndarray:
    """Every other row of the older half dropped (its first row kept), the rest intact."""
    half = len(table) // 2
    return np.concatenate([table[:half:2], table[half:]])


class Curves:
    """The ``curves`` table: append (queued, written by ``flush``), read, clear, summarise."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(SCHEMA)
        self._pending: dict[str, list[Row]] = {}  # rows not written yet
        self._counts: dict[str, int] = {}  # rows stored per run (those seen since opening)
        self._last: dict[str, int] = {}  # the last stored epoch per run (ditto)
        self._overfull: dict[str, None] = {}  # runs past MAX_ROWS, oldest first
        self._migrate()

    def append(self, run_id: str, rows: Sequence[Row]) -> None:
        if rows:
            self._pending.setdefault(run_id, []).extend(rows)

    def flush(self) -> dict[str, Row]:
        """Write the queued rows, one chunk per run, in the caller's transaction, which then
        calls ``committed`` or ``rolled_back``. A row whose epoch is stored already replaces
        it and what came after (a run resumed from an earlier checkpoint). Returns each
        written run's last row."""
        return self._write(self._pending)

    def committed(self) -> None:
        self._pending = {}

    def queued(self) -> list[str]:
        """The runs with rows waiting."""
        return list(self._pending)

    def flush_one(self, run_id: str) -> dict[str, Row]:
        """``flush`` for one run's rows only (then ``committed_one`` or ``rolled_back``)."""
        rows = self._pending.get(run_id)
        return self._write({run_id: rows}, thin=False) if rows else {}

    def committed_one(self, run_id: str) -> None:
        self._pending.pop(run_id, None)

    def rolled_back(self) -> None:
        """The rows stay queued; what is known of the stored ones is read again."""
        self._counts.clear()
        self._last.clear()

    def _write(self, pending: dict[str, list[Row]], thin: bool = True) -> dict[str, Row]:
        spans = {run_id: (_epoch(rows[0]), _epoch(rows[-1])) for run_id, rows in pending.items()}
        for run_id, (first, _) in spans.items():
            if first <= self._last_epoch(run_id):
                self.clear(run_id, first - 1)
        self.db.executemany(
            INSERT,
            [(run_id, *spans[run_id], pack(rows), WIDTH) for run_id, rows in pending.items()],
        )
        for run_id, rows in pending.items():
            self._last[run_id] = spans[run_id][1]
            self._count(run_id, len(rows))
        for run_id in list(self._overfull)[:THIN_PER_FLUSH] if thin else []:
            self._thin(run_id)
        return {run_id: rows[-1] for run_id, rows in pending.items()}

    @property
    def dirty(self) -> bool:
        """Rows wait to be written, or histories to be thinned."""
        return bool(self._pending or self._overfull)

    def _last_epoch(self, run_id: str) -> int:
        if run_id not in self._last:
            query = "SELECT max(last_epoch) FROM curves WHERE run_id = ?"
            found = self.db.execute(query, (run_id,)).fetchone()[0]
            self._last[run_id] = -1 if found is None else int(found)
        return self._last[run_id]

    def _count(self, run_id: str, added: int) -> None:
        """Counts are kept, not queried per write. Runs past MAX_ROWS are thinned a few per
        flush: runs that started together fill up together, and a flush that rewrote all
        their histories at once would hold the event loop for a second."""
        count = self._counts.get(run_id)
        self._counts[run_id] = len(self.table(run_id)) if count is None else count + added
        if self._counts[run_id] > MAX_ROWS:
            self._overfull[run_id] = None

    def _thin(self, run_id: str) -> None:
        """Thin the run's history to at most MAX_ROWS and rewrite it as one chunk."""
        table = self.table(run_id)
        while len(table) > MAX_ROWS:
            table = thinned(table)
        self._rewrite(run_id, table)
        self._counts[run_id] = len(table)
        self._overfull.pop(run_id, None)

    def _rewrite(self, run_id: str, table: np.ndarray) -> None:
        self.db.execute("DELETE FROM curves WHERE run_id = ?", (run_id,))
        if len(table):
            first, last = int(table[0, 0]), int(table[-1, 0])
            self.db.execute(INSERT, (run_id, first, last, pack(table), WIDTH))

    def table(self, run_id: str, since_epoch: int = -1) -> np.ndarray:
        """The stored rows after ``since_epoch``, oldest first, as an array (NaN: missing)."""
        chunks = self.db.execute(
            "SELECT rows, width FROM curves WHERE run_id = ? AND last_epoch > ?"
            " ORDER BY first_epoch",
            (run_id, since_epoch),
        ).fetchall()
        table = unpack((bytes(blob), int(width)) for blob, width in chunks)
        return table[table[:, 0] > since_epoch]

    def clear(self, run_id: str, after_epoch: int = -1) -> None:
        """Forget the stored rows after ``after_epoch`` (all of them by default)."""
        kept = self.table(run_id)
        kept = kept[kept[:, 0] <= after_epoch]
        self._rewrite(run_id, kept)
        self._counts[run_id] = len(kept)
        self._overfull.pop(run_id, None)
        self._last[run_id] = int(kept[-1, 0]) if len(kept) else -1

    def forget(self, run_id: str) -> None:
        """The run is deleted: drop what is known of it."""
        for known in (self._pending, self._counts, self._last, self._overfull):
            known.pop(run_id, None)

    def summary(self, run_id: str) -> dict[str, dict[str, Any] | None]:
        """The latest row and the row with the lowest test loss (the earliest of equals)."""
        table = self.table(run_id)
        if not len(table):
            return {"latest": None, "best": None}
        latest = as_rows(table[-1:])[0]
        losses = table[:, COLUMNS.index("test_loss")]
        best = None
        if not np.isnan(losses).all():
            best = dict(zip(COLUMNS, as_rows(table[[int(np.nanargmin(losses))]])[0], strict=True))
        return {"latest": dict(zip(COLUMNS, latest, strict=True)), "best": best}

    def _migrate(self) -> None:
        """A ``curves`` table from before ``width`` gains it (its chunks are ``OLD_WIDTH``
        wide). A database from before chunks had a ``metrics`` table, a row per epoch: its
        rows move into chunks, once."""
        names = {row[1] for row in self.db.execute("PRAGMA table_info(curves)")}
        if "width" not in names:
            with transaction(self.db):
                self.db.execute(
                    f"ALTER TABLE curves ADD COLUMN width INTEGER NOT NULL DEFAULT {OLD_WIDTH}"
                )
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metrics'"
        if self.db.execute(found).fetchone() is None:
            return
        rows = self.db.execute(
            f"SELECT run_id, {', '.join(COLUMNS[:OLD_WIDTH])} FROM metrics ORDER BY run_id, epoch"
        ).fetchall()
        with transaction(self.db):
            for run_id, group in itertools.groupby(rows, key=lambda row: row[0]):
                old = [(pack_old(tuple(row)[1:]), OLD_WIDTH) for row in group]
                self._rewrite(run_id, unpack(old))
            self.db.execute("DROP TABLE metrics")
