"""The SQLite store on its own: records, paging, bounded histories, interrupted runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from server.store import MAX_ROWS, RunRecord, Store, hash_token, now


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
    epochs = [row["epoch"] for row in kept]
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
