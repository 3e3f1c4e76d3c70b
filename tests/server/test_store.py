"""The SQLite store on its own: records, paging, bounded histories, interrupted runs."""

from __future__ import annotations

import math
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from server.curves import INSERT, MAX_ROWS
from server.records import RunRecord, hash_token, now
from server.store import Store
from server.storefile import StoreError
from server.storelock import StoreLock


def record(run_id: str, status: str = "running") -> RunRecord:
    return RunRecord(
        id=run_id, name=None, status=status, config="{}", speed=None,
        token_hash=hash_token("t"), created_at=now(),
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "deep" / "runs.db")  # the folder is made


def test_a_long_history_is_thinned_but_keeps_its_ends_and_shape(store: Store) -> None:
    store.insert_run(record("a"))
    total = 25_000  # about three times MAX_ROWS
    for start in range(0, total, 500):
        rows = [
            (e, e * 10, math.exp(-e / 5000), None, 0.5, None) for e in range(start, start + 500)
        ]
        store.append_metrics("a", rows)
    kept = store.metrics("a")
    assert len(kept) <= MAX_ROWS
    epochs = [row[0] for row in kept]
    assert epochs[0] == 0 and epochs[-1] == total - 1 and epochs == sorted(epochs)
    recent = epochs[-MAX_ROWS // 4 :]
    assert recent == list(range(recent[0], total))  # the recent part stays dense
    assert store.get_run("a").epoch == total - 1  # type: ignore[union-attr]


def test_summary_has_the_latest_and_the_best_row(store: Store) -> None:
    store.insert_run(record("a"))
    store.append_metrics("a", [(0, 0, 1.0, 0.9, None, None), (1, 5, 0.5, 0.3, None, None)])
    store.append_metrics("a", [(2, 10, 0.4, 0.6, None, None)])
    summary = store.summary("a")
    assert summary["latest"]["epoch"] == 2 and summary["best"]["epoch"] == 1  # type: ignore[index]


def test_interrupted_on_restart_and_deleted_with_everything(tmp_path: Path) -> None:
    first = Store(tmp_path / "runs.db")
    for run_id, status in (("a", "running"), ("b", "succeeded"), ("c", "paused")):
        first.insert_run(record(run_id, status))
    first.save_checkpoint("a", 3, 30, b"state")
    first.append_metrics("a", [(0, 0, 1.0, 1.0, None, None)])
    first.close()
    second = Store(tmp_path / "runs.db")
    assert second.mark_interrupted() == 2
    assert [second.get_run(i).status for i in "abc"] == ["interrupted", "succeeded", "interrupted"]  # type: ignore[union-attr]
    assert second.checkpoint("a") == (3, 30, b"state")
    assert second.delete_run("a") and second.checkpoint("a") is None and not second.metrics("a")
    assert not second.delete_run("a")


def test_paging_is_newest_first(store: Store) -> None:
    for k in range(7):
        store.insert_run(record(f"r{k}", "succeeded" if k % 2 else "failed"))
    page, cursor = store.list_runs(limit=3)
    assert [r.id for r in page] == ["r6", "r5", "r4"]
    page, cursor = store.list_runs(limit=3, before=cursor)
    assert [r.id for r in page] == ["r3", "r2", "r1"]
    page, cursor = store.list_runs(limit=3, before=cursor)
    assert [r.id for r in page] == ["r0"] and cursor is None
    assert [r.id for r in store.list_runs("succeeded")[0]] == ["r5", "r3", "r1"]


def test_rows_come_back_as_written_with_none_for_missing_values(store: Store) -> None:
    store.insert_run(record("a"))
    rows = [
        (0, 0, 0.75, 0.5, None, None, 0.5, None, 0),
        (1, 50, 0.25, 1 / 3, 0.5, 0.125, 0.25, 1.0, 500),
    ]
    store.append_metrics("a", rows)
    assert store.metrics("a") == rows
    assert store.metrics("a", since_epoch=0) == rows[1:]
    assert [type(v) for v in store.metrics("a")[1][:2]] == [int, int]
    assert type(store.metrics("a")[1][-1]) is int  # forward passes are a count too


def test_a_repeated_epoch_replaces_it_and_what_came_after(store: Store) -> None:
    """A run resumed from an earlier checkpoint writes its epochs again: one timeline."""
    store.insert_run(record("a"))
    store.append_metrics("a", [(e, e, 1.0, 1.0, None, None) for e in range(10)])
    store.flush()
    store.append_metrics("a", [(e, e, 2.0, 2.0, None, None) for e in range(6, 8)])
    assert [row[0] for row in store.metrics("a")] == list(range(8))
    assert [row[2] for row in store.metrics("a")] == [1.0] * 6 + [2.0] * 2
    assert store.get_run("a").epoch == 7  # type: ignore[union-attr]


def test_clearing_after_an_epoch_keeps_the_rows_up_to_it(store: Store) -> None:
    store.insert_run(record("a"))
    for start in range(0, 30, 7):  # chunks that straddle the cut
        store.append_metrics("a", [(e, e, 1.0, 1.0, None, None) for e in range(start, start + 7)])
        store.flush()
    store.clear_metrics("a", after_epoch=17)
    assert [row[0] for row in store.metrics("a")] == list(range(18))
    store.append_metrics("a", [(18, 18, 0.5, 0.5, None, None)])
    assert store.summary("a")["latest"]["epoch"] == 18  # type: ignore[index]
    store.clear_metrics("a")
    assert store.metrics("a") == [] and store.summary("a") == {"latest": None, "best": None}


def test_a_database_from_before_chunks_keeps_its_history(tmp_path: Path) -> None:
    """Older versions stored a row per epoch in a ``metrics`` table: opening moves them."""
    old = Store(tmp_path / "runs.db")
    old.insert_run(record("a"))
    old.insert_run(record("b"))
    columns = "run_id TEXT, epoch INTEGER, step INTEGER, train_loss REAL, test_loss REAL, "
    columns += "train_accuracy REAL, test_accuracy REAL, PRIMARY KEY (run_id, epoch)"
    with old.db:
        old.db.execute(f"CREATE TABLE metrics ({columns}) WITHOUT ROWID")
        old.db.executemany(
            "INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
            [("a", e, e * 5, 1.0 / (e + 1), 0.5, None, None) for e in range(3)]
            + [("b", 0, 0, 0.25, 0.125, 1.0, 0.75)],
        )
    old.close()
    new = Store(tmp_path / "runs.db")
    none = (None, None, None)  # no validation columns then, nor forward passes
    assert new.metrics("a") == [(e, e * 5, 1.0 / (e + 1), 0.5, None, None, *none) for e in range(3)]
    assert new.metrics("b") == [(0, 0, 0.25, 0.125, 1.0, 0.75, *none)]
    tables = {row[0] for row in new.db.execute("SELECT name FROM sqlite_master")}
    assert "metrics" not in tables


def test_chunks_stored_before_the_validation_columns_read_back(tmp_path: Path) -> None:
    """A store written before ``width`` and the validation columns: 6 float64 a row."""
    path = tmp_path / "runs.db"
    old = Store(path)
    old.insert_run(record("a"))
    with old.db:
        old.db.execute("DROP TABLE curves")
        old.db.execute(
            "CREATE TABLE curves (run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
            " first_epoch INTEGER NOT NULL, last_epoch INTEGER NOT NULL, rows BLOB NOT NULL)"
        )
        rows = np.array([[0, 0, 1.0, 0.5, 0.25, np.nan], [1, 10, 0.5, 0.25, 0.5, 0.75]], "<f8")
        old.db.execute("INSERT INTO curves VALUES ('a', 0, 1, ?)", (rows.tobytes(),))
    old.close()
    new = Store(path)
    written = [
        (0, 0, 1.0, 0.5, 0.25, None, None, None, None),
        (1, 10, 0.5, 0.25, 0.5, 0.75, None, None, None),
    ]
    assert new.metrics("a") == written
    new.append_metrics("a", [(2, 20, 0.25, 0.125, 0.75, 1.0, 0.375, 0.5, 30)])
    new.flush()
    assert new.metrics("a") == [*written, (2, 20, 0.25, 0.125, 0.75, 1.0, 0.375, 0.5, 30)]
    assert new.metrics("a", max_points=2)[-1][-3:] == (0.375, 0.5, 30)
    new.clear_metrics("a", after_epoch=1)  # rewritten as one chunk of today's width
    assert new.metrics("a") == written


def test_chunks_stored_before_forward_passes_read_back_without_them(store: Store) -> None:
    """Rows written 8 wide (before the ``forward_passes`` column) beside today's 9."""
    store.insert_run(record("a"))
    old = np.array([[0, 0, 1.0, 0.5, 0.25, 0.75, 0.5, 0.5]], "<f8")
    with store.db:
        store.db.execute(INSERT, ("a", 0, 0, old.tobytes(), 8))
    store.append_metrics("a", [(1, 10, 0.5, 0.25, 0.5, 0.75, 0.375, 0.5, 250)])
    store.flush()
    assert store.metrics("a") == [
        (0, 0, 1.0, 0.5, 0.25, 0.75, 0.5, 0.5, None),
        (1, 10, 0.5, 0.25, 0.5, 0.75, 0.375, 0.5, 250),
    ]
    assert store.summary("a")["latest"]["forward_passes"] == 250  # type: ignore[index]


def test_histories_that_fill_together_are_thinned_a_few_per_flush(store: Store) -> None:
    for k in range(5):
        store.insert_run(record(f"r{k}"))
        store.append_metrics(f"r{k}", [(e, e, 1.0, 1.0, None, None) for e in range(MAX_ROWS + 9)])
    store.flush()
    sizes = [len(store.curves.table(f"r{k}")) for k in range(5)]  # as stored, no flush
    assert 1 <= sum(size <= MAX_ROWS for size in sizes) < 5  # some now, the rest later
    for _ in range(5):
        store.flush()  # no new rows: the sweep's flushes go on thinning
    assert all(len(store.curves.table(f"r{k}")) <= MAX_ROWS for k in range(5))


def test_checkpoints_wait_for_the_flush_and_the_newest_wins(store: Store) -> None:
    store.insert_run(record("a"))
    store.save_checkpoint("a", 1, 10, b"one")
    store.save_checkpoint("a", 2, 20, b"two")
    stored = store.db.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    assert stored == 0  # queued: one transaction per flush for every run
    assert store.checkpoint("a") == (2, 20, b"two")  # a read flushes first


def test_a_failed_write_keeps_the_rows_and_checkpoints_for_the_next_flush(store: Store) -> None:
    store.insert_run(record("a"))
    store.append_metrics("a", [(0, 0, 1.0, 1.0, None, None)])
    store.flush()
    store.append_metrics("a", [(1, 5, 0.5, 0.5, None, None)])
    store.save_checkpoint("a", 1, 5, b"state")
    fail = "CREATE TEMP TRIGGER fail BEFORE INSERT ON curves BEGIN SELECT RAISE(ABORT, 'full'); END"
    store.db.execute(fail)
    with pytest.raises(sqlite3.IntegrityError):
        store.flush()
    assert store.metrics("a") == [(0, 0, 1.0, 1.0, *[None] * 5)]  # reads go on, no error
    store.append_metrics("a", [(2, 10, 0.25, 0.25, None, None)])  # more arrive meanwhile
    store.db.execute("DROP TRIGGER fail")
    assert [row[0] for row in store.metrics("a")] == [0, 1, 2]
    assert store.checkpoint("a") == (1, 5, b"state")


def test_a_flush_is_one_transaction_all_or_nothing(store: Store) -> None:
    """The store's connection is in autocommit mode, where ``with connection:`` began no
    transaction: every row committed alone, and a flush failing at its last statement had
    written the rest. Now nothing of a failed flush is written, and the next writes it all."""
    store.insert_run(record("a"))
    store.append_metrics("a", [(0, 0, 1.0, 1.0, None, None)])
    store.save_checkpoint("a", 0, 0, b"state")
    overflow = "SELECT abs(-9223372036854775808)"  # an OperationalError, as a full disk's
    fail = f"CREATE TEMP TRIGGER fail BEFORE INSERT ON states BEGIN {overflow}; END"
    store.db.execute(fail)  # at the flush's last statement
    with pytest.raises(sqlite3.OperationalError):
        store.flush()
    assert store.db.execute("SELECT count(*) FROM curves").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM checkpoints").fetchone()[0] == 0
    assert store.db.execute("SELECT epoch FROM runs WHERE id = 'a'").fetchone()[0] == 0
    store.db.execute("DROP TRIGGER fail")
    store.flush()
    assert store.metrics("a") == [(0, 0, 1.0, 1.0, *[None] * 5)]
    assert store.checkpoint("a") == (0, 0, b"state") and store.kept_states("a") == [(0, 0, 5)]


def test_a_run_deleted_elsewhere_does_not_stop_the_others_being_written(tmp_path: Path) -> None:
    """Two connections on one file: one deletes a run the other has rows queued for."""
    mine, other = Store(tmp_path / "runs.db"), Store(tmp_path / "runs.db")
    mine.insert_run(record("gone"))
    mine.insert_run(record("kept"))
    mine.append_metrics("gone", [(0, 0, 1.0, 1.0, None, None)])
    mine.save_checkpoint("gone", 0, 0, b"gone")
    mine.append_metrics("kept", [(0, 0, 0.5, 0.5, None, None)])
    mine.save_checkpoint("kept", 0, 0, b"kept")
    assert other.delete_run("gone")
    mine.flush()  # no error: the deleted run's queue is dropped, the other's written
    assert other.metrics("kept") == [(0, 0, 0.5, 0.5, *[None] * 5)]
    assert other.checkpoint("kept") == (0, 0, b"kept")
    mine.append_metrics("kept", [(1, 5, 0.25, 0.25, None, None)])
    mine.flush()  # and the flushes after it go on
    assert [row[0] for row in other.metrics("kept")] == [0, 1]
    assert not mine.curves.dirty and not mine.queue.checkpoints


def test_one_server_per_store(tmp_path: Path) -> None:
    first, second = StoreLock(str(tmp_path / "runs.db")), StoreLock(str(tmp_path / "runs.db"))
    first.acquire()
    first.acquire()  # again: nothing to do
    with pytest.raises(StoreError, match=rf"another server \(pid {os.getpid()}\)"):
        second.acquire()
    first.release()
    second.acquire()
    second.release()
    StoreLock(":memory:").acquire()  # nothing to share


def read_only_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every database as SQLite does a file its user may not write (tests may run as
    root, whom file modes do not stop)."""
    connect = sqlite3.connect

    def read_only(path: str, **kwargs: Any) -> sqlite3.Connection:
        return connect(f"file:{path}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)


def test_a_read_only_store_is_refused_at_open_but_can_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = Store(tmp_path / "runs.db")
    written.insert_run(record("a", "succeeded"))
    written.close()
    read_only_connect(monkeypatch)
    with pytest.raises(StoreError, match="readonly"):
        Store(tmp_path / "runs.db")
    assert Store(tmp_path / "runs.db", read_only=True).get_run("a") is not None
