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
import gc
import itertools
import json
import math
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import avx2_env  # noqa: E402
from bench.lean_ws import LeanSocket, connect_lean, run_clients  # noqa: E402
from engine import ExperimentConfig, Trainer  # noqa: E402
from engine.batch import batch_key, train_epochs  # noqa: E402
from server.wire import encode_frame  # noqa: E402
from server.workers import single_threaded_children  # noqa: E402

# "default playground runs": TF's [4, 2] up to [8]×6, one epoch per frame, 100×100 grid
NET_MIXES = {"mix": [[4, 2], [8, 8], [8, 8, 8, 8], [8] * 6], "tf": [[4, 2]]}
NETS = NET_MIXES["mix"]
FPS = 20.0
FLAT_OUT = 125  # runs in the served ÷ bare comparison
WARM_UP = 1.0  # seconds after play that are not counted: the runs' first turns
SATURATED_FPS = 60.0  # more than a worker can make: flat out
P99_BAR = 0.150
DELIVERED_BAR = 0.95  # "at 20 fps": each viewer gets at least 95 % of the frames it asked for


def configs(n: int) -> list[dict[str, Any]]:
    return [{"seed": i, "network": {"hidden": NETS[i % len(NETS)]}} for i in range(n)]


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RAISED_LIMITS = {  # the scale bench measures throughput, not the per-client limits
    "NNPG_MAX_RUNS": "2000",
    "NNPG_CREATES_PER_MINUTE": "100000",
    "NNPG_MAX_RUNS_PER_CLIENT": "2000",  # every bench client is 127.0.0.1
    "NNPG_MAX_VIEWERS": "500",
}


def start_server(
    port: int,
    workers: int | None,
    settings: dict[str, str] | None = None,
    log: Path | None = None,
    wait: float = 60.0,
) -> subprocess.Popen[bytes]:
    """`nnplayground serve` on 127.0.0.1:``port`` with ``workers`` worker processes (None:
    serve's default, one per core) and these NNPG_ ``settings`` (default: raised limits);
    its output goes to ``log``. Returns once it answers (within ``wait`` seconds)."""
    env = {**os.environ, **(RAISED_LIMITS if settings is None else settings)}
    if workers is not None:
        env["NNPG_WORKERS"] = str(workers)
    out = log.open("wb") if log else None
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=out or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    if out:
        out.close()  # the server holds its own copy
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()  # not killed: a server on Ray shuts its cluster down
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
    raise RuntimeError("the server did not start")


