"""Persistence: runs, their metrics history, latest checkpoint and kept states, in SQLite (WAL).

The embedded default: one file at a path from settings, nothing to install. Every write is
one transaction. A run's history lives in ``server.curves``, packed and bounded.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.config import ExperimentConfig
from engine.model import Model
from engine.snapshot import from_bytes
from server.curves import Curves, Row, as_rows, downsample
from server.records import (
    RECORD_FIELDS,
    RunRecord,
    as_sql,
    now,
    record_from_row,
)
from server.schemas import LIVE_STATUSES
from server.states import BUDGET, Kept, States
from server.storefile import StoreError, check_writable, open_database, owned
from server.storequeue import WriteQueue
from server.transaction import transaction

log = logging.getLogger(__name__)


class Store:
    def __init__(
        self, path: str | Path, *, read_only: bool = False, state_budget: int = BUDGET
    ) -> None:
        """Open (or make) the store. Unless ``read_only``, it must take writes: a database
        that cannot (a read-only file) is a StoreError now, not a failure later.
        ``state_budget``: the bytes of kept states per run (``server.states``)."""
        self.path = str(path)
        try:
            self.db = open_database(self.path)
            self.curves = Curves(self.db)
            self.states = States(self.db, state_budget)
            if not read_only:
                check_writable(self.db)
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise StoreError(
                f"cannot open the run store at {self.path} (set NNPG_DATABASE or --db): {reason}"
            ) from error
        self.queue = WriteQueue(self.db, self.curves, self.states)
        self.owner: int | None = None

    def bind(self) -> None:
        """From now on only the calling thread may use the store (a server's event loop):
        a write from anywhere else is a bug that fails loudly, not a race that corrupts."""
        self.owner = threading.get_ident()

    @owned
    def close(self) -> None:
        self.flush()
        self.db.close()

    def _write(self, sql: str, params: Sequence[Any]) -> int:
        with transaction(self.db):  # one transaction: all or nothing
            return self.db.execute(sql, params).rowcount

    # -- runs -------------------------------------------------------------------------

    @owned
    def insert_run(self, record: RunRecord) -> None:
        values = as_sql([getattr(record, name) for name in RECORD_FIELDS])
        marks = ", ".join("?" * len(RECORD_FIELDS))
        self._write(f"INSERT INTO runs ({', '.join(RECORD_FIELDS)}) VALUES ({marks})", values)

    @owned
    def update_run(self, run_id: str, **changes: Any) -> None:
        unknown = set(changes) - set(RECORD_FIELDS)
        assert not unknown, unknown
        values = as_sql(changes.values())
        sets = ", ".join(f"{name} = ?" for name in changes)
        self._write(f"UPDATE runs SET {sets} WHERE id = ?", [*values, run_id])

    @owned
    def get_run(self, run_id: str) -> RunRecord | None:
        self._catch_up()
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return record_from_row(row) if row else None

    @owned
    def list_runs(
        self,
        status: str | None = None,
        limit: int = 50,
        before: int | None = None,
        token_hashes: Sequence[str] | None = None,
    ) -> tuple[list[RunRecord], int | None]:
        """Newest first; ``before`` is the cursor the previous page returned. With
        ``token_hashes``, only the runs those tokens control (None: every run)."""
        self._catch_up()
        where: list[str] = ["1"]
        params: list[Any] = []
        if token_hashes is not None:
            where.append(f"token_hash IN ({', '.join('?' * len(token_hashes)) or 'NULL'})")
            params.extend(token_hashes)
        if status:
            where.append("status = ?")
            params.append(status)
        if before is not None:
            where.append("rowid < ?")
            params.append(before)
        rows = self.db.execute(
            f"SELECT rowid, * FROM runs WHERE {' AND '.join(where)} ORDER BY rowid DESC LIMIT ?",
            [*params, limit + 1],
        ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return [record_from_row(row) for row in rows], (rows[-1]["rowid"] if more else None)

    @owned
    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM runs").fetchone()[0])

    @owned
    def delete_run(self, run_id: str) -> bool:
        self.flush()
        self.queue.forget(run_id)
        return self._write("DELETE FROM runs WHERE id = ?", (run_id,)) > 0

    @owned
    def mark_interrupted(self) -> int:
        """At startup: runs that were live when the server stopped are ``interrupted``."""
        marks = ", ".join("?" * len(LIVE_STATUSES))
        return self._write(
            f"UPDATE runs SET status = 'interrupted', ended_at = ? WHERE status IN ({marks})",
            [now().isoformat(), *LIVE_STATUSES],
        )

    # -- metrics ----------------------------------------------------------------------

    @owned
    def append_metrics(self, run_id: str, rows: Sequence[Row]) -> None:
        """Queue history rows (one per epoch; a repeated epoch replaces the old row and those
        after it). They are written by the next ``flush``: one transaction for every run's rows.
        Reads flush first."""
        self.curves.append(run_id, rows)

    @owned
    def flush(self) -> None:
        """Write what is queued, one transaction for every run (``WriteQueue.flush``)."""
        self.queue.flush()

    def _catch_up(self) -> None:
        """Before a read: write what is queued. If that fails (a full disk, say), the rows stay
        queued for the next flush and the read goes on with what is stored."""
        try:
            self.flush()
        except sqlite3.Error:
            log.warning("could not write the queue; reading what is stored", exc_info=True)

    @owned
    def clear_metrics(self, run_id: str, after_epoch: int = -1) -> None:
        """Forget the rows after ``after_epoch`` (all of them by default)."""
        self.flush()
        with transaction(self.db):
            self.curves.clear(run_id, after_epoch)

    @owned
    def metrics(
        self, run_id: str, since_epoch: int | None = None, max_points: int | None = None
    ) -> list[Row]:
        """History rows after ``since_epoch`` (all when None), oldest first, in ``COLUMNS``
        order, None for a missing value; at most ``max_points`` of them, evenly spread."""
        self._catch_up()
        table = self.curves.table(run_id, -1 if since_epoch is None else since_epoch)
        return as_rows(downsample(table, max_points))

    @owned
    def summary(self, run_id: str) -> dict[str, dict[str, Any] | None]:
        """The latest row and the row with the lowest test loss."""
        self._catch_up()
        return self.curves.summary(run_id)

    # -- checkpoints ------------------------------------------------------------------

    @owned
    def save_checkpoint(
        self, run_id: str, epoch: int, step: int, state: bytes, keep: bool = True
    ) -> None:
        """Queue the run's latest state (replacing an unwritten older one): the next ``flush``
        writes it with everything else. A hundred runs checkpointing every few seconds cost
        one transaction, not a hundred stalls of the event loop."""
        self.queue.add_checkpoint(run_id, epoch, step, state, keep)

    @owned
    def copy_past(self, source: str, target: str, epoch: int) -> None:
        """A fork's past: the source run's history rows and kept states up to ``epoch``."""
        rows = [row for row in self.metrics(source) if int(row[0] or 0) <= epoch]
        self.curves.append(target, rows)
        with transaction(self.db):
            self.states.copy(source, target, epoch)

    @owned
    def kept_states(self, run_id: str) -> list[Kept]:
        """The run's kept states as (epoch, step, bytes), oldest first."""
        self._catch_up()
        return self.states.kept(run_id)

    @owned
    def kept_state(self, run_id: str, epoch: int) -> tuple[int, bytes] | None:
        """The state kept at ``epoch``: (step, state), or None."""
        self._catch_up()
        return self.states.get(run_id, epoch)

    @owned
    def model(self, run_id: str, config: ExperimentConfig | None = None) -> Model | None:
        """The run's last checkpointed weights as a model (None before the first checkpoint);
        ``config`` saves reading it back when the caller has it."""
        saved = self.checkpoint(run_id)
        if config is None:
            record = self.get_run(run_id)
            config = ExperimentConfig.from_stored(record.config) if record else None
        if saved is None or config is None:
            return None
        return model_from(config, saved)

    @owned
    def checkpoint(self, run_id: str) -> tuple[int, int, bytes] | None:
        self._catch_up()
        row = self.db.execute(
            "SELECT epoch, step, state FROM checkpoints WHERE run_id = ?", (run_id,)
        ).fetchone()
        return (row["epoch"], row["step"], bytes(row["state"])) if row else None


class StoreTables:
    """Another resource's tables in the store's database (same file, same owner thread)."""

    SCHEMA = ""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.db.executescript(self.SCHEMA)

    @property
    def owner(self) -> int | None:  # ``owned`` checks the calling thread against it
        return self.store.owner

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db


def model_from(config: ExperimentConfig, saved: tuple[int, int, bytes]) -> Model:
    """A model from a checkpoint (epoch, step, state), as ``Store.checkpoint`` gives it."""
    return Model.build(config, from_bytes(saved[2])["params"], saved[0], saved[1])
