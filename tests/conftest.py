"""Shared fixtures: an in-process client, and a real server on a free local port."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from engine import kernels
from server.app import create_app
from server.cli import serve_in_thread
from server.settings import Settings

# Settings made anywhere in the tests keep nothing on disk unless a test asks for a file.
os.environ.setdefault("NNPG_DATABASE", ":memory:")
# The in-process TestClient sends ``Host: testserver``; the Host allow-list must know it.
os.environ.setdefault("NNPG_ALLOWED_HOSTS", "testserver")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the picture pass once, before any test or server: the servers' workers then
    load it from numba's cache instead of each compiling it at once."""
    kernels.warm()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-matrix",
        action="store_true",
        help="also run the full strategy matrices (tests marked full_matrix); CI does",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--full-matrix``, leave out the full matrices (each strategy is still
    covered by the small default matrix)."""
    if config.getoption("--full-matrix"):
        return
    full = [item for item in items if item.get_closest_marker("full_matrix")]
    if full:
        config.hook.pytest_deselected(items=full)
        items[:] = [item for item in items if not item.get_closest_marker("full_matrix")]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(default_fps=30.0, database=str(tmp_path / "runs.db"))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A real Ray cluster on this machine, 2 CPUs, its services on 127.0.0.1; a server
    with ``ray_address`` set joins it (and leaves it up)."""
    import ray  # noqa: PLC0415 - only the Ray tests need it

    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real server for the browser tests, its workers warm. The whole suite is one client
    (127.0.0.1), as a class behind one school NAT address is: each closed page's run stops
    holding one of its slots once left alone (``server.runs._holds``)."""
    with serve_in_thread(Settings()) as url:
        warm(url)
        yield url


def warm(url: str, within: float = 300.0) -> None:
    """Each worker trains a one-epoch run to its end: its compiled kernels are loaded (or
    compiled) before the first test's page waits for its first frame. On a saturated machine
    that took longer than a page's 15 s (the first browser tests failed)."""
    with httpx.Client(base_url=url, timeout=60) as http:
        workers = http.get("/api/health").json()["workers"]
        body = {"config": {"training": {"max_epochs": 1}}}
        runs = [http.post("/api/runs", json=body).json() for _ in range(workers)]
        deadline = time.monotonic() + within
        for run in runs:
            while http.get(f"/api/runs/{run['id']}").json()["status"] != "succeeded":
                assert time.monotonic() < deadline, "the server's workers did not warm up"
                time.sleep(0.05)
            bearer = {"Authorization": f"Bearer {run['control_token']}"}
            http.delete(f"/api/runs/{run['id']}", headers=bearer).raise_for_status()
