"""Generated websocket messages against live runs, from the server's own schema of client
messages: every shape (play … view with focus and resolution, step with epochs or batches,
weight edits, set, permissions), at and past each field's bounds, with keys dropped or
added, NaN, and plain garbage.

Each message goes to a run over its owner's socket; then a worker round trip (GET /model,
answered by the run's worker, which has handled the message by then) and a sentinel (an
unknown type, answered at once with an error) bound what the message led to. It fails on a
5xx, a closed socket, a frame that does not decode, or a run that ends ``failed``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.schemas import CLIENT_MESSAGE
from server.wire import decode

SCHEMA = CLIENT_MESSAGE.json_schema()
RUNS = [  # small and varied: weight edits aim inside and outside their layers
    {"network": {"hidden": [4, 3]}, "data": {"n_samples": 60}},
    {"network": {"hidden": [5]}, "data": {"dataset": "blobs", "classes": 3, "n_samples": 60}},
    {"network": {"hidden": [3, 3, 2]}, "data": {"dataset": "reg-plane", "n_samples": 60}},
]
SENTINEL = '{"type": "sentinel"}'
Strategy = st.SearchStrategy[Any]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    resolved: dict[str, Any] = SCHEMA["$defs"][ref.rsplit("/", 1)[1]] if ref else schema
    return resolved


def mostly(common: Strategy, *rare: Strategy, share: int = 6) -> Strategy:
    """``common`` ``share`` times in ``share`` + 1 on average, else one of ``rare``: a plain
    ``one_of`` gives each branch its own share."""
    return st.integers(0, share).flatmap(lambda k: common if k else st.one_of(*rare))


def _number(schema: dict[str, Any], integer: bool) -> Strategy:
    """Values inside the bounds, on them, just past them, and far past."""
    lo = schema.get("minimum", schema.get("exclusiveMinimum", -1e6))
    hi = schema.get("maximum", schema.get("exclusiveMaximum", 1e6))
    edges = [lo, hi, lo - 1, hi + 1, 0, -1]
    if integer:  # small ones mostly: the indices of a small network's weights
        small, inside = st.integers(int(lo), int(min(hi, lo + 6))), st.integers(int(lo), int(hi))
        return mostly(small, inside, st.sampled_from([int(e) for e in edges]), share=8)
    inside = st.floats(lo, hi, allow_nan=False, exclude_min="exclusiveMinimum" in schema)
    return mostly(inside, st.sampled_from([*edges, 1e308, -1e308, math.nan, math.inf]), share=8)


SIMPLE: dict[str, Strategy] = {
    "boolean": st.booleans(),
    "null": st.none(),
    "string": st.one_of(st.sampled_from(["l1", "l2", "none", ""]), st.text(max_size=12)),
}


def value(schema: dict[str, Any]) -> Strategy:
    """A value for one field's schema, mostly valid, sometimes just past valid."""
    schema = _resolve(schema)
    kind = schema.get("type", "")
    if "const" in schema:
        return st.just(schema["const"])
    if "anyOf" in schema:
        return st.one_of([value(option) for option in schema["anyOf"]])
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "array":
        return st.lists(value(schema.get("items", {})), max_size=12)
    return SIMPLE.get(kind, st.one_of(st.none(), st.integers(), st.text(max_size=8)))


def message(schema: dict[str, Any]) -> Strategy:
    """One message of a shape: its required keys, some optional ones; sometimes a required
    key dropped or an unknown one added."""
    schema = _resolve(schema)
    props = schema["properties"]
    required = {k: value(props[k]) for k in schema.get("required", [])}
    optional = {k: value(v) for k, v in props.items() if k not in required}
    base = st.fixed_dictionaries(required, optional=optional)
    dropped = base.map(lambda m: {k: v for k, v in m.items() if k == "type" or len(m) < 2})
    extra = base.map(lambda m: {**m, "extra": 1})
    return mostly(base, dropped, extra)


MESSAGES: Strategy = st.one_of(
    *[message(option) for option in SCHEMA["oneOf"]],
    st.builds(json.dumps, st.dictionaries(st.text(max_size=6), st.integers(), max_size=3)),
    st.text(max_size=40),
)


@dataclass
class Streams:
    """One owner socket per run; a run that ended, or whose socket closed, is replaced."""

    base_url: str
    turn: int = 0
    open: dict[int, tuple[str, ClientConnection]] = field(default_factory=dict)

    def socket(self) -> tuple[str, ClientConnection]:
        self.turn += 1
        slot = self.turn % len(RUNS)
        if slot not in self.open:
            made = httpx.post(f"{self.base_url}/api/runs", json={"config": RUNS[slot]}, timeout=30)
            run = made.json()
            url = self.base_url.replace("http", "ws", 1)
            ws = connect(f"{url}/api/runs/{run['id']}/stream?token={run['control_token']}")
            self.open[slot] = (run["id"], ws)
        return self.open[slot]

    def retire(self) -> None:
        _, ws = self.open.pop(self.turn % len(RUNS))
        ws.close()

    def close(self) -> None:
        for _, ws in self.open.values():
            ws.close()


def exchange(streams: Streams, text: str) -> None:
    """Send one message and check what it led to; raises AssertionError on a failure."""
    run_id, ws = streams.socket()
    try:
        ws.send(text)
        answer = httpx.get(f"{streams.base_url}/api/runs/{run_id}/model", timeout=60)
        assert answer.status_code < 500, f"GET /model after {text!r}: {answer.status_code}"
        ws.send(SENTINEL)
        ended = _replies(ws, text)
    except ConnectionClosed as closed:
        raise AssertionError(f"the socket closed ({closed.rcvd}) after {text!r}") from None
    if ended:
        streams.retire()


def _replies(ws: ClientConnection, text: str) -> bool:
    """Read up to the sentinel's answer; True when the run ended (not failed)."""
    ended = False
    while True:
        reply = ws.recv(timeout=30)
        if isinstance(reply, bytes):
            decode(reply)  # raises on a frame that does not parse
            continue
        data = json.loads(reply)
        if data["type"] == "error" and "sentinel" in json.dumps(data.get("detail")):
            return ended
        if data["type"] == "status":
            assert data["status"] != "failed", f"{text!r} failed the run: {data.get('error')}"
            ended = ended or data["status"] in ("succeeded", "diverged", "cancelled")


def fuzz_stream(base_url: str, examples: int) -> int:
    """Run up to ``examples`` generated messages; returns how many ran. Raises on a failure."""
    streams, count = Streams(base_url), 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(message=MESSAGES)
    def check(message: Any) -> None:
        nonlocal count
        count += 1
        text = message if isinstance(message, str) else json.dumps(message)
        exchange(streams, text)

    try:
        check()
    finally:
        streams.close()
    return count
