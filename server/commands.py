"""The command line's work besides ``serve``: train a run in-process, list and show stored
runs, export a model. Each returns the process exit code."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from engine.config import ExperimentConfig
from engine.export import EXPORTERS
from engine.model import Model
from engine.snapshot import capture, to_bytes
from engine.trainer import DivergedError, Trainer
from server.records import RunRecord, config_json, new_run_id, new_token, now
from server.store import Store

DEFAULT_EPOCHS = 200


def load_config(path: Path) -> ExperimentConfig | None:
    """The config file, or None after printing each problem with its field path."""
    try:
        return ExperimentConfig.model_validate_json(path.read_bytes())
    except OSError as error:
        print(f"cannot read {path}: {error.strerror}", file=sys.stderr)
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "(the file)"
            print(f"{path}: {where}: {problem['msg']}", file=sys.stderr)
    return None


class Progress:
    """One line on a terminal, redrawn at most 10 times a second; else a line per 10 %."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.tty = out.isatty()
        self._last, self._tenth, self._shown = 0.0, -1, -1

    def show(self, trainer: Trainer, final: bool = False) -> None:
        done = trainer.epoch / self.total
        stamp = time.monotonic()
        if self.tty and (final or stamp - self._last >= 0.1):
            self._last = stamp
            bar = "#" * int(done * 30)
            end = "\n" if final else ""
            self.out.write(f"\r[{bar:<30}] {self._text(trainer)}{end}")
            self.out.flush()
        elif (
            not self.tty
            and (final or int(done * 10) > self._tenth)
            and self._shown != trainer.epoch
        ):
            self._tenth, self._shown = int(done * 10), trainer.epoch
            self.out.write(self._text(trainer) + "\n")

    def _text(self, trainer: Trainer) -> str:
        m = trainer.latest
        text = f"epoch {trainer.epoch}/{self.total}  train loss {m.train_loss:.4f}"
        text += f"  test loss {m.test_loss:.4f}"
        if m.test_accuracy is not None:
            text += f"  test accuracy {m.test_accuracy:.1%}"
        return text


def _fit(trainer: Trainer, progress: Progress) -> tuple[str, str | None]:
    """Train to the config's stop rule: (status, error)."""
    try:
        while trainer.stop_reason is None:
            trainer.train_epoch()
            progress.show(trainer)
    except DivergedError as error:
        return "diverged", str(error)
    except KeyboardInterrupt:
        return "cancelled", None
    finally:
        progress.show(trainer, final=True)
    return "succeeded", None


def train(
    config_path: Path,
    store: Store,
    *,
    epochs: int | None = None,
    out: Path | None = None,
    name: str | None = None,
) -> int:
    """Train in this process to the stop rule (``--epochs`` when the config has none) and
    keep the run in the store, and in ``out`` as JSON when given."""
    config = load_config(config_path)
    if config is None:
        return 2
    training = config.training
    if epochs is not None or training.max_epochs is None:
        limit = epochs or DEFAULT_EPOCHS
        config = config.model_copy(
            update={"training": training.model_copy(update={"max_epochs": limit})}
        )
    trainer = Trainer(config)  # before the record: a Ctrl-C here leaves nothing "running"
    token, token_hash = new_token()
    record = RunRecord(
        id=new_run_id(),
        name=name or config_path.stem,
        status="running",
        config=config_json(config),
        speed=None,
        token_hash=token_hash,
        created_at=now(),
        started_at=now(),
    )
    store.insert_run(record)
    status, error = _fit(trainer, Progress(config.training.max_epochs or 1, sys.stderr))
    _keep(store, record.id, trainer, status, error)
    print(f"run {record.id}: {status} at epoch {trainer.epoch}", file=sys.stderr)
    if error:
        print(error, file=sys.stderr)
    print(f"control token (shown once): {token}", file=sys.stderr)
    if out is not None:
        out.write_text(json.dumps(_run_file(store, record.id, trainer), indent=1))
    return 0 if status == "succeeded" else 1


def _keep(store: Store, run_id: str, trainer: Trainer, status: str, error: str | None) -> None:
    store.append_metrics(run_id, trainer.history.rows_after(-1))
    store.save_checkpoint(run_id, trainer.epoch, trainer.step, to_bytes(capture(trainer)))
    store.flush()  # the rows and the checkpoint, in one transaction
    store.update_run(
        run_id,
        status=status,
        error=error,
        stop_reason=trainer.stop_reason,
        epoch=trainer.epoch,
        step=trainer.step,
        ended_at=now(),
    )


def _run_file(store: Store, run_id: str, trainer: Trainer) -> dict[str, Any]:
    record = store.get_run(run_id)
    assert record is not None
    model = Model.build(trainer.config, trainer.network.params, trainer.epoch, trainer.step)
    return {
        "run": _record_dict(record),
        "metrics": trainer.history.as_lists(),
        "model": model.as_dict(),
    }


def _record_dict(record: RunRecord) -> dict[str, Any]:
    fields = {k: v for k, v in vars(record).items() if k not in ("token_hash", "config")}
    fields["config"] = json.loads(record.config)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()}


def list_runs(store: Store, status: str | None, limit: int) -> int:
    out = sys.stdout
    records, _ = store.list_runs(status, limit)
    out.write(f"{'id':<17} {'status':<12} {'epoch':>7} {'test loss':>10}  {'created':<19}  name\n")
    for record in records:
        latest = store.summary(record.id)["latest"] or {}
        loss = latest.get("test_loss")
        created = record.created_at.strftime("%Y-%m-%d %H:%M:%S") if record.created_at else ""
        shown = f"{loss:.4f}" if isinstance(loss, float) else "-"
        out.write(
            f"{record.id:<17} {record.status:<12} {record.epoch:>7} {shown:>10}  {created:<19}"
            f"  {printable(record.name or '')}\n"
        )
    return 0


def printable(text: str) -> str:
    """``text`` safe for a terminal: a control character (an escape sequence's ESC, a
    carriage return, a bidirectional override) is shown as its escape, ``\\x1b``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def show_run(store: Store, run_id: str) -> int:
    record = store.get_run(run_id)
    if record is None:
        print(f"no run with id {run_id!r}", file=sys.stderr)
        return 1
    shown = {**_record_dict(record), "summary": store.summary(run_id)}
    sys.stdout.write(json.dumps(shown, indent=1) + "\n")
    return 0


def export(
    store: Store,
    run_id: str,
    form: str,
    *,
    out: Path | None = None,
) -> int:
    """The model as JSON, npz, or a NumPy / PyTorch Python file; to ``out`` or stdout."""
    model = store.model(run_id)
    if model is None:
        print(f"no stored model for a run with id {run_id!r}", file=sys.stderr)
        return 1
    if form == "npz":
        path = out or Path(f"run-{run_id}.npz")
        path.write_bytes(model.to_npz())
        print(f"wrote {path}", file=sys.stderr)
        return 0
    text = json.dumps(model.as_dict(), indent=1) if form == "json" else EXPORTERS[form](model)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n")
        print(f"wrote {out}", file=sys.stderr)
    return 0
