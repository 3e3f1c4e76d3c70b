"""The sweep from a script: ``Client.sweep``, ``nnplayground sweep`` and examples/sweep.py,
against a real server."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nnplayground import Client
from server.settings import Settings
from server.store import Store
from server.storelock import StoreLock
from tests.conftest import serve_in_thread
from tests.server.test_cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
SPEC = {
    "config": {"data": {"dataset": "xor", "n_samples": 100}, "training": {"max_epochs": 20}},
    "grid": {"training.learning_rate": [0.01, 0.1, 1.0]},
    "seeds": 2,
    "metric": "test_accuracy",
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(Settings(workers=0)) as served:
        yield served


def test_the_command_follows_the_sweep_and_prints_its_best_trials(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    table = tmp_path / "trials.csv"
    assert run_cli("sweep", str(spec), "--url", url, "--top", "4", "--csv", str(table)) == 0
    printed = capsys.readouterr()
    assert "6/6 trials  finished" in printed.err  # the progress, a line per tenth off a tty
    head, *rows = printed.out.splitlines()
    assert head.split()[:4] == ["#", "training.learning_rate", "seed", "status"]
    assert len(rows) == 4 and all(" succeeded " in row for row in rows)
    scores = [float(row.split()[-2]) for row in rows]
    assert scores == sorted(scores, reverse=True)  # accuracy: the highest first
    assert len(list(csv.DictReader(table.open()))) == 6


def test_a_refused_spec_is_named_by_its_field(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({**SPEC, "grid": {"training.lr": [0.1]}}))
    assert run_cli("sweep", str(spec), "--url", url) == 2
    assert f"{spec}: grid.training.lr: no config field" in capsys.readouterr().err


def test_the_client_cancels_and_reads_a_sweep(url: str) -> None:
    with Client(url) as client:
        long = {**SPEC, "config": {"training": {"max_epochs": 1_000_000}}}
        sweep = client.sweep(**long)
        assert client.get_sweep(sweep["id"])["total"] == 6
        cancelled = client.cancel_sweep(sweep["id"])
        assert cancelled["status"] == "cancelled"
        assert client.wait_sweep(sweep["id"])["counts"] == {"cancelled": 6}
        assert client.sweep_csv(sweep["id"]).count("\n") == 7


def test_the_example_runs(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["sweep.py", url])
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        runpy.run_path(str(ROOT / "examples" / "sweep.py"), run_name="__main__")
    *settings, last = printed.getvalue().splitlines()
    assert len(settings) == 4 and settings[0].startswith("learning rate 0.003  batch 10")
    assert last.startswith("{'succeeded': 12} best: ")


def test_without_a_server_the_command_serves_its_store_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``--url``: a server in the command's process runs the sweep on the store, then
    stops; the trials stay in the store as runs of the sweep."""
    monkeypatch.setenv("NNPG_WORKERS", "0")
    spec, database = tmp_path / "spec.json", tmp_path / "runs.db"
    spec.write_text(json.dumps(SPEC))
    assert run_cli("--db", str(database), "sweep", str(spec), "--top", "3") == 0
    printed = capsys.readouterr()
    assert "6/6 trials  finished" in printed.err
    assert len(printed.out.splitlines()) == 1 + 3
    store = Store(str(database), read_only=True)
    try:
        trials, _ = store.list_runs(limit=100)
    finally:
        store.close()
    assert len(trials) == 6 and len({trial.sweep_id for trial in trials}) == 1
    assert all(trial.status == "succeeded" for trial in trials)


def test_a_store_a_server_holds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, database = tmp_path / "spec.json", str(tmp_path / "runs.db")
    spec.write_text(json.dumps(SPEC))
    lock = StoreLock(database)
    lock.acquire()  # as `serve` does
    try:
        assert run_cli("--db", database, "sweep", str(spec)) == 2
    finally:
        lock.release()
    error = capsys.readouterr().err
    assert "another server" in error and "--url" in error  # where the sweep can run
