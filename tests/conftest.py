"""Shared fixtures: an in-process client, and a real server on a free local port."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings

# Settings made anywhere in the tests keep nothing on disk unless a test asks for a file.
os.environ.setdefault("NNPG_DATABASE", ":memory:")


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


@contextlib.contextmanager
def serve_in_thread(settings: Settings, port: int | None = None) -> Iterator[str]:
    """``nnplayground``'s app served by uvicorn on 127.0.0.1 (a free port unless given) in a
    thread."""
    port = port or free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_per_message_deflate=False,  # as `nnplayground serve`
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real server for the browser tests."""
    with serve_in_thread(Settings()) as url:
        yield url
