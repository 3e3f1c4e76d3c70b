"""Abuse cases at the edges of the API: slot grab (6), CSV oddities (7), websocket abuse
(8), privacy of the run list (9) and the Host header (10)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

import httpx
from abuse_kit import TALLY, Outcome, Served, create, detail_of, p99_ms
from serve import FPS, Watcher, open_watchers, play
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

# -- 6. slot grab --------------------------------------------------------------------------

GRAB_MOST, SPOOFED = 150, 30


async def slot_grab(served: Served) -> Outcome:
    """One client creates runs until refused (429), then once more with a new
    X-Forwarded-For address per request: none of those may get through."""
    out = Outcome(
        "6 slot grab",
        f"creates (start: false) until refused, at most {GRAB_MOST}; "
        f"then {SPOOFED} with a new X-Forwarded-For address each",
    )
    before = len(TALLY.errors)
    async with served.client() as http:
        created, refusal = 0, None
        for _ in range(GRAB_MOST):
            response = await http.post("/api/runs", json={"start": False})
            if response.status_code != 201:
                refusal = response
                break
            created += 1
        spoofed: dict[int, int] = {}
        for i in range(SPOOFED):
            headers = {"X-Forwarded-For": f"127.77.{i // 250}.{i % 250 + 1}"}
            response = await http.post("/api/runs", json={"start": False}, headers=headers)
            spoofed[response.status_code] = spoofed.get(response.status_code, 0) + 1
    out.server_errors = len(TALLY.errors) - before
    code = refusal.status_code if refusal is not None else None
    out.figures = {"created_before_refusal": created, "refusal": code, "spoofed": spoofed}
    if refusal is not None:
        retry = refusal.headers.get("retry-after")
        out.check(
            code == 429 and retry is not None,
            f"refused after {created}: 429, Retry-After {retry}, {detail_of(refusal)}",
            f"refused after {created} with {code} {refusal.text[:100]}",
        )
    else:
        out.check(False, "", f"never refused: {created} runs created")
    through = spoofed.get(201, 0)
    out.check(
        through == 0,
        "X-Forwarded-For does not reset the limit",
        f"X-Forwarded-For bypassed the limit: {through} of {SPOOFED} created",
    )
    return out


# -- 7. CSV oddities -----------------------------------------------------------------------

ROWS = [f"{i * 0.5 - 2.5:.1f},{2 - i * 0.4:.1f},{1 if i % 2 else 0}" for i in range(10)]


def odd_csvs() -> dict[str, tuple[str, bool]]:
    """Each odd CSV, and whether taking it whole is an acceptable answer (else a 4xx)."""
    header = "x1,x2,label"
    return {
        "CR-only line endings": ("\r".join([header, *ROWS]) + "\r", True),
        "a field over 131,072 characters": (
            "\n".join([header, "0." + "1" * 131_080 + ",0.5,1", *ROWS[1:]]),
            True,
        ),
        "a BOM on a header-less file": ("\ufeff" + "\n".join(ROWS), True),
        "a CSV over 1,000,000 characters": ("\n".join([header, *ROWS * 9200]), False),
    }


async def csv_oddities(served: Served) -> Outcome:
    """Each must be answered 4xx with a JSON detail, or taken with every row; never a 5xx."""
    cases = odd_csvs()
    out = Outcome("7 CSV oddities", "POST /api/runs with dataset csv: " + "; ".join(cases))
    before = len(TALLY.errors)
    answers: dict[str, Any] = {}
    for name, (text, whole_ok) in cases.items():
        body = {"config": {"data": {"dataset": "csv", "csv": text}}, "start": False}
        async with served.client() as http:  # its own connection: a 500 closes the one it used
            try:
                response = await http.post("/api/runs", json=body)
            except httpx.TransportError as error:
                answers[name] = "no answer"
                out.check(False, "", f"{name}: no answer ({type(error).__name__})")
                continue
            answers[name] = response.status_code
            if response.status_code == 201 and whole_ok:
                points = await dataset_size(served, response.json()["id"])
                out.check(
                    points == len(ROWS),
                    f"{name}: taken, all {points} rows",
                    f"{name}: 201 but {points} of {len(ROWS)} rows kept",
                )
                continue
            detail = detail_of(response)
            out.check(
                400 <= response.status_code < 500 and detail is not None,
                f"{name}: {response.status_code} {detail}",
                f"{name}: {response.status_code} {response.text[:100]!r}",
            )
    out.server_errors = len(TALLY.errors) - before
    out.figures = {"answers": answers}
    return out


async def dataset_size(served: Served, run_id: str) -> int:
    """How many points a run holds (train and test): its stream's dataset message."""
    async with connect(f"ws://127.0.0.1:{served.port}/api/runs/{run_id}/stream") as ws:
        async with asyncio.timeout(10):
            async for message in ws:
                if isinstance(message, str) and '"type":"dataset"' in message:
                    data = json.loads(message)
                    return len(data["train"]) + len(data["test"])
    return -1


