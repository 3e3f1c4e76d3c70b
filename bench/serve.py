"""The served engine at scale: many live runs, many viewers, against the bare engine.

Run: .venv/bin/python bench/serve.py [--quick]
Starts `nnplayground serve` on 127.0.0.1 (worker processes, one per core), opens real
websocket clients, and in the same run measures the bare engine producing the same frames
with no server: the flat-out comparison runs in rounds, served then bare, and reports the
median ratio. The knee (runs held at 20 fps) is searched level by level, then bisected (each
level's runs deleted after it), and set against what the bare engine can feed the same runs:
knee_over_capacity = knee ÷ (bare frames/s over the knee's runs ÷ 20). The bare engine stacks
same-shaped runs as the workers do, so its frames/s grows with the runs: it is measured over
the knee's own.
Knee and capacity are measured twice: as this CPU runs, then in a subprocess (its server and
workers inherit the setting) as a CPU without AVX-512 would (see bench/engine.py). Prints a
table, then `RESULT runs_at_20fps=… served_over_bare=… broadcast_delivered=…
frame_bytes_vs_json=… knee_over_capacity=… runs_at_20fps_avx2=… knee_over_capacity_avx2=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu_paths import avx2_env  # noqa: E402
from bench.lean_ws import connect_lean, run_clients  # noqa: E402
from bench.serve_kit import (  # noqa: E402
    FPS,
    NET_MIXES,
    NETS,
    Watcher,
    configs,
    cpu_split,
    create_runs,
    free_port,
    measure_bare,
    measure_runs,
    open_watchers,
    play,
    start_server,
    watch,
    ws_url,
)
from engine import ExperimentConfig, Trainer  # noqa: E402
from server.wire import encode_frame  # noqa: E402

FLAT_OUT = 125  # runs in the served ÷ bare comparison
SATURATED_FPS = 60.0  # more than a worker can make: flat out
P99_BAR = 0.150
DELIVERED_BAR = 0.95  # "at 20 fps": each viewer gets at least 95 % of the frames it asked for


async def measure_saturated(
    port: int, server: int, n: int, workers: int, seconds: float, *, rounds: int = 3
) -> dict[str, Any]:
    """Served and bare frames/s of the same N runs flat out (each asks 60 fps), in turns:
    a round serves them, pauses them, then runs the bare engine. A shared machine's load
    drifts; comparing within each round keeps that drift out of the ratio. Also where the
    cores went while serving."""
    runs = await create_runs(f"http://127.0.0.1:{port}", configs(n))
    watchers = await open_watchers(port, runs, SATURATED_FPS)
    pairs, cores = [], dict.fromkeys(("server", "workers", "clients"), 0.0)
    for _ in range(rounds):
        before, start = cpu_split(server), time.monotonic()
        served = (await watch(watchers, seconds))["fps"]
        after, spent = cpu_split(server), time.monotonic() - start
        for name in cores:
            cores[name] += (after[name] - before[name]) / spent / rounds
        await asyncio.sleep(1.0)  # the workers finish their turns; the runs are paused
        bare = await asyncio.to_thread(measure_bare, n, workers, seconds)
        pairs.append((served, bare))
    for watcher in watchers:
        await watcher.ws.close()
    return {"rounds": pairs, "cores": cores}


def sustained(row: dict[str, float]) -> bool:
    return row["p99"] <= P99_BAR and row["delivered"] >= DELIVERED_BAR


async def measure_broadcast(
    port: int, viewers: int, stuck: int, seconds: float, run: dict[str, Any] | None = None
) -> float:
    """One run (``run``, its ``id`` and ``control_token``; default: a new one),
    ``viewers`` viewers of which ``stuck`` never read: the share of the run's frames that
    reach the healthy ones."""
    if run is None:
        [run] = await create_runs(f"http://127.0.0.1:{port}", configs(1))
    owner = (await open_watchers(port, [run], FPS, epochs=True))[0]
    healthy = [owner]
    for _ in range(viewers - stuck - 1):
        ws = await connect_lean(ws_url(port, run, False))
        healthy.append(Watcher(ws, epochs=True))
    blocked = [
        await connect(ws_url(port, run, False), max_size=None, max_queue=1) for _ in range(stuck)
    ]
    await play([owner])
    start = time.monotonic()
    await asyncio.gather(*(w.read(start + seconds) for w in healthy))
    await play([owner], "pause")
    produced = (
        max(max(w.epochs) for w in healthy if w.epochs)
        - min(min(w.epochs) for w in healthy if w.epochs)
        + 1
    )
    shares = [len(set(w.epochs)) / produced for w in healthy]
    for ws in [w.ws for w in healthy] + blocked:
        await ws.close()
    return statistics.mean(shares)


def frame_sizes() -> tuple[int, int]:
    """Bytes of the default frame on the wire, and of the same frame as naive JSON lists."""
    trainer = Trainer(ExperimentConfig(seed=0))
    trainer.train_epoch()
    frame = trainer.frame(100)
    binary = encode_frame("bench", frame)
    naive = {
        **frame.metrics.as_dict(),
        **{
            name: (array / 127.5 - 1.0 if array.dtype.name == "uint8" else array).tolist()
            for name, array in frame.arrays.items()
        },
    }
    return len(binary), len(json.dumps(naive))


# -- the report ----------------------------------------------------------------------------


async def find_knee(port: int, levels: list[int], seconds: float) -> list[dict[str, float]]:
    """Levels up to the first one past 100 not sustained, then bisection between the most
    runs sustained and the fewest above them not, down to one run: the knee is the most runs
    sustained where one more was not (a coarser stop would report its interval's low end,
    a bias of up to its width against the server)."""
    rows: list[dict[str, float]] = []

    async def probe(n: int) -> bool:
        row = await measure_runs(port, n, seconds)
        rows.append(row)
        print(
            f"  {n:>4} runs at 20 fps: p99 gap {row['p99'] * 1e3:7.1f} ms, "
            f"{row['fps']:7.1f} frames/s delivered ({row['delivered']:.0%})",
            flush=True,
        )
        return sustained(row)

    for n in levels:
        if not await probe(n) and n >= 100:
            break
    held = max((r["n"] for r in rows if sustained(r)), default=0)
    above = [r["n"] for r in rows if r["n"] > held and not sustained(r)]
    failed = min(above, default=None)
    while failed is not None and failed - held > 1:
        middle = (held + failed) // 2
        held, failed = (middle, failed) if await probe(int(middle)) else (held, middle)
    return rows


def knee_of(rows: list[dict[str, float]]) -> int:
    return max((int(row["n"]) for row in rows if sustained(row)), default=0)


async def bench_server(
    port: int, server: int, levels: list[int], workers: int, seconds: float, *, full: bool = True
) -> dict[str, Any]:
    """``full=False``: the knee and the flat-out rounds only (the AVX2 pass)."""
    knee_rows = await find_knee(port, levels, seconds)
    knee = knee_of(knee_rows)
    capacity = [
        await asyncio.to_thread(measure_bare, knee, workers, seconds)
        for _ in range(3 if knee else 0)
    ] or [0.0]
    print(f"  bare engine, the knee's {knee} runs: {capacity} frames/s", flush=True)
    saturated = await measure_saturated(port, server, FLAT_OUT, workers, seconds)
    for served, bare in saturated["rounds"]:
        print(f"  flat out: served {served:7.1f}, bare {bare:7.1f} frames/s", flush=True)
    broadcast = await measure_broadcast(port, 100, 5, seconds) if full else math.nan
    return {"knee": knee_rows, "capacity": capacity, "saturated": saturated, "broadcast": broadcast}


def run_bench(args: argparse.Namespace, *, full: bool = True) -> dict[str, Any]:
    """Start the server, measure, stop it."""
    seconds = 4.0 if args.quick else 8.0
    levels = [10, 50, 100] if args.quick else [10, 25, 50, 75, 100, 125, 150, 175, 200]
    port = free_port()
    server = start_server(port, args.workers)
    try:
        print(f"server: {args.workers} worker processes, port {port}", flush=True)
        return run_clients(bench_server(port, server.pid, levels, args.workers, seconds, full=full))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)


def run_avx2(args: argparse.Namespace) -> dict[str, Any]:
    """Knee and capacity in a subprocess running as a CPU without AVX-512: this script with
    ``--measure-only``, its server and bare workers inheriting the environment."""
    command = [sys.executable, __file__, "--measure-only", "--workers", str(args.workers)]
    command += ["--nets", args.nets, *(["--quick"] if args.quick else [])]
    done = subprocess.run(
        command,
        env={**os.environ, **avx2_env()},
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    print("\n".join("  avx2" + line for line in lines[:-1]), flush=True)
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter windows, fewer levels")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--nets",
        choices=sorted(NET_MIXES),
        default="mix",
        help="mix: [4,2], [8,8], [8]×4 and [8]×6 in turn; tf: TF Playground's default [4,2] only",
    )
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    NETS[:] = NET_MIXES[args.nets]
    if args.measure_only:  # the AVX2 subprocess: knee and flat-out rounds, as JSON
        print(json.dumps(run_bench(args, full=False)))
        return
    started = time.monotonic()
    results = run_bench(args)
    native_minutes = (time.monotonic() - started) / 60
    results["avx2"] = run_avx2(args)
    print(
        f"bench time: {native_minutes:.1f} min this CPU, "
        f"{(time.monotonic() - started) / 60 - native_minutes:.1f} min without AVX-512",
        flush=True,
    )
    report(results, FLAT_OUT)


def knee_and_capacity(results: dict[str, Any]) -> tuple[int, float, float]:
    """The knee, the bare engine's frames/s over the knee's runs (median of three), and
    knee ÷ (that ÷ 20)."""
    knee = knee_of(results["knee"])
    bare = statistics.median(results["capacity"])
    return knee, bare, knee / (bare / FPS) if bare else 0.0


def report(results: dict[str, Any], most: int) -> None:
    """The table, then the RESULT line."""
    binary, naive = frame_sizes()
    knee, bare, over = knee_and_capacity(results)
    knee2, bare2, over2 = knee_and_capacity(results["avx2"])
    rounds = results["saturated"]["rounds"]
    cores = results["saturated"]["cores"]
    ratio = statistics.median(served / bare for served, bare in rounds)
    ratios = {
        "runs_at_20fps": knee,
        "served_over_bare": ratio,
        "broadcast_delivered": results["broadcast"],
        "frame_bytes_vs_json": binary / naive,
        "knee_over_capacity": over,
        "runs_at_20fps_avx2": knee2,
        "knee_over_capacity_avx2": over2,
    }
    print()
    print(f"{'measure':<58} {'value':>12}  target")
    for row in sorted(results["knee"], key=lambda row: row["n"]):
        mark = "sustained" if sustained(row) else "not sustained"
        name = f"{row['n']} runs × 1 viewer at 20 fps: p99 gap (ms) / delivered"
        print(
            f"{name:<58} {row['p99'] * 1e3:>6.1f} / {row['delivered']:>4.0%}"
            f"  ≤ 150 / ≥ 95 % ({mark})"
        )
    print(f"{'runs sustained at 20 fps (the knee)':<58} {knee:>12}  ≥ 100")
    for label, (n, frames, share) in (
        ("this CPU", (knee, bare, over)),
        ("without AVX-512", (knee2, bare2, over2)),
    ):
        name = f"{label}: knee / bare engine's runs at 20 fps, same runs"
        print(f"{name:<58} {n:>4} / {frames / FPS:>5.1f}  ratio {share:.2f}  ≥ 0.9")
    for k, (served, bare) in enumerate(rounds, 1):
        name = f"round {k}: {most} runs flat out, served / bare frames/s"
        print(f"{name:<58} {served:>5.0f} / {bare:>4.0f}  ratio {served / bare:.3f}")
    print(f"{'served ÷ bare (median of the rounds)':<58} {ratio:>12.3f}  ≥ 0.8")
    split = " / ".join(f"{cores[name]:.2f}" for name in ("workers", "server", "clients"))
    print(f"{'cores while serving: workers / server / bench clients':<58} {split:>12}")
    print(
        f"{'broadcast: 1 run → 100 viewers (5 stuck), delivered':<58} "
        f"{results['broadcast']:>12.3f}  ≥ 0.95"
    )
    print(
        f"{'default frame bytes: binary ' + str(binary) + ' vs JSON ' + str(naive):<58} "
        f"{binary / naive:>12.4f}  ≤ 0.02"
    )
    print(
        "RESULT "
        + " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in ratios.items()
        )
    )


if __name__ == "__main__":
    main()
