"""What the stores keep of a run, and the ids and tokens that name and guard runs, classes
and sweeps: plain values, shared by the stores (``server.store``) and the managers."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(nbytes: int = 12) -> str:
    """A random URL-safe id that never starts with "-" or "_": one starting with "-" was read
    as an option by the command line (``nnplayground export -x…`` said the id was missing)."""
    while (drawn := secrets.token_urlsafe(nbytes))[0] in "-_":
        pass
    return drawn


def new_run_id() -> str:
    return new_id(12)


def new_token() -> tuple[str, str]:
    """A control token and the hash kept of it (the token itself is shown once, never kept)."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def token_matches(token: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), token_hash)


@dataclass
class RunRecord:
    id: str
    name: str | None
    status: str
    config: str  # the ExperimentConfig as JSON
    speed: float | None
    token_hash: str
    share_code: str | None = None  # kept, so that a resumed run's watch links still work
    epoch: int = 0
    step: int = 0
    error: str | None = None
    error_code: str | None = None  # JSON: the error's code and parameters
    stop_reason: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    sweep_id: str | None = None  # a sweep's trial (``server.sweeps``)
    parent: str | None = None  # a fork's: the run it was forked from, …
    fork_epoch: int | None = None  # … and the epoch it was forked at


RECORD_FIELDS = tuple(f.name for f in fields(RunRecord))
TIMES = ("created_at", "started_at", "ended_at")


def as_sql(values: Iterable[Any]) -> list[Any]:
    """Values as stored: times as ISO 8601 text."""
    return [v.isoformat() if isinstance(v, datetime) else v for v in values]


def record_from_row(row: sqlite3.Row) -> RunRecord:
    values = {name: row[name] for name in RECORD_FIELDS}
    for name in TIMES:
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    return RunRecord(**values)


def config_json(config: Any) -> str:
    return json.dumps(config.model_dump(mode="json"), separators=(",", ":"))
