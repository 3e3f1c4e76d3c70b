"""Schemathesis over the OpenAPI schema of a running server: for every operation, generated
requests must never get a server error, nor a response that breaks its own schema.

Half the cases that name a run get the id of a real run (and some its control token), so
the fuzzing reaches past the 404s. Used by ``test_schema.py`` (a small sample) and by
``bench/fuzz.py`` (1000 cases per operation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)


@schemathesis.check
def no_server_error_but_capacity(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A 5xx fails, except the documented 503 with Retry-After when the server is full."""
    headers = {name.lower() for name in response.headers}
    if response.status_code == 503 and "retry-after" in headers:
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error_but_capacity, response_schema_conformance, content_type_conformance]
POOL_CONFIGS = [
    {"config": {"training": {"max_epochs": 20}}},
    {"config": {"data": {"dataset": "blobs", "classes": 3}}, "start": False},
    {"config": {"data": {"dataset": "reg-plane"}, "training": {"max_epochs": 5}}},
]


@dataclass
class Pool:
    """Real runs for the fuzzer to aim at; a run it deleted is replaced."""

    base_url: str
    runs: list[tuple[str, str]] = field(default_factory=list)
    turn: int = 0

    def fill(self) -> None:
        for body in POOL_CONFIGS[len(self.runs) :]:
            made = httpx.post(f"{self.base_url}/api/runs", json=body, timeout=30).json()
            self.runs.append((made["id"], made["control_token"]))

    def pick(self) -> tuple[str, str]:
        self.turn += 1
        run_id, token = self.runs[self.turn % len(self.runs)]
        if httpx.get(f"{self.base_url}/api/runs/{run_id}", timeout=30).status_code == 404:
            self.runs.remove((run_id, token))
            self.fill()
            return self.runs[-1]
        return run_id, token


def operations(base_url: str) -> list[schemathesis.schemas.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation: schemathesis.schemas.APIOperation, pool: Pool, examples: int) -> int:
    """Run up to ``examples`` generated cases; returns how many ran. Raises on a failure."""
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        nonlocal count
        count += 1
        if "run_id" in (case.path_parameters or {}) and count % 2:
            run_id, token = pool.pick()
            case.path_parameters["run_id"] = run_id
            if count % 4 == 1:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        creating = operation.path == "/api/runs" and operation.method.upper() == "POST"
        if creating and isinstance(case.body, dict) and count % 10:
            case.body["start"] = False  # one in ten generated runs trains: a bounded load
        response = case.call(base_url=pool.base_url, timeout=60)
        case.validate_response(response, checks=CHECKS)

    check()
    return count
