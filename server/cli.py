"""The ``nnplayground`` command."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from server.app import create_app
from server.runs import default_workers
from server.settings import Settings


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nnplayground", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the playground (NNPG_* settings apply)")
    serve.add_argument("--host", help="interface to bind (default: NNPG_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: NNPG_PORT or 8000)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    if settings.workers is None:
        settings.workers = default_workers()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=3,
        # frames are compressed once per run; per-message deflate would redo it per viewer
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
