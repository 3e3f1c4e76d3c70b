"""The store's SQLite file: opening it (its schema, its older forms brought up to date), the
check that it takes writes, and the rule that one thread owns it."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    speed REAL,
    token_hash TEXT NOT NULL,
    share_code TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    step INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    error_code TEXT,
    stop_reason TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    parent TEXT,
    fork_epoch INTEGER
);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status);
CREATE INDEX IF NOT EXISTS runs_by_token ON runs (token_hash);
CREATE TABLE IF NOT EXISTS checkpoints (
    run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state BLOB NOT NULL,
    saved_at TEXT NOT NULL
);
"""


_P = ParamSpec("_P")
_T = TypeVar("_T")


def owned(method: Callable[_P, _T]) -> Callable[_P, _T]:
    """A store method that only its owner thread may call, once it has one (``bind``)."""

    @functools.wraps(method)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        owner = getattr(args[0], "owner", None)
        if owner is not None and threading.get_ident() != owner:
            name = method.__name__
            raise RuntimeError(f"the store belongs to one thread; {name} came from another")
        return method(*args, **kwargs)

    return guarded


class StoreError(Exception):
    """The store cannot be opened: the message says where, and why."""


def check_writable(db: sqlite3.Connection) -> None:
    """Write the header's user_version (as it is) and roll back: SQLite opens a file it
    may not write read-only, without a word, and fails at the first write."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        db.execute("ROLLBACK")


def open_database(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never torn
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    db.executescript(SCHEMA)
    columns = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
    if "share_code" not in columns:  # a store from before share codes were kept
        db.execute("ALTER TABLE runs ADD COLUMN share_code TEXT")
    if "sweep_id" not in columns:  # … and from before sweeps
        db.execute("ALTER TABLE runs ADD COLUMN sweep_id TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS runs_by_sweep ON runs (sweep_id)")
    if "error_code" not in columns:  # … or before errors were coded
        db.execute("ALTER TABLE runs ADD COLUMN error_code TEXT")
    if "parent" not in columns:  # … or before forks
        db.execute("ALTER TABLE runs ADD COLUMN parent TEXT")
        db.execute("ALTER TABLE runs ADD COLUMN fork_epoch INTEGER")
    return db
