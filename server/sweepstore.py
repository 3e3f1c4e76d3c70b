"""Sweeps and their trials in the run store's database (same file, same owner thread).

Each trial is a run (``runs``, with its ``sweep_id``): its metrics, checkpoints and model
are a run's. ``trials`` adds what the sweep knows of it: its place in the space, the values
it was given, how often the worker training it died, and its final metrics row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.records import RECORD_FIELDS, RunRecord, as_sql, now
from server.schemas import LIVE_STATUSES
from server.store import StoreTables
from server.storefile import owned
from server.transaction import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    name TEXT,
    status TEXT NOT NULL,
    spec TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    executor TEXT NOT NULL,
    metric TEXT NOT NULL,
    total INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE TABLE IF NOT EXISTS trials (
    run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    sweep_id TEXT NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    params TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    result TEXT
);
CREATE INDEX IF NOT EXISTS trials_by_sweep ON trials (sweep_id, position);
"""


@dataclass
class SweepRecord:
    id: str
    name: str | None
    status: str
    spec: str  # the body it was created with, as JSON
    token_hash: str
    executor: str
    metric: str
    total: int
    created_at: datetime
    ended_at: datetime | None = None


@dataclass
class TrialRow:
    run_id: str
    position: int
    params: dict[str, Any]
    attempts: int
    result: dict[str, Any] | None
    status: str
    epoch: int
    error: str | None


SWEEP_FIELDS: tuple[str, ...] = (
    *("id", "name", "status", "spec", "token_hash", "executor", "metric", "total"),
    *("created_at", "ended_at"),
)


class SweepStore(StoreTables):
    """Reads and writes sweeps through a ``Store``'s connection."""

    SCHEMA = SCHEMA

    @owned
    def insert(self, sweep: SweepRecord, runs: Sequence[RunRecord], params: list[str]) -> None:
        """The sweep, each trial's run and its place: one transaction."""
        sweep_values = as_sql(getattr(sweep, name) for name in SWEEP_FIELDS)
        run_values = [as_sql(getattr(run, name) for name in RECORD_FIELDS) for run in runs]
        with transaction(self.db):
            self.db.execute(
                f"INSERT INTO sweeps VALUES ({', '.join('?' * len(SWEEP_FIELDS))})", sweep_values
            )
            marks = ", ".join("?" * len(RECORD_FIELDS))
            self.db.executemany(
                f"INSERT INTO runs ({', '.join(RECORD_FIELDS)}) VALUES ({marks})", run_values
            )
            self.db.executemany(
                "INSERT INTO trials (run_id, sweep_id, position, params) VALUES (?, ?, ?, ?)",
                [
                    (run.id, sweep.id, k, text)
                    for k, (run, text) in enumerate(zip(runs, params, strict=True))
                ],
            )

    @owned
    def get(self, sweep_id: str) -> SweepRecord | None:
        row = self.db.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
        if row is None:
            return None
        values = {name: row[name] for name in SWEEP_FIELDS}
        values["created_at"] = datetime.fromisoformat(values["created_at"])
        values["ended_at"] = datetime.fromisoformat(values["ended_at"]) if row["ended_at"] else None
        return SweepRecord(**values)

    @owned
    def set_status(self, sweep_id: str, status: str, ended: bool) -> None:
        ended_at = now().isoformat() if ended else None
        with transaction(self.db):
            self.db.execute(
                "UPDATE sweeps SET status = ?, ended_at = ? WHERE id = ?",
                (status, ended_at, sweep_id),
            )

    @owned
    def trials(self, sweep_id: str) -> list[TrialRow]:
        """The sweep's trials in order, with their runs' status, epoch and error."""
        self.store.flush()
        rows = self.db.execute(
            "SELECT t.run_id, t.position, t.params, t.attempts, t.result, r.status, r.epoch, "
            "r.error FROM trials t JOIN runs r ON r.id = t.run_id WHERE t.sweep_id = ? "
            "ORDER BY t.position",
            (sweep_id,),
        ).fetchall()
        return [
            TrialRow(
                row["run_id"],
                row["position"],
                json.loads(row["params"]),
                row["attempts"],
                json.loads(row["result"]) if row["result"] else None,
                row["status"],
                row["epoch"],
                row["error"],
            )
            for row in rows
        ]

    @owned
    def set_result(self, run_id: str, result: dict[str, Any] | None) -> None:
        with transaction(self.db):
            text = json.dumps(result) if result is not None else None
            self.db.execute("UPDATE trials SET result = ? WHERE run_id = ?", (text, run_id))

    @owned
    def add_attempt(self, run_id: str) -> int:
        """One more death of the worker training it; returns how many so far."""
        with transaction(self.db):
            self.db.execute("UPDATE trials SET attempts = attempts + 1 WHERE run_id = ?", (run_id,))
        row = self.db.execute("SELECT attempts FROM trials WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0]) if row else 0

    @owned
    def set_runs(self, ids: Sequence[str], **changes: Any) -> None:
        """The same change to many trials' runs, one transaction."""
        sets = ", ".join(f"{name} = ?" for name in changes)
        values = as_sql(changes.values())
        with transaction(self.db):
            self.db.executemany(
                f"UPDATE runs SET {sets} WHERE id = ?", [(*values, run_id) for run_id in ids]
            )

    @owned
    def mark_interrupted(self) -> list[str]:
        """At startup: sweeps that were running are ``interrupted`` (their live trials were
        marked with the runs); returns their ids."""
        ids = [row[0] for row in self.db.execute("SELECT id FROM sweeps WHERE status = 'running'")]
        for sweep_id in ids:
            self.set_status(sweep_id, "interrupted", ended=True)
        return ids

    @owned
    def unfinished(self, sweep_id: str) -> list[str]:
        """The trials still to train (live or interrupted), in order."""
        marks = ", ".join("?" * (len(LIVE_STATUSES) + 1))
        rows = self.db.execute(
            "SELECT t.run_id FROM trials t JOIN runs r ON r.id = t.run_id "
            f"WHERE t.sweep_id = ? AND r.status IN ({marks}) ORDER BY t.position",
            (sweep_id, *LIVE_STATUSES, "interrupted"),
        ).fetchall()
        return [row[0] for row in rows]
