"""A small schemathesis sample in the default suite (bench/fuzz.py runs 1000 per operation)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.settings import Settings
from tests.conftest import serve_in_thread
from tests.server.fuzz import Pool, fuzz, operations

EXAMPLES = 25


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    settings = Settings(workers=1, max_runs=5000, creates_per_minute=100_000)
    with serve_in_thread(settings) as url:
        made = Pool(url)
        made.fill()
        yield made


def test_every_operation_survives_generated_requests(pool: Pool) -> None:
    ran = {
        f"{op.method.upper()} {op.path}": fuzz(op, pool, EXAMPLES)
        for op in operations(pool.base_url)
    }
    assert len(ran) >= 14 and all(count >= 1 for count in ran.values())