# -- 8. websocket abuse --------------------------------------------------------------------

BIG_MESSAGE = 16 * 1024 * 1024
MALFORMED = 1000


def malformed(k: int) -> str | bytes:
    shapes: list[str | bytes] = [
        "not json",
        b"\x00\xff binary",
        "[1, 2, 3]",
        '{"type": "nope"}',
        '{"type": "view", "focus": "a"}',
        '{"type": "step", "epochs": 1, "batches": 1}',
        '{"type": "weight", "layer": 99, "target": 0, "value": 1}',
        '{"type": "set", "learning_rate": NaN}',
        '{"type": "view", "resolution": 1e400}',
        "{" * 2000,
    ]
    return shapes[k % len(shapes)]


async def websocket_abuse(served: Served) -> Outcome:
    out = Outcome(
        "8 websocket abuse",
        f"a {BIG_MESSAGE // 2**20} MiB text message; a stream of "
        f"a 300-character run id; {MALFORMED} malformed messages; a bystander watched",
    )
    before = len(TALLY.errors)
    async with served.client() as http:
        target = await create(http, {"config": {"seed": 3}})
        bystander_run = await create(http, {"config": {"seed": 4}, "start": False})
        [bystander] = await open_watchers(served.port, [bystander_run], FPS)
        await play([bystander])
        reader = asyncio.create_task(bystander.read(time.monotonic() + 120))
        url = f"ws://127.0.0.1:{served.port}/api/runs/{target['id']}/stream"
        out.figures["big_message"] = await _big_message(url, out)
        await _long_id(served, http, out)
        out.figures["malformed"] = await _malformed(url, out)
        await asyncio.sleep(2.0)  # the bystander watched on: it was served all along
        alive = await http.get("/api/health")
        out.check(alive.status_code == 200, "the server still answers", f"health {alive}")
        await _bystander_check(bystander, reader, out)
    out.server_errors = len(TALLY.errors) - before
    return out


async def _big_message(url: str, out: Outcome) -> str:
    async with connect(url, max_size=None) as ws:
        started = time.monotonic()
        try:
            await ws.send('{"type":"view","pad":"' + "x" * (BIG_MESSAGE - 30) + '"}')
            async with asyncio.timeout(10):
                async for message in ws:
                    if isinstance(message, str) and '"type":"error"' in message:
                        answer = f"error reply: {json.loads(message)['message']}"
                        break
                else:
                    answer = "closed without a word"
        except ConnectionClosed as closed:
            answer = f"closed {closed.rcvd.code if closed.rcvd else 'abruptly'}"
        except TimeoutError:
            answer = "no answer in 10 s"
    answer += f" after {time.monotonic() - started:.1f} s"
    out.check("no answer" not in answer, f"16 MiB message: {answer}", f"16 MiB: {answer}")
    return answer


