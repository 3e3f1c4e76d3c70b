"""``nnplayground sweep SPEC.json``: start a sweep on a server, show its progress, then its
best trials as a table. The spec is the body of ``POST /api/sweeps`` (docs/api.md)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from nnplayground.client import ApiError, Client, Json
from server.commands import printable


class SweepProgress:
    """One line on a terminal, redrawn at most 10 times a second; else a line per 10 %."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty = out, out.isatty()
        self._last, self._tenth = 0.0, -1

    def show(self, sweep: Json) -> None:
        total = max(1, sweep["total"])
        ended = sum(n for status, n in sweep["counts"].items() if status not in LIVE)
        done = ended / total
        text = f"{ended}/{total} trials  {sweep['status']}"
        best = _best(sweep)
        if best is not None:
            text += f"  best {sweep['metric']} {best['score']:.4g}"
        if self.tty and time.monotonic() - self._last >= 0.1:
            self._last = time.monotonic()
            self.out.write(f"\r[{'#' * int(done * 30):<30}] {text}")
            self.out.flush()
        elif not self.tty and int(done * 10) > self._tenth:
            self._tenth = int(done * 10)
            self.out.write(text + "\n")

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")


LIVE = ("created", "running", "paused")


def _best(sweep: Json) -> Json | None:
    return next((t for t in sweep["trials"] if t["run_id"] == sweep["best"]), None)


def table(sweep: Json, top: int) -> str:
    """The best ``top`` trials by the sweep's metric: their values, status, epoch, score."""
    scored = [t for t in sweep["trials"] if t["score"] is not None]
    scored.sort(key=lambda t: t["score"], reverse=sweep["goal"] == "max")
    fields = sweep["fields"]
    head = ["#", *fields, "status", "epoch", sweep["metric"], "run"]
    rows = [_row(trial, fields) for trial in scored[:top]]
    widths = [max(len(row[k]) for row in [head, *rows]) for k in range(len(head))]
    lines = [_line(head, widths)] + [_line(row, widths) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _row(trial: Json, fields: list[str]) -> list[str]:
    values = [_value(trial["params"].get(name)) for name in fields]
    ends = [trial["status"], str(trial["epoch"]), f"{trial['score']:.4g}", trial["run_id"]]
    return [str(trial["position"]), *values, *ends]


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        printable(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)
    )


def _value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def _problems(error: ApiError) -> list[str]:
    """A refusal's lines: each 422 problem as ``path: why``, else the status and detail."""
    if error.status != 422 or not isinstance(error.detail, list):
        return [f"{error.status}: {error.detail}"]
    return [
        ".".join(str(part) for part in problem["loc"][1:]) + ": " + str(problem["msg"])
        for problem in error.detail
    ]


def sweep(spec_path: Path, url: str, *, top: int = 10, csv: Path | None = None) -> int:
    """Start the sweep, follow it to its end (Ctrl-C cancels it), print the table."""
    try:
        spec = json.loads(spec_path.read_text())
        assert isinstance(spec, dict), "the spec is a JSON object (docs/api.md, POST /api/sweeps)"
    except (OSError, ValueError, AssertionError) as error:
        print(f"cannot read {spec_path}: {error}", file=sys.stderr)
        return 2
    with Client(url, timeout=60.0) as client:
        try:
            started = client.sweep(**spec)
        except ApiError as error:
            for line in _problems(error):
                print(f"{spec_path}: {line}", file=sys.stderr)
            return 2
        print(f"sweep {started['id']}: {started['total']} trials", file=sys.stderr)
        progress = SweepProgress(sys.stderr)
        try:
            done = client.wait_sweep(started["id"], poll=0.5, progress=progress.show)
        except KeyboardInterrupt:
            done = client.cancel_sweep(started["id"])
        progress.close()
        if csv is not None:
            csv.write_text(client.sweep_csv(started["id"]))
    sys.stdout.write(table(done, top))
    return 0 if done["status"] == "finished" else 1
