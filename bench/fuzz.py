"""Schemathesis over every operation of the real server's OpenAPI schema, and generated
messages over the run's websocket.

Run: .venv/bin/python bench/fuzz.py [--examples 1000]
Starts the app (uvicorn on 127.0.0.1, one worker process), aims `--examples` generated
requests at each operation (half of those naming a run get a real run's id), and checks
each response: no server error, and body and content type as the schema says. Then as many
generated client messages (``fuzz_ws``: every message shape, view with focus and resolution,
step with epochs or batches, weight edits, at and past their bounds, and garbage) go to live
runs over their owners' sockets, the socket's rate limit and strikes lifted so that every
message is handled. Prints a table per operation (the websocket is one), then
`RESULT cases=… operations=… failing_operations=… failure_rate=…`.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz_ws import fuzz_stream  # noqa: E402

from server.settings import Settings  # noqa: E402
from tests.conftest import serve_in_thread  # noqa: E402
from tests.server.fuzz import Pool, fuzz, operations  # noqa: E402

# every generated message is handled: none refused for its rate, no socket closed for its
# strikes, and the worker round trip after each (GET /model) never refused as a heavy read
STREAM_SETTINGS = Settings(
    workers=1,
    database=":memory:",
    message_rate=1e6,
    message_burst=1_000_000,
    max_strikes=1_000_000,
    reads_per_minute=1_000_000,
    reads_burst=1_000_000,
)


def check(name: str, run: Callable[[int], int], examples: int) -> tuple[str, int, float, str]:
    """One operation's row: its name, cases run, seconds, verdict (a failure is printed)."""
    started = time.monotonic()
    try:
        count, verdict = run(examples), "ok"
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a failure (an exception group): report, go on
        count, verdict = -1, f"FAILED: {type(error).__name__}"
        print(f"--- {name}", file=sys.stderr)
        traceback.print_exception(error, limit=-3, file=sys.stderr)
    return name, count, time.monotonic() - started, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=1000, help="cases per operation")
    parser.add_argument("--only", default="", help="operations whose 'METHOD path' has this")
    args = parser.parse_args()
    settings = Settings(workers=1, max_runs=5000, creates_per_minute=1_000_000, database=":memory:")
    rows: list[tuple[str, int, float, str]] = []
    with serve_in_thread(settings) as url:
        pool = Pool(url)
        pool.fill()
        for operation in operations(url):
            name = f"{operation.method.upper()} {operation.path}"
            if args.only in name:
                rows.append(check(name, partial(fuzz, operation, pool), args.examples))
    name = "WS /api/runs/{run_id}/stream"
    if args.only in name:
        with serve_in_thread(STREAM_SETTINGS) as url:
            rows.append(check(name, partial(fuzz_stream, url), args.examples))
    failing = [row for row in rows if row[3] != "ok"]
    print(f"{'operation':<42} {'cases':>6} {'seconds':>8}  verdict")
    for name, count, seconds, verdict in rows:
        print(f"{name:<42} {count:>6} {seconds:>8.1f}  {verdict}")
    total = sum(count for _, count, _, _ in rows if count > 0)
    print(f"{'all operations':<42} {total:>6}")
    print(
        f"RESULT cases={total} operations={len(rows)} failing_operations={len(failing)} "
        f"failure_rate={len(failing) / max(1, len(rows)):.3f}"
    )


if __name__ == "__main__":
    main()