async def create_runs(base: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        responses = [
            await http.post("/api/runs", json={"config": b, "start": False}) for b in bodies
        ]
    return [r.json() for r in responses]


class Watcher:
    """One websocket viewer recording when frames arrive (and which epochs they show), from
    the moment it is made: a lean socket (``bench.lean_ws``) hands it every message as it
    comes, for a few µs of the CPU the server under test shares."""

    def __init__(self, ws: LeanSocket, fps: float = FPS, epochs: bool = False) -> None:
        self.ws = ws
        self.fps = fps  # the frame rate it asked for
        self.times: list[float] = []
        self.epochs: list[int] = []
        self.track_epochs = epochs  # parsing headers costs the client CPU the server shares
        self.bytes = 0
        ws.on_message = self.record

    async def read(self, until: float) -> None:
        """Until ``until`` (or the socket closes): the messages are recorded as they come."""
        try:
            await asyncio.wait_for(asyncio.shield(self.ws.closed), until - time.monotonic())
        except TimeoutError:
            return

    def record(self, message: str | bytes) -> None:
        if isinstance(message, bytes) and b'"type":"frame"' in message[:40]:
            self.times.append(time.monotonic())
            self.bytes += len(message)
            if self.track_epochs:
                head = json.loads(message[4 : 4 + int.from_bytes(message[:4], "little")])
                self.epochs.append(head["epoch"])


def ws_url(port: int, run: dict[str, Any], token: bool = True) -> str:
    query = f"?token={run['control_token']}" if token else ""
    return f"ws://127.0.0.1:{port}/api/runs/{run['id']}/stream{query}"


async def open_watchers(
    port: int, runs: list[dict[str, Any]], fps: float, epochs: bool = False
) -> list[Watcher]:
    watchers = []
    for run in runs:
        ws = await connect_lean(ws_url(port, run))
        await ws.send(json.dumps({"type": "view", "fps": fps}))
        await ws.send(json.dumps({"type": "set", "speed": fps}))
        watchers.append(Watcher(ws, fps, epochs))
    return watchers


async def play(watchers: list[Watcher], kind: str = "play") -> None:
    for watcher in watchers:
        await watcher.ws.send(json.dumps({"type": kind}))


def gaps_of(watchers: list[Watcher], skip: float) -> list[float]:
    """Gaps between consecutive frames of each viewer, after a warm-up of ``skip`` s."""
    gaps = []
    for watcher in watchers:
        times = [t for t in watcher.times if t >= watcher.times[0] + skip] if watcher.times else []
        gaps += [b - a for a, b in itertools.pairwise(times)]
    return gaps


async def measure_runs(port: int, n: int, seconds: float, fps: float = FPS) -> dict[str, float]:
    """N runs, each with its own viewer, at ``fps``: p99 gap and frames a second delivered.
    The runs are deleted after, so that every level starts from the same server."""
    base = f"http://127.0.0.1:{port}"
    runs = await create_runs(base, configs(n))
    watchers = await open_watchers(port, runs, fps)
    row = await watch(watchers, seconds)
    for watcher in watchers:
        await watcher.ws.close()
    await delete_runs(base, runs)
    return row


async def delete_runs(base: str, runs: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for run in runs:
            headers = {"Authorization": f"Bearer {run['control_token']}"}
            await http.delete(f"/api/runs/{run['id']}", headers=headers)


async def watch(
    watchers: list[Watcher], seconds: float, beside: list[Watcher] | None = None
) -> dict[str, float]:
    """Play the watchers' runs for ``seconds``, then pause them: what their viewers got
    (``start``: when the window began). ``beside``: more sockets read in the same window,
    neither played nor counted (a dashboard's). The clients' own garbage collector is off
    meanwhile: its pauses (up to ~0.1 s with hundreds of sockets) would show as the
    server's frame gaps."""
    others = beside or []
    for watcher in watchers + others:
        watcher.times.clear()
    await play(watchers)
    start = time.monotonic()
    gc.disable()
    try:
        await asyncio.gather(*(w.read(start + seconds) for w in watchers + others))
    finally:
        gc.enable()
    await play(watchers, "pause")
    gaps = gaps_of(watchers, skip=WARM_UP)
    frames = sum(t >= start + WARM_UP for w in watchers for t in w.times)
    rate = frames / (seconds - WARM_UP)
    p99 = statistics.quantiles(gaps, n=100)[98] if len(gaps) > 100 else float("inf")
    delivered = rate / sum(w.fps for w in watchers)
    return {"n": len(watchers), "p99": p99, "fps": rate, "delivered": delivered, "start": start}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far of the server's main process, its worker processes and this one
    (the bench's websocket clients)."""
    children = Path(f"/proc/{server}/task/{server}/children").read_text().split()
    return {
        "server": cpu_seconds(server),
        "workers": sum(cpu_seconds(int(child)) for child in children),
        "clients": cpu_seconds(os.getpid()),
    }


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


# -- the bare engine ---------------------------------------------------------------------


def bare_worker(bodies: list[dict[str, Any]], seconds: float, out: Any) -> None:
    """Round-robin over the runs, one epoch and one encoded frame each, as a worker does with
    no server: runs of the same shape train their epoch stacked (``engine.batch``), as the
    scheduler does them, so the ratio measures the server and nothing else."""
    trainers = [Trainer(ExperimentConfig.model_validate(b)) for b in bodies]
    groups: dict[Any, list[Trainer]] = {}
    for trainer in trainers:
        groups.setdefault(batch_key(trainer), []).append(trainer)
    frames, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for key, group in groups.items():
            if key is not None and len(group) > 1:
                train_epochs(group)
            else:
                for trainer in group:
                    trainer.train_epoch()
            for trainer in group:
                encode_frame("bench", trainer.frame(100))
                frames += 1
    out.put(frames)


def measure_bare(
    n: int, workers: int, seconds: float, bodies: list[dict[str, Any]] | None = None
) -> float:
    """Frames a second of the bare engine over the same N runs (``bodies``, their configs;
    default: ``configs(n)``), in ``workers`` processes."""
    bodies = configs(n) if bodies is None else bodies
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    procs = [
        context.Process(target=bare_worker, args=(bodies[i::workers], seconds, out))
        for i in range(workers)
    ]
    with single_threaded_children():  # as the server's workers run
        for proc in procs:
            proc.start()
    total: int = sum(out.get() for _ in procs)
    for proc in procs:
        proc.join()
    return total / seconds


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
