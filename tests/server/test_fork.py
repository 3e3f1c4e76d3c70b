"""Time travel: kept states (thinned with age, within a byte budget), the network at a kept
epoch, and forks from one that continue exactly as the original did."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.snapshot import capture, from_bytes, restore, to_bytes
from engine.trainer import Trainer
from server.app import create_app
from server.records import RunRecord, new_token, now
from server.settings import Settings
from server.states import DENSE, thinned, within
from server.store import Store
from tests.server.test_live import wait_for

PACED = {"seed": 7, "training": {"max_epochs": 160, "optimizer": "adam"}}
ENDED = ("succeeded", "failed", "diverged")


def test_thinning_keeps_the_newest_dense_and_the_oldest_sparse() -> None:
    kept = thinned(list(range(1000)))
    assert kept[0] == 0 and kept[-1] == 999
    assert kept[-DENSE:] == list(range(1000 - DENSE, 1000))  # the newest: every epoch
    gaps = np.diff(kept)
    assert gaps[0] > gaps[-1] and len(kept) < 150  # older: further apart
    assert within(dict.fromkeys(range(1000), 1000), 50_000) != kept
    assert sum(1000 for _ in within(dict.fromkeys(range(1000), 1000), 50_000)) <= 50_000
    assert within(dict.fromkeys(range(10), 1000), 10) == [9]  # nothing fits: the newest


def _trained(epochs: int) -> Trainer:
    trainer = Trainer(ExperimentConfig.model_validate(PACED))
    trainer.train_epochs_until(epochs, lambda: False)
    return trainer


def test_a_restored_state_continues_bit_identically() -> None:
    original = _trained(12)
    twin = Trainer(ExperimentConfig.model_validate(PACED))
    restore(twin, from_bytes(to_bytes(capture(original))))
    original.train_epochs_until(8, lambda: False)
    twin.train_epochs_until(8, lambda: False)
    assert np.array_equal(original.network.params, twin.network.params)
    assert original.metrics().train_loss == twin.metrics().train_loss


def test_only_a_state_between_epochs_is_one_to_keep() -> None:
    trainer = _trained(2)
    assert trainer.between_epochs
    trainer.train_batch()  # a state now would resume its epoch with a new shuffle
    assert not trainer.between_epochs


def _store_with_run(path: Path, budget: int) -> tuple[Store, str]:
    store = Store(path, state_budget=budget)
    record = RunRecord(id="r", name=None, status="paused", config="{}", speed=None,
                       token_hash=new_token()[1], created_at=now())  # fmt: skip
    store.insert_run(record)
    return store, record.id


def test_the_store_keeps_states_thinned_within_the_budget(tmp_path: Path) -> None:
    store, run_id = _store_with_run(tmp_path / "runs.db", budget=60 * 1000)
    for epoch in range(200):
        store.save_checkpoint(run_id, epoch, epoch * 10, bytes(1000))
        if epoch % 7 == 0:
            store.flush()
    kept = store.kept_states(run_id)
    assert kept[-1] == (199, 1990, 1000) and sum(n for _, _, n in kept) <= 60 * 1000
    assert 10 < len(kept) <= 60
    assert store.kept_state(run_id, kept[0][0]) == (kept[0][1], bytes(1000))
    store.save_checkpoint(run_id, 200, 2005, b"half", keep=False)  # mid-epoch: not kept
    assert store.kept_states(run_id)[-1][0] == 199 and store.checkpoint(run_id) == (
        200,
        2005,
        b"half",
    )
    store.save_checkpoint(run_id, 3, 30, b"again")  # a reset: the later states are gone
    assert [e for e, _, _ in store.kept_states(run_id)][-1] == 3
    store.close()
    reopened = Store(tmp_path / "runs.db")
    assert reopened.kept_state(run_id, 3) == (30, b"again")


def test_what_the_store_says_it_keeps_is_what_its_table_holds(tmp_path: Path) -> None:
    """The kept states are indexed in memory (a flush asks the table nothing): the index
    must say what the table holds, across a reopened store, a failed flush and a delete."""
    store, run_id = _store_with_run(tmp_path / "runs.db", budget=30 * 1000)

    def table(of: str = run_id) -> list[tuple[int, int, int]]:
        rows = store.db.execute(
            "SELECT epoch, step, length(state) FROM states WHERE run_id = ? ORDER BY epoch",
            (of,),
        ).fetchall()
        return [(int(e), int(s), int(n)) for e, s, n in rows]

    for epoch in range(100):
        store.save_checkpoint(run_id, epoch, epoch * 10, bytes(1000))
        store.flush()
    assert store.kept_states(run_id) == table() and len(table()) <= 30
    store.close()
    store = Store(tmp_path / "runs.db", state_budget=30 * 1000)  # the index read again
    for epoch in range(100, 150):
        store.save_checkpoint(run_id, epoch, epoch * 10, bytes(1000))
        store.flush()
    assert store.kept_states(run_id) == table() and table()[-1][0] == 149
    store.db.execute(
        "CREATE TRIGGER no_more BEFORE INSERT ON states WHEN NEW.run_id = 'other'"
        " BEGIN SELECT abs(-9223372036854775808); END"  # an OperationalError, as a full disk
    )
    other = RunRecord(id="other", name=None, status="paused", config="{}", speed=None,
                      token_hash=new_token()[1], created_at=now())  # fmt: skip
    store.insert_run(other)
    store.save_checkpoint(run_id, 150, 1500, bytes(1000))
    store.save_checkpoint("other", 1, 10, bytes(1000))  # written after run_id's, and fails
    with pytest.raises(sqlite3.Error):
        store.flush()  # all rolled back, all kept queued
    assert store.kept_states(run_id) == table() and table()[-1][0] == 149
    assert store.kept_states("other") == []
    store.db.execute("DROP TRIGGER no_more")
    store.flush()  # the queue is written once it can be
    assert store.kept_states("other") == [(1, 10, 1000)]
    assert store.kept_states(run_id) == table() and table()[-1][0] == 150
    store.delete_run(run_id)
    assert store.kept_states(run_id) == table() == []


def _ended(client: TestClient, run: dict[str, Any]) -> dict[str, Any]:
    url = f"/api/runs/{run['id']}"
    wait_for(lambda: client.get(url).json()["status"] in ENDED, 30)
    ended: dict[str, Any] = client.get(url).json()
    return ended


def test_a_fork_from_a_kept_epoch_continues_exactly_as_the_original(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), default_fps=30.0)
    with TestClient(create_app(settings)) as client:
        run = client.post("/api/runs", json={"config": PACED, "speed": 80}).json()
        url, token = f"/api/runs/{run['id']}", {"Authorization": f"Bearer {run['control_token']}"}
        for epoch in (20, 60):  # a pause between epochs keeps a state (two, should one not be)
            wait_for(lambda: client.get(url).json()["epoch"] >= epoch)  # noqa: B023
            client.post(f"{url}/pause", headers=token)
            client.post(f"{url}/resume", headers=token)
        assert _ended(client, run)["status"] == "succeeded"
        kept = [s["epoch"] for s in client.get(f"{url}/states").json()["states"]]
        middle = [e for e in kept if 0 < e < 160]
        assert middle, kept
        k = middle[0]
        missing = client.post(f"{url}/fork", json={"epoch": k + 1 if k + 1 not in kept else 161})
        assert missing.status_code == 422
        problem = missing.json()["detail"][0]
        assert problem["loc"] == ["body", "epoch"] and problem["type"] == "state.not_kept"
        assert str(k) in problem["msg"]
        fork = client.post(f"{url}/fork", json={"epoch": k, "start": True})
        assert fork.status_code == 201, fork.text
        made = fork.json()
        assert made["parent"] == run["id"] and made["fork_epoch"] == k and made["control_token"]
        assert client.get(f"/api/runs/{made['id']}").json()["fork_epoch"] == k
        assert _ended(client, made)["epoch"] == 160
        assert (
            client.get(f"/api/runs/{made['id']}/metrics").json()
            == client.get(f"{url}/metrics").json()
        )
        original, twin = (client.get(f"/api/runs/{r['id']}/model").json() for r in (run, made))
        assert original["layers"] == twin["layers"]
        scrubbed = client.get(f"{url}/states/{k}").json()
        assert scrubbed["epoch"] == k and scrubbed["layers"] != original["layers"]


def test_a_changed_fork_differs_and_a_bad_change_names_its_field(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"), default_fps=30.0)
    with TestClient(create_app(settings)) as client:
        config = {"seed": 7, "training": {"max_epochs": 30}}
        run = client.post("/api/runs", json={"config": config}).json()
        _ended(client, run)
        url = f"/api/runs/{run['id']}"
        bad = client.post(f"{url}/fork", json={"changes": {"training": {"learning_rate": -1}}})
        assert bad.status_code == 422
        where = bad.json()["detail"][0]["loc"]
        assert where[:4] == ["body", "changes", "training", "learning_rate"]
        wider = client.post(f"{url}/fork", json={"changes": {"network": {"hidden": [9]}}})
        assert wider.status_code == 422 and wider.json()["detail"][0]["type"] == "fork.shape"
        faster = {"training": {"learning_rate": 0.3, "max_epochs": 60}}
        fork = client.post(f"{url}/fork", json={"changes": faster, "start": True}).json()
        assert fork["fork_epoch"] == 30 and fork["config"]["training"]["learning_rate"] == 0.3
        _ended(client, fork)
        rows = client.get(f"/api/runs/{fork['id']}/metrics").json()
        assert rows["epoch"] == list(range(61))  # the parent's 0…30, then its own
        assert rows["train_loss"][:31] == client.get(f"{url}/metrics").json()["train_loss"]
        frame = client.get(f"{url}/states/30", params={"format": "frame", "resolution": 20})
        assert frame.status_code == 200 and frame.content[:1]  # the socket's binary frame


def test_a_store_from_before_forks_gains_their_columns_and_the_states_table(
    tmp_path: Path,
) -> None:
    store, run_id = _store_with_run(tmp_path / "runs.db", budget=10_000)
    with store.db:
        store.db.execute("DROP TABLE states")
        store.db.execute("ALTER TABLE runs DROP COLUMN parent")
        store.db.execute("ALTER TABLE runs DROP COLUMN fork_epoch")
    store.db.close()
    reopened = Store(tmp_path / "runs.db")
    found = reopened.get_run(run_id)
    assert found is not None and found.parent is None and found.fork_epoch is None
    reopened.save_checkpoint(run_id, 4, 40, b"state")
    assert reopened.kept_states(run_id) == [(4, 40, 5)]
