"""What the abuse bench's cases share: a real server in a temporary folder, its memory, an
HTTP client that counts server errors, and each case's outcome.

The server is `nnplayground serve` on 127.0.0.1 (``serve.start_server``), its run store and
log in a temporary folder; every request loop of a case is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from serve import free_port, start_server

BIG_NET = [256, 256, 128]  # 99,585 parameters: the largest of this shape within 100,000
MEMORY_KILL_MB = 3072.0  # past this the bench kills the server: the machine is shared


@dataclass
class Outcome:
    """One case: what it sent, the checks that held and those that broke, its figures."""

    case: str
    sent: str
    held: list[str] = field(default_factory=list)
    broke: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    server_errors: int = 0
    neighbour_p99_ms: float | None = None
    lost_rows: int = 0

    def check(self, ok: bool, held: str, broke: str | None = None) -> bool:
        """Record ``held`` when ``ok``, else ``broke`` (what happened instead)."""
        if ok:
            self.held.append(held)
        else:
            self.broke.append(broke or f"NOT {held}")
        return ok


class Tally:
    """Every 5xx the bench's clients saw (a 503 with Retry-After is the documented 'full')."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def seen(self, response: httpx.Response) -> None:
        status = response.status_code
        if status >= 500 and not (status == 503 and "retry-after" in response.headers):
            path = response.request.url.raw_path.decode()[:70]
            self.errors.append(f"{response.request.method} {path} -> {status}")

    async def hook(self, response: httpx.Response) -> None:
        self.seen(response)


TALLY = Tally()


@dataclass
class Served:
    """A running server: where it listens, its process and its log."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    raised: list[str] = field(default_factory=list)  # its log's exceptions, once it stopped

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, timeout: float = 30.0, **kwargs: Any) -> httpx.AsyncClient:
        """An HTTP client whose every answer is tallied."""
        return httpx.AsyncClient(
            base_url=self.base,
            timeout=timeout,
            event_hooks={"response": [TALLY.hook]},
            **kwargs,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_mb(self) -> float:
        """Resident memory of the server and all its processes (workers), from /proc."""
        return sum(rss_kb(pid) for pid in process_tree(self.process.pid)) / 1024

    def tracebacks(self) -> list[str]:
        """The last line of each traceback in the server's log: the exceptions it raised."""
        lines = self.log.read_text(errors="replace").splitlines()
        ends = []
        for index, line in enumerate(lines):
            if line.startswith("Traceback"):
                rest = lines[index + 1 :]
                last = next((x for x in rest if x and not x.startswith((" ", "Traceback"))), "")
                ends.append(last[:160])
        return ends


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (children started by any of its threads)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def serving(workers: int | None = None, **settings: str) -> Iterator[Served]:
    """A server with its own store and log in a temporary folder; stopped afterwards (killed
    if it does not stop within 10 s, as when a thread of it is stuck in a computation)."""
    with tempfile.TemporaryDirectory(prefix="nnpg-abuse-") as folder:
        env = {"NNPG_DATABASE": str(Path(folder) / "runs.db"), **settings}
        port, log = free_port(), Path(folder) / "server.log"
        process = start_server(port, workers, env, log)
        served = Served(port, process, log)
        try:
            yield served
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            served.raised = served.tracebacks()  # the log goes with the folder


class MemoryWatch:
    """Samples the server's memory every 0.1 s; past ``MEMORY_KILL_MB`` it kills the server
    and notes what was in flight."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.peak = served.rss_mb()
        self.killed: str | None = None
        self.in_flight: dict[int, str] = {}

    async def _sample(self) -> None:
        while self.served.alive():
            self.peak = max(self.peak, self.served.rss_mb())
            if self.peak > MEMORY_KILL_MB:
                self.killed = ", ".join(sorted(set(self.in_flight.values()))) or "nothing"
                self.served.process.kill()
                return
            await asyncio.sleep(0.1)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[MemoryWatch]:
        task = asyncio.create_task(self._sample())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def create(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/runs; raises with the server's answer unless it is 201."""
    response = await http.post("/api/runs", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"creating {body} -> {response.status_code} {response.text[:300]}")
    made: dict[str, Any] = response.json()
    return made


TERMINAL = ("succeeded", "failed", "diverged", "cancelled", "interrupted")


async def settled(
    http: httpx.AsyncClient, run_id: str, seconds: float = 60.0, wanted: tuple[str, ...] = TERMINAL
) -> dict[str, Any]:
    """The run once its status is one of ``wanted`` (or as it is after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        run: dict[str, Any] = (await http.get(f"/api/runs/{run_id}")).json()
        if run.get("status") in wanted or time.monotonic() > deadline:
            return run
        await asyncio.sleep(0.1)


def detail_of(response: httpx.Response) -> str | None:
    """The JSON ``detail`` of an error answer, as text (None: not JSON, or no detail)."""
    try:
        body = response.json()
    except json.JSONDecodeError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return None if detail is None else json.dumps(detail, ensure_ascii=False)[:160]


def p99_ms(gaps: list[float]) -> float:
    """The 99th percentile of frame gaps, in ms (inf with too few frames to tell)."""
    if len(gaps) < 10:
        return float("inf")
    return statistics.quantiles(gaps, n=100)[98] * 1e3
