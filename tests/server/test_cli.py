"""``nnplayground train / runs / export`` on a config file and a store of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine.config import ExperimentConfig
from engine.trainer import Trainer
from server.app import create_app
from server.cli import fill_workers, main
from server.records import new_run_id
from server.runs import default_workers
from server.settings import Settings
from server.store import Store
from tests.conftest import free_port
from tests.server.test_store import read_only_connect, record

CONFIG = {"seed": 1, "data": {"dataset": "xor"}, "training": {"max_epochs": 40}}


def run_cli(*argv: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    return int(done.value.code or 0)


@pytest.fixture
def trained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A config trained by the CLI: the store and the run's id."""
    config, database = tmp_path / "xor.json", tmp_path / "runs.db"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "run.json"
    assert run_cli("--db", str(database), "train", str(config), "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "epoch 40/40" in err and "succeeded" in err
    return database, json.loads(out.read_text())["run"]["id"]


def test_train_keeps_the_run_with_the_engines_own_numbers(
    trained: tuple[Path, str], tmp_path: Path
) -> None:
    database, run_id = trained
    saved = json.loads((tmp_path / "run.json").read_text())
    trainer = Trainer(ExperimentConfig.model_validate(CONFIG))
    trainer.fit(40)
    assert saved["metrics"] == trainer.history.as_lists()
    assert saved["run"]["status"] == "succeeded" and len(saved["model"]["layers"]) == 3
    with TestClient(create_app(Settings(database=str(database)))) as client:  # the server sees it
        served = client.get(f"/api/runs/{run_id}/metrics").json()
        assert served == trainer.history.as_lists()
        assert client.get(f"/api/runs/{run_id}").json()["stop_reason"] == "max_epochs"


def test_runs_list_and_show(trained: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    database, run_id = trained
    assert run_cli("--db", str(database), "runs", "list") == 0
    line = next(row for row in capsys.readouterr().out.splitlines() if row.startswith(run_id))
    assert "succeeded" in line and " 40 " in line
    assert run_cli("--db", str(database), "runs", "show", run_id) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"]["latest"]["epoch"] == 40 and "token_hash" not in shown
    assert run_cli("--db", str(database), "runs", "show", "nope") == 1


def test_export_in_every_format(trained: tuple[Path, str], tmp_path: Path) -> None:
    database, run_id = trained
    paths = {form: tmp_path / f"model.{form}" for form in ("json", "npz", "numpy", "pytorch")}
    for form, path in paths.items():
        assert (
            run_cli("--db", str(database), "export", run_id, "--format", form, "--out", str(path))
            == 0
        )
    model = json.loads(paths["json"].read_text())
    arrays = np.load(paths["npz"])
    np.testing.assert_array_equal(arrays["W0"], model["layers"][0]["weights"])
    script = tmp_path / "exported.py"
    script.write_text(paths["numpy"].read_text())
    printed = subprocess.run(
        [sys.executable, str(script), "2", "-3"], check=True, capture_output=True, text=True
    ).stdout
    a = np.array([[2.0, -3.0]])
    for layer in model["layers"]:
        a = np.tanh(a @ np.array(layer["weights"]) + np.array(layer["biases"]))
    np.testing.assert_allclose(json.loads(printed), a, rtol=1e-12)
    assert "nn.Linear(2, 4" in paths["pytorch"].read_text()


@pytest.mark.parametrize("command", [["runs", "list"], ["export", "ID", "--format", "numpy"]])
def test_a_reader_that_stops_early_is_no_traceback(
    trained: tuple[Path, str], command: list[str]
) -> None:
    """``nnplayground runs list | head -1``: the reader closes the pipe before the output is
    written; that was a BrokenPipeError traceback."""
    database, run_id = trained
    argv = [arg.replace("ID", run_id) for arg in command]
    cli = [sys.executable, "-m", "server.cli", "--db", str(database), *argv]
    process = subprocess.Popen(cli, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command has started: it writes into a closed pipe
    err = process.stderr.read().decode()
    assert process.wait(60) == 1 and "Traceback" not in err and "Exception" not in err, err
    process.stderr.close()


def test_ctrl_c_before_training_leaves_no_running_run_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the data and network were being made left a run ``running`` in the store
    for good (nothing would ever end it), after a KeyboardInterrupt traceback."""

    def interrupted(config: ExperimentConfig) -> Trainer:
        raise KeyboardInterrupt

    monkeypatch.setattr("server.commands.Trainer", interrupted)
    config, database = tmp_path / "xor.json", tmp_path / "runs.db"
    config.write_text(json.dumps(CONFIG))
    assert run_cli("--db", str(database), "train", str(config)) == 130
    assert "interrupted" in capsys.readouterr().err
    store = Store(str(database), read_only=True)
    assert store.list_runs(None, 10)[0] == []
    store.close()


def test_no_id_reads_as_an_option() -> None:
    """A run id that began with "-" (one in 64) was read by the command line as an option:
    ``export`` said the id was missing. No id starts with "-" or "_" now."""
    drawn = {new_run_id()[0] for _ in range(3000)}  # a "-" was all but sure among them
    assert not drawn & {"-", "_"} and len(drawn) > 50


def test_a_bad_config_file_names_each_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"training": {"learning_rate": -1, "optimiser": "adam"}}')
    assert run_cli("--db", str(tmp_path / "r.db"), "train", str(bad)) == 2
    err = capsys.readouterr().err
    assert "training.learning_rate" in err and "training.optimiser" in err
    assert run_cli("--db", str(tmp_path / "r.db"), "train", str(tmp_path / "missing.json")) == 2


@pytest.mark.parametrize(
    ("option", "value"),
    [("--epochs", "0"), ("--epochs", "-5"), ("--limit", "0"), ("--limit", "-3")],
)
def test_a_count_below_one_is_refused_naming_its_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    """``--epochs 0`` trained the default 200 epochs and ``--epochs -5`` one (``succeeded``);
    ``--limit 0`` was a traceback (IndexError) and ``--limit -3`` listed every run."""
    config, database = tmp_path / "xor.json", tmp_path / "runs.db"
    config.write_text(json.dumps(CONFIG))
    command = ["train", str(config)] if option == "--epochs" else ["runs", "list"]
    assert run_cli("--db", str(database), *command, option, value) == 2
    err = capsys.readouterr().err
    assert f"{option}: a whole number, at least 1" in err and "Traceback" not in err
    store = Store(str(database), read_only=True)
    assert store.list_runs(None, 10)[0] == []  # nothing was trained
    store.close()


@pytest.mark.parametrize("command", [["runs", "list"], ["serve", "--port", "1"]])
def test_a_store_that_cannot_be_opened_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("my notes, not a database")
    assert run_cli("--db", str(not_a_database), *command) == 2
    err = capsys.readouterr().err
    assert str(not_a_database) in err and "not a database" in err and "Traceback" not in err


def test_a_bad_setting_is_named_by_its_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NNPG_PORT", "eighty")
    monkeypatch.setenv("NNPG_WORKERS", "-3")
    assert run_cli("--db", str(tmp_path / "r.db"), "serve") == 2
    err = capsys.readouterr().err
    assert "NNPG_PORT='eighty'" in err and "NNPG_WORKERS='-3'" in err and "Traceback" not in err


def test_runs_list_prints_a_hostile_name_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "runs.db"
    store = Store(database)
    store.insert_run(record("evil", "succeeded"))
    store.update_run("evil", name="\x1b]0;owned\x07\x1b[2J\rclean\u202e")
    store.close()
    assert run_cli("--db", str(database), "runs", "list") == 0
    out = capsys.readouterr().out
    assert "\\x1b]0;owned\\x07\\x1b[2J\\rclean\\u202e" in out
    assert not any(c in out for c in "\x1b\x07\r\u202e")


def test_a_read_only_store_is_one_line_at_start_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "runs.db"
    Store(database).close()
    read_only_connect(monkeypatch)
    assert run_cli("--db", str(database), "serve", "--port", str(free_port())) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert str(database) in line and "readonly" in line
    assert run_cli("--db", str(database), "runs", "list") == 0  # reading needs no writes


@pytest.mark.parametrize(
    "value",
    [
        "http://a.local:8000,http://b.local",
        "http://a.local:8000 http://b.local",
        '["http://a.local:8000", "http://b.local"]',
    ],
)
def test_every_list_setting_takes_commas_spaces_or_json(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NNPG_ALLOWED_ORIGINS with commas was a traceback at start (it took JSON only)."""
    monkeypatch.setenv("NNPG_ALLOWED_ORIGINS", value)
    monkeypatch.setenv("NNPG_ALLOWED_HOSTS", value.replace("http://", "").replace(":8000", ""))
    settings = Settings()
    assert settings.allowed_origins == ["http://a.local:8000", "http://b.local"]
    assert settings.allowed_hosts == ["a.local", "b.local"]


def test_unset_workers_are_a_process_per_core_here_or_an_actor_per_cluster_cpu() -> None:
    here = Settings()
    fill_workers(here)
    assert here.workers == default_workers()
    on_ray = Settings(ray_address="auto")
    fill_workers(on_ray)
    assert on_ray.workers == 0  # the pool makes one actor per CPU of the cluster
    chosen = Settings(ray_address="auto", workers=3)
    fill_workers(chosen)
    assert chosen.workers == 3
