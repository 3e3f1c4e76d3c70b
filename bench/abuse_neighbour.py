"""Abuse cases measured by a neighbour: a view flood on a big run (3) and one big run played
and stepped (4), on the same worker as a small run whose viewer asks 20 frames a second.

The neighbour's frames are recorded throughout; each phase's p99 gap is taken from the frames
inside it. The server has one worker (NNPG_WORKERS=1), so the runs share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from abuse_kit import BIG_NET, TALLY, Outcome, Served, create, p99_ms
from serve import FPS, Watcher, open_watchers, play, ws_url
from websockets.asyncio.client import ClientConnection, connect

P99_BAR_MS = 150.0
FLOOD_RATE, FLOOD_SECONDS = 29, 10.0  # just under the socket's 30 messages a second
RESOLUTIONS = (10, 50, 100, 150, 200)


@dataclass
class Neighbour:
    """The small run's viewer, and the windows (phases) its frame gaps are judged in."""

    watcher: Watcher
    phases: dict[str, tuple[float, float]] = field(default_factory=dict)

    async def phase(self, name: str, seconds: float) -> None:
        """Let ``seconds`` pass as the phase ``name`` (whatever runs meanwhile is its load)."""
        start = time.monotonic()
        await asyncio.sleep(seconds)
        self.phases[name] = (start, time.monotonic())

    def p99(self, name: str) -> float:
        start, end = self.phases[name]
        times = [t for t in self.watcher.times if start <= t <= end]
        return p99_ms([b - a for a, b in itertools.pairwise(times)])


async def neighbour_cases(served: Served) -> list[Outcome]:
    async with served.client() as http:
        made = await create(http, {"config": {"seed": 1}, "start": False})
        [watcher] = await open_watchers(served.port, [made], FPS)
        await play([watcher])
        reader = asyncio.create_task(watcher.read(time.monotonic() + 600))
        neighbour = Neighbour(watcher)
        try:
            await asyncio.sleep(1.0)  # its first turns are not counted
            await neighbour.phase("alone", 4.0)
            outcomes = [await view_flood(served, http, neighbour)]
            outcomes.append(await big_run(served, http, neighbour))
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await watcher.ws.close()
    return outcomes


def judge(out: Outcome, neighbour: Neighbour, names: list[str]) -> None:
    """The worst p99 of the phases ``names``, against the bar."""
    p99s = {name: round(neighbour.p99(name), 1) for name in names}
    out.figures["neighbour_p99_ms"] = p99s
    out.figures["neighbour_alone_p99_ms"] = round(neighbour.p99("alone"), 1)
    out.neighbour_p99_ms = max(p99s.values())
    worst = max(p99s, key=p99s.__getitem__)
    out.check(
        out.neighbour_p99_ms < P99_BAR_MS,
        f"neighbour p99 < {P99_BAR_MS:g} ms",
        f"neighbour p99 {out.neighbour_p99_ms:.0f} ms ({worst})",
    )


async def view_flood(served: Served, http: httpx.AsyncClient, neighbour: Neighbour) -> Outcome:
    out = Outcome(
        "3 view flood",
        f"a watcher without token sends {FLOOD_RATE} view messages/s "
        f"(focus 0…639, resolution 10…200) for {FLOOD_SECONDS:g} s to a playing "
        f"{BIG_NET} run, the last (resolution 200, a focus) held 5 s, then the default; "
        "neighbour watched before, during and 10 s after",
    )
    before = len(TALLY.errors)
    big = await create(http, {"config": {"network": {"hidden": BIG_NET}}})
    flooder = await connect(ws_url(served.port, big, token=False), max_size=None)
    counts = {"frames": 0, "errors": 0}
    drain = asyncio.create_task(_drain(flooder, counts))
    await neighbour.phase("big run watched", 3.0)
    sent = await _flood(flooder, neighbour)
    await neighbour.phase("heaviest view held", 5.0)  # its last: resolution 200, a focus
    await flooder.send(json.dumps({"type": "view", "resolution": 100, "focus": -1}))
    await neighbour.phase("after flood", 10.0)
    drain.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await drain
    await flooder.close()
    auth = {"Authorization": f"Bearer {big['control_token']}"}
    await http.post(f"/api/runs/{big['id']}/cancel", headers=auth)
    out.server_errors = len(TALLY.errors) - before
    out.figures.update(sent=sent, flooder_frames=counts["frames"], error_replies=counts["errors"])
    judge(out, neighbour, ["big run watched", "flood", "heaviest view held", "after flood"])
    out.check(counts["frames"] > 0, "the flooder is still served frames", "the flooder got none")
    return out


