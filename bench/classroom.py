"""A class on one server: hands-on students at 10 fps beside the teacher's dashboard, and a
class watching one stage run.

Run: .venv/bin/python bench/classroom.py [--levels 10,20] [--seconds 4] [--stage-viewers 40]
Starts `nnplayground serve` on 127.0.0.1 (serve's default workers, its store in a temporary
folder) and drives the class API (docs/api.md, "Classes") with real websocket clients:

1. Hands-on, N students, a fresh class per level: the teacher's run (TF Playground's default
   config, a fixed seed), `hands_on`; each student joins by the code, makes an own run of the
   teacher's config and watches it with the student token (`view` at 10 fps, `play`: one
   epoch a frame). The teacher's dashboard watches every student run without a token at
   `view` 1 fps, and keeps the class socket open (its `roster`). Held: every student's p99
   frame gap ≤ 200 ms and delivered ≥ 95 % of 10 frames a second, and no dashboard picture
   older than 2 s. Levels in turn up to the first not held, then bisection (at most
   ``--max-levels`` in all); each level's runs are deleted after it.
2. The bare engine's frames/s over the same runs (the knee's N of the teacher's config):
   held_over_capacity = N held ÷ (bare frames/s ÷ 10).
3. Watch mode: the teacher's run on the stage, 200 viewers without a token (the page's
   default `view`), 5 % of them never reading: the share of frames the others get.
Prints a table, then `RESULT students_at_10fps=… held_over_capacity=… stage_viewers_delivered=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lean_ws import connect_lean, run_clients  # noqa: E402
from bench.serve import measure_broadcast  # noqa: E402
from bench.serve_kit import (  # noqa: E402
    RAISED_LIMITS,
    WARM_UP,
    Watcher,
    cpu_split,
    free_port,
    measure_bare,
    start_server,
    watch,
    ws_url,
)
from server.pool import default_workers  # noqa: E402

STUDENT_FPS = 10.0  # what a student page asks for
DASHBOARD_FPS = 1.0  # each student's picture on the teacher's dashboard
SEED = 7
P99_BAR = 0.200
DELIVERED_BAR = 0.95
AGE_BAR = 2.0  # the dashboard's oldest picture, seconds
LOW, HIGH = 10, 800  # students bisected between (the bench's class may hold HIGH)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class RosterWatcher(Watcher):
    """The teacher's class socket: when each `roster` came."""

    def record(self, message: str | bytes) -> None:
        if isinstance(message, str) and message.startswith('{"type":"roster"'):
            self.times.append(time.monotonic())


