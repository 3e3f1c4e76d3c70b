"""One SQLite transaction, all or nothing.

The store's connections are in autocommit mode (``isolation_level=None``: no statement opens a
transaction behind the code's back), where ``with connection:`` begins nothing: each
statement, and each row of an ``executemany``, would commit on its own — a flush of a hundred
runs was thousands of commits, and a failure half-way left half of it written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any exception (re-raised). Inside another
    transaction it is part of that one."""
    if db.in_transaction:
        yield db
        return
    db.execute("BEGIN IMMEDIATE")  # the write lock now: no deadlock upgrading a read later
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite may have rolled back already (a full disk, say)
            db.execute("ROLLBACK")
        raise
