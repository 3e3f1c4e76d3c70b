"""The ``nnplayground`` command: serve the playground, train from a config file, run a
sweep (on a server, or on one started in this process), list and show stored runs, export a
trained model."""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from server import commands, sweep_command
from server.lan import reachable_host
from server.schemas import RunStatus
from server.settings import Settings
from server.store import Store
from server.storefile import StoreError
from server.storelock import StoreLock

FORMATS = ("json", "npz", "numpy", "pytorch")


def _count(text: str) -> int:
    """An option's count: a whole number of at least 1 (argparse names the option)."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"a whole number, at least 1 (not {text!r})")
    return count


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnplayground", description=__doc__)
    parser.add_argument("--db", help="the run store (default: NNPG_DATABASE or ~/.nnplayground)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the playground (NNPG_* settings apply)")
    serve.add_argument("--host", help="interface to bind (default: NNPG_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: NNPG_PORT or 8000)")
    serve.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="train on Ray: 'local' starts a cluster on this machine, 'auto' or an address "
        "joins one (default: NNPG_RAY_ADDRESS, or none)",
    )
    train = sub.add_parser("train", help="train a run from a config file, in this process")
    train.add_argument(
        "config", type=Path, help="a JSON run config (docs/api.md); {} is the default"
    )
    train.add_argument(
        "--epochs",
        type=_count,
        help="stop after this many epochs (default: the "
        f"config's max_epochs, else {commands.DEFAULT_EPOCHS})",
    )
    train.add_argument("--out", type=Path, help="also write the run (metrics, model) as JSON")
    train.add_argument("--name", help="the run's name (default: the file's)")
    sweep = sub.add_parser("sweep", help="run a sweep and show its best trials")
    sweep.add_argument("spec", type=Path, help="a JSON sweep spec (docs/api.md, POST /api/sweeps)")
    sweep.add_argument(
        "--url",
        help="a server to run it on (default: a server in this process, on the store; "
        "NNPG_* settings apply)",
    )
    sweep.add_argument("--top", type=int, default=10, help="trials in the table")
    sweep.add_argument("--csv", type=Path, help="also write every trial as CSV")
    runs = sub.add_parser("runs", help="stored runs").add_subparsers(dest="action", required=True)
    listing = runs.add_parser("list", help="the newest runs")
    listing.add_argument("--status", choices=get_args(RunStatus), help="only runs in it")
    listing.add_argument("--limit", type=_count, default=20, help="at most this many, newest first")
    runs.add_parser("show", help="one run, as JSON").add_argument("id", help="the run's id")
    export = sub.add_parser("export", help="a stored run's model, as data or as Python code")
    export.add_argument("id", help="a stored run's id (`runs list`)")
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json, npz: the weights; numpy, pytorch: a Python file rebuilding the network",
    )
    export.add_argument("--out", type=Path, help="a file (default: stdout; npz: run-ID.npz)")
    return parser


def _settings(db: str | None) -> Settings:
    """The NNPG_ settings (and ``--db``); a bad one is named by its variable, exit code 2."""
    try:
        return Settings(database=db) if db else Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "NNPG_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"nnplayground: {name}={problem['input']!r}: {problem['msg']}", file=sys.stderr)
        sys.exit(2)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        try:
            _command(argv)
        finally:
            sys.stdout.flush()  # here, where a closed pipe can be caught
    except BrokenPipeError:  # the reader stopped early (`| head`): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C outside training (which ends its run `cancelled`)
        print("nnplayground: interrupted", file=sys.stderr)
        sys.exit(130)


def _command(argv: Sequence[str] | None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "sweep" and args.url:  # that server's work: no store here
        sys.exit(sweep_command.sweep(args.spec, args.url, top=args.top, csv=args.csv))
    settings = _settings(args.db)
    try:
        if args.command == "sweep":
            sys.exit(sweep_here(settings, args.spec, top=args.top, csv=args.csv))
        if args.command == "serve":
            if args.ray:
                settings.ray_address = args.ray
            serve(settings, args.host, args.port)
            return
        store = Store(settings.database, read_only=args.command in ("runs", "export"))
    except StoreError as error:
        print(f"nnplayground: {error}", file=sys.stderr)
        sys.exit(2)
    try:
        if args.command == "train":
            code = commands.train(
                args.config, store, epochs=args.epochs, out=args.out, name=args.name
            )
        elif args.command == "export":
            code = commands.export(store, args.id, args.format, out=args.out)
        elif args.action == "list":
            code = commands.list_runs(store, args.status, args.limit)
        else:
            code = commands.show_run(store, args.id)
    finally:
        store.close()
    sys.exit(code)


def fill_workers(settings: Settings) -> None:
    """``serve``'s and ``sweep``'s workers when ``NNPG_WORKERS`` is unset: a process per core of
    this machine, or with Ray an actor per CPU of the cluster (0 has the pool ask it)."""
    if settings.workers is None:
        from server.runs import default_workers  # noqa: PLC0415 - the web stack, as serve

        settings.workers = 0 if settings.ray_address else default_workers()


def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve until stopped. The store's lock is taken first: a second server on the same
    store is refused in one line (StoreError), before anything is started."""
    import uvicorn  # noqa: PLC0415 - only `serve` needs the web stack

    from server.app import create_app  # noqa: PLC0415

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    fill_workers(settings)
    lock = StoreLock(settings.database)
    lock.acquire()
    lan = reachable_host(settings.host)
    if lan is not None:  # where a class's laptops open the page
        logging.getLogger(__name__).info("on the local network: http://%s:%d", lan, settings.port)
    try:
        uvicorn.run(create_app(settings, lock), **uvicorn_options(settings))
    finally:
        lock.release()


def sweep_here(settings: Settings, spec: Path, *, top: int, csv: Path | None) -> int:
    """The sweep on a server of this process, on the store (its lock first: a store another
    server holds is refused, StoreError), stopped after it."""
    fill_workers(settings)
    lock = StoreLock(settings.database)
    try:
        lock.acquire()
    except StoreError as error:
        raise StoreError(f"{error}, or run the sweep on that server (--url)") from None
    try:
        with serve_in_thread(settings, lock=lock) as url:
            return sweep_command.sweep(spec, url, top=top, csv=csv)
    finally:
        lock.release()


@contextlib.contextmanager
def serve_in_thread(
    settings: Settings, port: int | None = None, lock: StoreLock | None = None
) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port unless given) on a thread of this
    process, as ``serve`` serves it; its address. A server that cannot start raises
    RuntimeError (a fresh machine compiles the picture and population passes first, numba
    caching them after: minutes on a loaded one)."""
    import uvicorn  # noqa: PLC0415

    from server.app import create_app  # noqa: PLC0415

    port = port or _free_port()
    options = {**uvicorn_options(settings), "host": "127.0.0.1", "port": port}
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, lock), **options, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 300
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (the tests' servers run it the same way)."""
    trusted = settings.forwarded_allow_ips
    return {
        "host": settings.host,
        "port": settings.port,
        "timeout_graceful_shutdown": 3,
        # frames are compressed once per run; per-message deflate would redo it per viewer
        "ws_per_message_deflate": False,
        # a bigger message is refused (1009) from its header, before it is read
        "ws_max_size": settings.max_message_bytes,
        # X-Forwarded-For is believed only from the proxies listed: else a client could
        # name a new address per request and escape every per-client limit
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": ",".join(trusted) if trusted else None,
        "log_config": log_config(),
    }


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with control tokens redacted from every line it writes."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "server.guards.RedactTokens"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config


if __name__ == "__main__":
    main()