async def new_class(http: httpx.AsyncClient, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A class and its teacher's run (paused: created, not started): the class and the run."""
    answer = await http.post("/api/classes", json={"name": name, "teacher": "Bench"})
    answer.raise_for_status()
    room: dict[str, Any] = answer.json()
    body = {"config": {"seed": SEED}, "start": False}
    answer = await http.post(
        f"/api/classes/{room['id']}/runs", json=body, headers=bearer(room["teacher_token"])
    )
    answer.raise_for_status()
    run: dict[str, Any] = answer.json()
    return room, run


async def student_runs(
    http: httpx.AsyncClient, room: dict[str, Any], config: dict[str, Any], n: int
) -> list[dict[str, Any]]:
    """N students join and make their own run of ``config``; each run's ``control_token``
    is its student's token."""
    runs = []
    for k in range(n):
        joined = await http.post(f"/api/join/{room['code']}", json={"name": f"Student {k}"})
        joined.raise_for_status()
        token = joined.json()["student_token"]
        body = {"config": config, "start": False}
        answer = await http.post(
            f"/api/classes/{room['id']}/runs", json=body, headers=bearer(token)
        )
        answer.raise_for_status()
        runs.append(answer.json())
    return runs


async def viewer(url: str, fps: float, **view: Any) -> Watcher:
    ws = await connect_lean(url)
    await ws.send(json.dumps({"type": "view", "fps": fps, **view}))
    return Watcher(ws, fps)


def p99_of(watcher: Watcher, since: float) -> float:
    times = [t for t in watcher.times if t >= since]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return statistics.quantiles(gaps, n=100)[98] if len(gaps) > 1 else math.inf


def oldest_picture(watcher: Watcher, since: float, end: float) -> float:
    """The longest a picture stood in [since, end]: gaps between consecutive frames that end
    in the window (the frame before it included), and from the last frame to ``end``."""
    times = watcher.times
    edges = [t for t in times if t < since][-1:] or [since]
    marks = edges + [t for t in times if since <= t <= end] + [end]
    return max(b - a for a, b in itertools.pairwise(marks))


def held(row: dict[str, float]) -> bool:
    return row["p99"] <= P99_BAR and row["delivered"] >= DELIVERED_BAR and row["age"] <= AGE_BAR


async def hands_on(port: int, n: int, seconds: float, pid: int) -> dict[str, float]:
    """One level: a fresh class, N students at 10 fps, the dashboard; the worst student's p99
    gap and delivered share, the pooled ones, the dashboard's oldest picture, rosters."""
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        room, stage = await new_class(http, f"Bench {n}")
        teacher = room["teacher_token"]
        answer = await http.patch(
            f"/api/classes/{room['id']}", json={"mode": "hands_on"}, headers=bearer(teacher)
        )
        answer.raise_for_status()
        runs = await student_runs(http, room, stage["config"], n)
    class_url = f"ws://127.0.0.1:{port}/api/classes/{room['id']}/stream?token={teacher}"
    roster = RosterWatcher(await connect_lean(class_url))
    students = [await viewer(ws_url(port, run), STUDENT_FPS) for run in runs]
    dashboard = [  # as the dashboard page asks: a frame a second, no metrics rows
        await viewer(ws_url(port, run, token=False), DASHBOARD_FPS, metrics=False) for run in runs
    ]
    window = seconds + WARM_UP
    before, clock = cpu_split(pid), time.monotonic()
    pooled = await watch(students, window, beside=[*dashboard, roster])
    after, took = cpu_split(pid), time.monotonic() - clock
    cores = {f"cores_{k}": (after[k] - before[k]) / took for k in after}
    since, end = pooled["start"] + WARM_UP, pooled["start"] + window
    wanted = STUDENT_FPS * seconds
    delivered = [sum(since <= t <= end for t in w.times) / wanted for w in students]
    rosters = [t for t in roster.times if since <= t <= end]
    row = {
        "n": n,
        "p99": max(p99_of(w, since) for w in students),
        "delivered": min(delivered),
        "pooled_p99": pooled["p99"],
        "pooled_delivered": statistics.mean(delivered),
        "age": max(oldest_picture(w, since, end) for w in dashboard),
        "rosters": len(rosters) / seconds,
        **cores,
    }
    for w in [*students, *dashboard, roster]:
        await w.ws.close()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for run in [*runs, stage]:
            deleted = await http.delete(
                f"/api/runs/{run['id']}", headers=bearer(run["control_token"])
            )
            deleted.raise_for_status()
    return row


def show(row: dict[str, float]) -> str:
    mark = "held" if held(row) else "not held"
    return (
        f"{int(row['n']):>5} {row['p99'] * 1e3:>9.1f} {row['pooled_p99'] * 1e3:>10.1f}"
        f" {row['delivered']:>10.1%} {row['pooled_delivered']:>8.1%}"
        f" {row['age'] * 1e3:>9.0f} {row['rosters']:>8.2f}"
        f"  {row['cores_workers']:.2f}/{row['cores_server']:.2f}/{row['cores_clients']:.2f}"
        f"  {mark}"
    )


HEADER = (
    f"{'N':>5} {'p99 (ms)':>9} {'pooled p99':>10} {'delivered':>10} {'pooled':>8}"
    f" {'dash age':>9} {'roster/s':>8}  cores w/s/c"
    "  held (worst student p99 ≤ 200 ms, ≥ 95 %, age ≤ 2000 ms)"
)


async def find_held(
    port: int, levels: list[int], seconds: float, most: int, pid: int
) -> list[dict[str, float]]:
    """``levels`` in turn up to the first not held, then bisection between the most
    students held and the fewest above them not, to within 4 % (at least 2 students),
    ``most`` levels in all."""
    rows: list[dict[str, float]] = []

    async def probe(n: int) -> bool:
        row = await hands_on(port, n, seconds, pid)
        rows.append(row)
        print(show(row), flush=True)
        return held(row)

    print(HEADER, flush=True)
    for n in levels:
        if len(rows) >= most or not await probe(n):
            break
    good = max((int(r["n"]) for r in rows if held(r)), default=0)
    failed = min((int(r["n"]) for r in rows if r["n"] > good and not held(r)), default=None)
    while failed is not None and failed - good > max(2, good // 25) and len(rows) < most:
        middle = (good + failed) // 2
        good, failed = (middle, failed) if await probe(middle) else (good, middle)
    return rows


async def watch_mode(port: int, viewers: int, stuck: int, seconds: float) -> float:
    """The teacher's run on the stage of a class that watches; ``viewers`` watch it
    without a token (the owner, the teacher, among them), ``stuck`` of them never read."""
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        room, stage = await new_class(http, "Bench watch")
        share = await measure_broadcast(port, viewers, stuck, seconds, run=stage)
        headers = bearer(room["teacher_token"])
        (await http.delete(f"/api/runs/{stage['id']}", headers=headers)).raise_for_status()
    return share


async def bench(port: int, args: argparse.Namespace, workers: int, pid: int) -> dict[str, Any]:
    levels = [int(n) for n in args.levels.split(",")]
    rows = await find_held(port, levels, args.seconds, args.max_levels, pid)
    knee = max((int(r["n"]) for r in rows if held(r)), default=0)
    config = await stage_config(port)
    bare = [
        await asyncio.to_thread(measure_bare, knee, workers, args.seconds, [config] * knee)
        for _ in range(args.bare_rounds if knee else 0)
    ] or [0.0]
    print(f"bare engine, {knee} runs of the teacher's config: {bare} frames/s", flush=True)
    stuck = round(args.stage_viewers * args.stuck)
    stage = await watch_mode(port, args.stage_viewers, stuck, args.seconds)
    return {"rows": rows, "knee": knee, "bare": statistics.median(bare), "stage": stage}


async def stage_config(port: int) -> dict[str, Any]:
    """The teacher's config as the server fills it in (a throwaway class)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        room, run = await new_class(http, "Bench config")
        await http.delete(f"/api/runs/{run['id']}", headers=bearer(room["teacher_token"]))
    config: dict[str, Any] = run["config"]
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--levels",
        default="10,100,200,400,600",
        help="students per level, tried in turn up to the first not held (then bisection)",
    )
    parser.add_argument("--max-levels", type=int, default=6, help="levels measured at most")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per level")
    parser.add_argument("--bare-rounds", type=int, default=3, help="bare engine runs (median)")
    parser.add_argument("--stage-viewers", type=int, default=200, help="watch mode's viewers")
    parser.add_argument("--stuck", type=float, default=0.05, help="share of them never reading")
    parser.add_argument("--workers", type=int, default=None, help="default: serve's, one a core")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    if not all(LOW <= n <= HIGH for n in levels):
        parser.error(f"levels are between {LOW} and {HIGH} students")
    workers = args.workers or default_workers()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        settings = {
            **RAISED_LIMITS,
            "NNPG_MAX_STUDENTS": str(HIGH),
            "NNPG_STUDENTS_PER_CLIENT": str(HIGH),  # every bench student is 127.0.0.1
            "NNPG_DATABASE": str(Path(folder) / "runs.db"),
        }
        server = start_server(port, args.workers, settings)
        try:
            print(f"server: {workers} worker processes, port {port}", flush=True)
            results = run_clients(bench(port, args, workers, server.pid))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(15)
    knee, bare = results["knee"], results["bare"]
    over = knee / (bare / STUDENT_FPS) if bare else 0.0
    print()
    print(HEADER)
    for row in sorted(results["rows"], key=lambda row: row["n"]):
        print(show(row))
    print(f"students held at 10 fps: {knee} (bisected between {LOW} and {HIGH})")
    print(
        f"capacity: bare engine {bare:.1f} frames/s over {knee} runs = {bare / STUDENT_FPS:.1f}"
        f" students at 10 fps; held / capacity {over:.2f} (target ≥ 0.85)"
    )
    if knee >= HIGH:
        print(f"  (every level held: {HIGH} is the bench's ceiling, the ratio a lower bound)")
    stuck = round(args.stage_viewers * args.stuck)
    print(
        f"watch mode: 1 stage run → {args.stage_viewers} viewers ({stuck} stuck), delivered"
        f" {results['stage']:.3f} (target ≥ 0.95)"
    )
    print(f"bench time: {(time.monotonic() - started) / 60:.1f} min")
    print(
        f"RESULT students_at_10fps={knee} held_over_capacity={over:.4g}"
        f" stage_viewers_delivered={results['stage']:.4g}"
    )


if __name__ == "__main__":
    main()
