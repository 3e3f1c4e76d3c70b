"""Abuse cases that load the server through REST: heavy reads (1), one bad row among normal
runs (2), and a store race (5)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from abuse_kit import BIG_NET, TALLY, MemoryWatch, Outcome, Served, create, detail_of, settled
from pydantic import ValidationError
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from engine import ExperimentConfig
from engine.datasets import split

# -- 1. heavy reads ------------------------------------------------------------------------

HEAVY_SECONDS = 15.0
HEAVY_TIMEOUT = 20.0  # one answer slower than this counts as the server held hostage
MEMORY_BAR_MB = 1024.0  # server and workers together
PREDICT_POINTS = [[(i % 100) * 0.12 - 6, (i // 100) * 0.12 - 6] for i in range(10_000)]
READS = [
    ("GET", "/metrics"),
    ("GET", "/model"),
    ("GET", "/model?format=npz"),
    ("GET", "/export"),
    ("GET", "/export?format=pytorch"),
    ("POST", "/predict"),
    ("GET", "/boundary.png?size=50"),
    ("GET", "/boundary.png?size=200"),
    ("GET", "/boundary.png?size=400&test=true"),
    ("GET", "/boundary.png?size=1000"),
]


async def heavy_reads(served: Served) -> Outcome:
    """Two anonymous clients loop over the heaviest reads of two big-net runs (one ended,
    one live and paused) for ``HEAVY_SECONDS``: no 5xx, every answer in time, memory held."""
    out = Outcome(
        "1 heavy reads",
        f"2 anonymous clients × {HEAVY_SECONDS:g} s over {len(READS)} "
        f"reads (boundary.png up to size=1000, predict 10k points) of a {BIG_NET} net",
    )
    before = len(TALLY.errors)
    async with served.client(timeout=HEAVY_TIMEOUT) as http:
        ended = await create(
            http, {"config": {"network": {"hidden": BIG_NET}, "training": {"max_epochs": 3}}}
        )
        live = await create(http, {"config": {"network": {"hidden": BIG_NET}}})
        auth = {"Authorization": f"Bearer {live['control_token']}"}
        await http.post(f"/api/runs/{live['id']}/pause", headers=auth)
        await settled(http, ended["id"])
    reads = Reads(MemoryWatch(served), time.monotonic() + HEAVY_SECONDS)
    idle = reads.watch.peak
    async with reads.watch.watching():
        await asyncio.gather(
            *(reads.loop(served, run["id"], k * 5) for k, run in enumerate((ended, live)))
        )
    watch, slow = reads.watch, reads.slow
    errors = TALLY.errors[before:]
    out.server_errors = len(errors)
    out.figures = {
        "answers": dict(reads.statuses),
        "peak_rss_mb": round(watch.peak),
        "idle_rss_mb": round(idle),
        "slowest_s": reads.slowest,
    }
    out.check(not errors, "no 5xx", f"5xx: {errors[:3]}")
    out.check(
        not slow,
        f"every answer within {HEAVY_TIMEOUT:g} s",
        f"no answer in {HEAVY_TIMEOUT:g} s to {', '.join(sorted(set(slow)))}",
    )
    killed = f"; killed at {watch.peak:.0f} MB while serving {watch.killed}" if watch.killed else ""
    out.check(
        watch.peak <= MEMORY_BAR_MB and not watch.killed,
        f"memory ≤ {MEMORY_BAR_MB:.0f} MB",
        f"memory reached {watch.peak:.0f} MB (bar {MEMORY_BAR_MB:.0f}){killed}",
    )
    out.check(served.alive(), "the server still serves", "the server is gone")
    return out


@dataclass
class Reads:
    """What the reading clients saw: each answer's status, the reads that timed out and the
    slowest answer of each read; they stop at ``end``."""

    watch: MemoryWatch
    end: float
    statuses: Counter[str] = field(default_factory=Counter)
    slow: list[str] = field(default_factory=list)
    slowest: dict[str, float] = field(default_factory=dict)

    async def loop(self, served: Served, run_id: str, start: int) -> None:
        """One client: the reads in turn from ``start`` (a read in flight at the end is
        abandoned)."""
        async with served.client(timeout=HEAVY_TIMEOUT) as http:
            for turn in itertools.count(start):
                if time.monotonic() >= self.end or not served.alive():
                    return
                method, path = READS[turn % len(READS)]
                self.watch.in_flight[id(http)] = path
                try:
                    await self._read(http, method, f"/api/runs/{run_id}{path}", path)
                except TimeoutError:
                    return  # the case's time is up
                finally:
                    self.watch.in_flight.pop(id(http), None)

    async def _read(self, http: httpx.AsyncClient, method: str, url: str, path: str) -> None:
        body = {"points": PREDICT_POINTS} if method == "POST" else None
        started = time.monotonic()
        try:
            async with asyncio.timeout(max(0.1, self.end - started)):
                response = await http.request(method, url, json=body)
        except httpx.TimeoutException:
            self.slow.append(path)
            return
        except httpx.TransportError:
            self.statuses["no answer"] += 1
            return
        self.statuses[str(response.status_code)] += 1
        took = round(time.monotonic() - started, 2)
        self.slowest[path] = max(took, self.slowest.get(path, 0.0))


# -- 2. one bad row ------------------------------------------------------------------------

NORMAL_RUNS = 8
NORMAL_EPOCHS = 40
REGRESSION_ROWS = [(round(-5 + 0.25 * i, 2), round(3 - 0.15 * i, 2)) for i in range(40)]


def bad_csv(label: str) -> tuple[str, int]:
    """A regression CSV with one row's label ``label``, and a seed that puts that row in the
    test split (0 if the config is refused here already: the server will refuse it too)."""
    rows = [f"{a},{b},{a * 0.3 - b * 0.2 + 0.05:.3f}" for a, b in REGRESSION_ROWS]
    rows[7] = f"{REGRESSION_ROWS[7][0]},{REGRESSION_ROWS[7][1]},{label}"
    text = "x1,x2,label\n" + "\n".join(rows) + "\n"
    try:
        data = ExperimentConfig.model_validate({"data": {"dataset": "csv", "csv": text}}).data
    except ValidationError:
        return text, 0
    points = data.user_dataset()
    assert points is not None
    for seed in range(100):  # a run's split is the first draw of its seed's generator
        test = split(points, data.train_ratio, np.random.default_rng(seed)).test.y
        if abs(test).max() >= abs(float(label)):
            return text, seed
    raise RuntimeError("no seed puts the odd label in the test split")


FAILS = ("failed",)  # with an error saying why
ANY_END = ("succeeded", "diverged", "failed")


def bad_bodies() -> dict[str, tuple[dict[str, Any], tuple[str, ...]]]:
    """Each bad body, and the ends allowed when it is not refused."""
    huge, seed = bad_csv("1e200")
    bound, bound_seed = bad_csv("-1e6")
    points = [[a, b, 0.5] for a, b in REGRESSION_ROWS[:20]]
    train = {"max_epochs": NORMAL_EPOCHS}
    return {
        "csv test label 1e200": (
            {"config": {"seed": seed, "data": {"dataset": "csv", "csv": huge}, "training": train}},
            FAILS,
        ),
        "points x1=1e200": (
            {"config": {"data": {"dataset": "points", "points": [[1e200, 0, 1], *points]}}},
            FAILS,
        ),
        "points label 1e300": (
            {"config": {"data": {"dataset": "points", "points": [[0, 0, 1e300], *points]}}},
            FAILS,
        ),
        "csv test label -1e6 (the bound)": (
            {
                "config": {
                    "seed": bound_seed,
                    "data": {"dataset": "csv", "csv": bound},
                    "training": train,
                }
            },
            ANY_END,
        ),
    }


async def bad_row(served: Served) -> Outcome:
    """Bad runs created among 8 normal ones (max_epochs 40) on the same workers: every normal
    run ends succeeded with its 41 rows; each bad one is refused or fails clearly; 200 visits
    to a bad run leave no viewer behind."""
    out = Outcome(
        "2 one bad row",
        f"{NORMAL_RUNS} runs of {NORMAL_EPOCHS} epochs beside: "
        + "; ".join(bad_bodies())
        + "; then 200 watchers of the bad run, 20 at a time, half leaving without a close",
    )
    before = len(TALLY.errors)
    async with served.client() as http:
        normal, bad = [], {}
        bodies = list(bad_bodies().items())
        for i in range(NORMAL_RUNS):
            body = {"config": {"seed": i, "training": {"max_epochs": NORMAL_EPOCHS}}}
            normal.append(await create(http, body))
            if i % 2 and bodies:
                name, (body, ends) = bodies.pop()
                bad[name] = (await http.post("/api/runs", json=body), ends)
        await _check_bad(http, bad, out)
        rows = await _check_normal(http, normal, out)
        target = next((r.json()["id"] for r, _ in bad.values() if r.status_code == 201), None)
        leaked = await _visits(served, http, target or normal[0]["id"], 200)
    out.lost_rows = NORMAL_RUNS * (NORMAL_EPOCHS + 1) - rows
    out.server_errors = len(TALLY.errors) - before
    out.figures = {
        "rows": rows,
        "lost_rows": out.lost_rows,
        "viewers_after": leaked,
        "watched": "the bad run" if target else "a normal run (every bad run refused)",
    }
    out.check(out.server_errors == 0, "no 5xx", f"5xx: {TALLY.errors[before:][:3]}")
    out.check(leaked == 0, "viewers back to 0 after 200 visits", f"{leaked} viewers left")
    return out


async def _check_bad(
    http: httpx.AsyncClient, bad: dict[str, tuple[httpx.Response, tuple[str, ...]]], out: Outcome
) -> None:
    for name, (response, ends) in bad.items():
        if response.status_code == 422:
            out.check(True, f"{name}: 422 {detail_of(response)}")
            continue
        if response.status_code != 201:
            out.check(False, "", f"{name}: {response.status_code} {response.text[:120]}")
            continue
        run = await settled(http, response.json()["id"])
        summary = json.dumps(run.get("summary", {}).get("latest"))[:100]
        clear = run["status"] in ends and (run["status"] != "failed" or bool(run.get("error")))
        out.check(
            clear,
            f"{name}: accepted, ended {run['status']} {run.get('error') or ''}".rstrip(),
            f"{name}: accepted (201), ended {run['status']!r}, error {run.get('error')!r}, "
            f"latest row {summary}",
        )


async def _check_normal(http: httpx.AsyncClient, runs: list[dict[str, Any]], out: Outcome) -> int:
    """Every normal run's end and rows; returns the rows found."""
    found, ends = 0, Counter[str]()
    for made in runs:
        run = await settled(http, made["id"])
        epochs = (await http.get(f"/api/runs/{made['id']}/metrics")).json().get("epoch", [])
        found += len(set(epochs) & set(range(NORMAL_EPOCHS + 1)))
        ends[run["status"]] += 1
    out.check(
        ends == Counter(succeeded=len(runs)),
        f"all {len(runs)} normal runs succeeded",
        f"normal runs ended {dict(ends)}",
    )
    out.check(
        found == len(runs) * (NORMAL_EPOCHS + 1),
        f"all {found} rows stored",
        f"{found} of {len(runs) * (NORMAL_EPOCHS + 1)} rows stored",
    )
    return found