async def _long_id(served: Served, http: httpx.AsyncClient, out: Outcome) -> None:
    """A run id of 300 characters: the close reason naming it must still fit a close frame."""
    long_id = "r" * 300
    url = f"ws://127.0.0.1:{served.port}/api/runs/{long_id}/stream"
    try:
        async with connect(url) as ws:
            await asyncio.wait_for(ws.recv(), 10)
        code, reason = None, "no close"
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
        reason = closed.rcvd.reason if closed.rcvd else "closed without a close frame"
    except (InvalidStatus, WebSocketException, TimeoutError) as error:
        code, reason = None, f"{type(error).__name__}: {error}"
    size = len(reason.encode())
    out.check(
        code == 4404 and size <= 123,
        f"300-char id: closed 4404, reason of {size} bytes",
        f"300-char id: closed {code}, {reason[:80]!r}",
    )
    response = await http.get(f"/api/runs/{long_id}")
    out.check(
        response.status_code == 404,
        "GET of a 300-char id: 404",
        f"GET of a 300-char id: {response.status_code}",
    )


async def _malformed(url: str, out: Outcome) -> str:
    sent, code = 0, None
    async with connect(url, max_size=None) as ws:
        try:
            for k in range(MALFORMED):
                await ws.send(malformed(k))
                sent += 1
            async with asyncio.timeout(5):
                async for _ in ws:
                    pass
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            code = None
    answer = f"{sent} sent, closed {code}"
    out.check(code == 1008, f"malformed: {answer} (policy)", f"malformed: {answer}")
    return answer


async def _bystander_check(watcher: Watcher, reader: asyncio.Task[None], out: Outcome) -> None:
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader
    await watcher.ws.close()
    times = watcher.times
    gap = max((b - a for a, b in itertools.pairwise(times)), default=float("inf"))
    out.figures["bystander"] = {
        "frames": len(times),
        "p99_ms": round(p99_ms([b - a for a, b in itertools.pairwise(times)]), 1),
        "worst_gap_ms": round(gap * 1e3),
    }
    out.check(
        gap < 1.0,
        "a bystander's frames kept coming (worst gap < 1 s)",
        f"a bystander waited {gap:.1f} s for a frame",
    )


# -- 9. privacy ----------------------------------------------------------------------------


async def privacy(served: Served) -> Outcome:
    out = Outcome("9 privacy", "GET /api/runs without a token, then with one run's token")
    before = len(TALLY.errors)
    async with served.client() as http:
        mine = await create(http, {"start": False})
        await create(http, {"start": False})
        stranger = (await http.get("/api/runs")).json().get("runs", [])
        auth = {"Authorization": f"Bearer {mine['control_token']}"}
        owner = (await http.get("/api/runs", headers=auth)).json().get("runs", [])
    out.server_errors = len(TALLY.errors) - before
    out.figures = {"listed_to_stranger": len(stranger), "listed_to_owner": len(owner)}
    out.check(not stranger, "no token: lists nothing", f"no token: lists {len(stranger)} runs")
    ids = [run["id"] for run in owner]
    out.check(
        ids == [mine["id"]], "one token: lists that run alone", f"one token: lists {len(ids)} runs"
    )
    return out


# -- 10. Host header -----------------------------------------------------------------------


async def host_header(served: Served) -> Outcome:
    out = Outcome(
        "10 Host header",
        "GET /api/health and / with Host: evil.example, and with the server's own host",
    )
    before = len(TALLY.errors)
    async with served.client() as http:
        for path in ("/api/health", "/"):
            evil = await http.get(path, headers={"Host": "evil.example"})
            own = await http.get(path)
            out.check(
                400 <= evil.status_code < 500,
                f"{path} for evil.example: {evil.status_code}",
                f"{path} for evil.example: {evil.status_code}, not refused",
            )
            out.check(
                own.status_code == 200,
                f"{path} for 127.0.0.1: 200",
                f"{path} for 127.0.0.1: {own.status_code}",
            )
    out.server_errors = len(TALLY.errors) - before
    return out
