"""Workers host schedulers: a thread (tests, small use) or a process (``serve``: one per core).

The run manager sees one interface: ``start``, ``submit(command)``, ``stop``, and one
delivery path for both kinds: the ``deliver`` callback it passed in gets each turn's results
as one list (``server.protocol``), from a thread of this process. A worker process that dies
takes only its own runs with it: ``on_death`` tells the manager, which fails those runs and
starts a replacement.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from server.protocol import Command, Result, Stop
from server.scheduler import Deliver, Scheduler

log = logging.getLogger(__name__)
RELAY_BATCH = 256
_SPAWN = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop
# A worker is one core's worth: BLAS thread pools in every worker would fight over the cores
# (measured: 2 workers on 2 cores made 4× fewer frames with OpenBLAS's default pools).
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


@contextlib.contextmanager
def single_threaded_children() -> Iterator[None]:
    """Processes started inside inherit one-thread BLAS settings; this process is unchanged."""
    saved = {name: os.environ.get(name) for name in ONE_THREAD}
    os.environ.update(ONE_THREAD)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _exit_with_parent(parent: int) -> None:
    """A worker whose server died (even by SIGKILL) must not live on as an orphan."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


class Worker(Protocol):
    index: int

    def start(self) -> None: ...
    def submit(self, command: Command) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...


class ThreadWorker:
    """A scheduler on a daemon thread of this process."""

    def __init__(
        self, index: int, deliver: Deliver, default_fps: float, phase: float = 0.0
    ) -> None:
        self.index = index
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self.scheduler = Scheduler(deliver, default_fps, self._commands, phase)
        self._thread = threading.Thread(
            target=self.scheduler.run, name=f"nnpg-worker-{index}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def submit(self, command: Command) -> None:
        self._commands.put(command)

    def stop(self, timeout: float = 5.0) -> None:
        self._commands.put(Stop())
        self._thread.join(timeout)


def _process_main(
    commands: Any, results: Any, default_fps: float, parent: int, phase: float = 0.0
) -> None:
    """A worker process's whole life: run a scheduler whose results go back on a queue."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    watchdog = threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True)
    watchdog.start()

    # One message a turn, not one per frame: less pickling, fewer wake-ups.
    Scheduler(results.put, default_fps, commands, phase).run()
    results.put(None)  # a clean stop


class ProcessWorker:
    """A scheduler in a spawned process; a relay thread hands its results to ``publish``."""

    def __init__(
        self,
        index: int,
        deliver: Deliver,
        default_fps: float,
        on_death: Callable[[ProcessWorker], None],
        phase: float = 0.0,
    ) -> None:
        self.index = index
        self._deliver = deliver
        self._on_death = on_death
        self._commands = _SPAWN.Queue()
        self._results = _SPAWN.Queue()
        self.process = _SPAWN.Process(
            target=_process_main,
            args=(self._commands, self._results, default_fps, os.getpid(), phase),
            name=f"nnpg-worker-{index}",
            daemon=True,
        )
        self._relay = threading.Thread(
            target=self._relay_results, name=f"nnpg-relay-{index}", daemon=True
        )
        self._stopping = False

    def start(self) -> None:
        with single_threaded_children():
            self.process.start()
        self._relay.start()

    def submit(self, command: Command) -> None:
        if not self._stopping:  # after stop, a late control message has nowhere to go
            self._commands.put(command)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._commands.put(Stop())
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
        self._relay.join(timeout)
        for channel in (self._commands, self._results):  # release their pipes and semaphores
            channel.close()
            channel.join_thread()
        # Drop them now: their semaphores are unregistered when collected, and a server that
        # ends by re-raising SIGTERM never collects (the tracker would report them leaked).
        del self._commands, self._results
        gc.collect()

    def _relay_results(self) -> None:
        """Hand results to the manager in batches: one wake-up of the loop for all that is
        waiting, not one per frame."""
        while True:
            try:
                batch = [self._results.get(timeout=0.5)]
            except queue.Empty:
                if self.process.is_alive():
                    continue
                if not self._stopping:
                    log.error("worker %d died (exit code %s)", self.index, self.process.exitcode)
                    self._on_death(self)
                return
            with contextlib.suppress(queue.Empty):
                while len(batch) < RELAY_BATCH and batch[-1] is not None:
                    batch.append(self._results.get_nowait())
            results: list[Result] = [item for turn in batch if turn is not None for item in turn]
            self._deliver(results)
            if batch[-1] is None:  # the worker stopped cleanly
                return