async def _visits(served: Served, http: httpx.AsyncClient, run_id: str, count: int) -> int:
    """``count`` watchers in turn, each reading its first message and leaving; returns the
    viewers /api/health still counts once they are gone (it settles within 5 s)."""
    url = f"ws://127.0.0.1:{served.port}/api/runs/{run_id}/stream"

    async def visit(k: int) -> None:
        try:
            async with connect(url, max_size=None) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                if k % 2:
                    ws.transport.abort()  # gone without a close handshake, as a crashed tab
        except (WebSocketException, TimeoutError, OSError):
            pass

    for first in range(0, count, 20):  # 20 at a time
        await asyncio.gather(*(visit(k) for k in range(first, min(count, first + 20))))
    deadline = time.monotonic() + 5
    while True:
        viewers = int((await http.get("/api/health")).json()["viewers"])
        if viewers == 0 or time.monotonic() > deadline:
            return viewers
        await asyncio.sleep(0.1)


# -- 5. store race -------------------------------------------------------------------------

RACE_CLIENTS, RACE_REQUESTS = 4, 500
RACE_SECONDS = 40.0


async def store_race(served: Served) -> Outcome:
    """4 clients × 500 requests (read, metrics, pause, resume with the token) across 4
    training runs; then every run's stored epochs must be unique and contiguous."""
    out = Outcome(
        "5 store race",
        f"{RACE_CLIENTS} clients × {RACE_REQUESTS} requests (GET run, "
        "GET metrics, POST pause, POST resume with token) over 4 training runs",
    )
    before = len(TALLY.errors)
    async with served.client() as http:
        runs = [
            await create(http, {"config": {"seed": i, "data": {"n_samples": 200}}, "speed": 200})
            for i in range(4)
        ]
        statuses: Counter[int] = Counter()
        started = time.monotonic()
        try:
            async with asyncio.timeout(RACE_SECONDS):
                racers = [_racer(served, runs, k, statuses) for k in range(RACE_CLIENTS)]
                await asyncio.gather(*racers)
        except TimeoutError:
            done = sum(statuses.values())
            out.check(
                False,
                "",
                f"only {done} of {RACE_CLIENTS * RACE_REQUESTS} requests "
                f"answered in {RACE_SECONDS:g} s",
            )
        seconds = time.monotonic() - started
        gaps = 0
        for run in runs:
            auth = {"Authorization": f"Bearer {run['control_token']}"}
            await http.post(f"/api/runs/{run['id']}/cancel", headers=auth)
            ended = await settled(http, run["id"])
            epochs = (await http.get(f"/api/runs/{run['id']}/metrics")).json()["epoch"]
            expected = list(range(ended["epoch"] + 1))
            gaps += len(set(expected) - set(epochs))
            out.check(
                epochs == expected,
                f"{run['id'][:8]}: epochs 0…{ended['epoch']} once each",
                f"{run['id'][:8]}: {len(epochs)} rows, {len(set(epochs))} distinct, "
                f"final epoch {ended['epoch']}",
            )
    out.server_errors = len(TALLY.errors) - before
    out.lost_rows = gaps
    out.figures = {"answers": dict(statuses), "seconds": round(seconds, 1), "missing_rows": gaps}
    out.check(out.server_errors == 0, "no 5xx", f"5xx: {TALLY.errors[before:][:3]}")
    return out


async def _racer(
    served: Served, runs: list[dict[str, Any]], k: int, statuses: Counter[int]
) -> None:
    async with served.client() as http:
        for j in range(RACE_REQUESTS):
            run = runs[(k + j) % len(runs)]
            auth = {"Authorization": f"Bearer {run['control_token']}"}
            path = f"/api/runs/{run['id']}"
            kind = (k + j // 4) % 4
            if kind == 0:
                response = await http.get(path)
            elif kind == 1:
                response = await http.get(f"{path}/metrics", params={"since_epoch": j % 7 - 1})
            else:
                response = await http.post(f"{path}/{('pause', 'resume')[kind - 2]}", headers=auth)
            statuses[response.status_code] += 1
