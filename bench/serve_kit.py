"""What the server benches share: a served `nnplayground serve` on 127.0.0.1, its runs, lean
websocket viewers that record when frames come, where the cores go, and the bare engine
producing the same frames with no server (``measure_bare``). ``bench/serve.py``,
``bench/classroom.py`` and ``bench/sweep.py`` are built on it.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lean_ws import LeanSocket, connect_lean  # noqa: E402
from engine import ExperimentConfig, Trainer  # noqa: E402
from engine.batch import batch_key, train_epochs  # noqa: E402
from server.wire import encode_frame  # noqa: E402
from server.workers import single_threaded_children  # noqa: E402

# "default playground runs": TF's [4, 2] up to [8]×6, one epoch per frame, 100×100 grid
NET_MIXES = {"mix": [[4, 2], [8, 8], [8, 8, 8, 8], [8] * 6], "tf": [[4, 2]]}
NETS = NET_MIXES["mix"]
FPS = 20.0
WARM_UP = 1.0  # seconds after play that are not counted: the runs' first turns


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