async def _flood(ws: ClientConnection, neighbour: Neighbour) -> int:
    """``FLOOD_RATE`` view messages a second for ``FLOOD_SECONDS``, as the phase "flood"."""
    start, sent = time.monotonic(), 0
    count = int(FLOOD_RATE * FLOOD_SECONDS)
    for k in range(count):
        focus = k * 37 % sum(BIG_NET) if k % 5 or k == count - 1 else -1
        resolution = RESOLUTIONS[-1] if k == count - 1 else RESOLUTIONS[k % len(RESOLUTIONS)]
        view = {"type": "view", "focus": focus, "resolution": resolution}
        await ws.send(json.dumps(view))
        sent += 1
        await asyncio.sleep(max(0.0, start + (k + 1) / FLOOD_RATE - time.monotonic()))
    neighbour.phases["flood"] = (start, time.monotonic())
    return sent


async def _drain(ws: ClientConnection, counts: dict[str, int]) -> None:
    """Read everything (a watcher that stops reading is dropped), counting frames and errors."""
    with contextlib.suppress(Exception):
        async for message in ws:
            if isinstance(message, bytes):
                counts["frames"] += b'"type":"frame"' in message[:40]
            elif '"type":"error"' in message:
                counts["errors"] += 1


BIG_RUN: dict[str, Any] = {
    "config": {
        "data": {"n_samples": 10_000},
        "network": {"hidden": BIG_NET},
        "training": {"batch_size": 1},
    },
    "start": False,
}


async def big_run(served: Served, http: httpx.AsyncClient, neighbour: Neighbour) -> Outcome:
    out = Outcome(
        "4 one big run",
        f"a 10,000-point batch-1 {BIG_NET} run, its owner watching: "
        "play 5 s, then step epochs=1000 for 6 s, then cancel; neighbour watched",
    )
    before = len(TALLY.errors)
    made = await create(http, BIG_RUN)
    [owner] = await open_watchers(served.port, [made], FPS)
    reader = asyncio.create_task(owner.read(time.monotonic() + 60))
    await play([owner])
    await neighbour.phase("big run plays", 5.0)
    played = (await http.get(f"/api/runs/{made['id']}")).json()
    await owner.ws.send(json.dumps({"type": "step", "epochs": 1000}))
    await neighbour.phase("big run steps", 6.0)
    stepped = (await http.get(f"/api/runs/{made['id']}")).json()
    auth = {"Authorization": f"Bearer {made['control_token']}"}
    await http.post(f"/api/runs/{made['id']}/cancel", headers=auth)
    await neighbour.phase("after big run", 3.0)
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader
    await owner.ws.close()
    out.server_errors = len(TALLY.errors) - before
    out.figures.update(
        steps_played=played["step"],
        steps_stepped=stepped["step"] - played["step"],
        owner_frames=len(owner.times),
    )
    judge(out, neighbour, ["big run plays", "big run steps", "after big run"])
    out.check(
        stepped["step"] > played["step"],
        "the big run trains when stepped",
        "the step trained nothing",
    )
    out.check(len(owner.times) > 0, "its owner is sent frames", "its owner got no frame")
    return out
