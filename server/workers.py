"""Workers host schedulers: a thread (tests, small use) or a process (``serve``: one per core).

The run manager sees one interface: ``start``, ``submit(run_id, command)``, ``stop`` and the
``publish`` callback it passed in. A worker process that dies takes only its own runs with
it: ``on_death`` tells the manager, which fails those runs and starts a replacement.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from server.scheduler import STOP, Publish, Scheduler

log = logging.getLogger(__name__)
_SPAWN = multiprocessing.get_context("spawn")  # no fork of a process with threads and a loop


class Worker(Protocol):
    index: int

    def start(self) -> None: ...
    def submit(self, run_id: str, command: dict[str, Any]) -> None: ...
    def stop(self, timeout: float = 5.0) -> None: ...


class ThreadWorker:
    """A scheduler on a daemon thread of this process."""

    def __init__(self, index: int, publish: Publish, default_fps: float) -> None:
        self.index = index
        self._commands: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        scheduler = Scheduler(publish, default_fps, self._commands)
        self._thread = threading.Thread(
            target=scheduler.run, name=f"nnpg-worker-{index}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def submit(self, run_id: str, command: dict[str, Any]) -> None:
        self._commands.put((run_id, command))

    def stop(self, timeout: float = 5.0) -> None:
        self._commands.put(STOP)
        self._thread.join(timeout)


def _process_main(commands: Any, results: Any, default_fps: float) -> None:
    """A worker process's whole life: run a scheduler whose results go back on a queue."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def publish(run_id: str, kind: str, payload: Any) -> None:
        results.put((run_id, kind, payload))

    Scheduler(publish, default_fps, commands).run()
    results.put(None)  # a clean stop


class ProcessWorker:
    """A scheduler in a spawned process; a relay thread hands its results to ``publish``."""

    def __init__(
        self,
        index: int,
        publish: Publish,
        default_fps: float,
        on_death: Callable[[ProcessWorker], None],
    ) -> None:
        self.index = index
        self._publish = publish
        self._on_death = on_death
        self._commands = _SPAWN.Queue()
        self._results = _SPAWN.Queue()
        self.process = _SPAWN.Process(
            target=_process_main,
            args=(self._commands, self._results, default_fps),
            name=f"nnpg-worker-{index}",
            daemon=True,
        )
        self._relay = threading.Thread(
            target=self._relay_results, name=f"nnpg-relay-{index}", daemon=True
        )
        self._stopping = False

    def start(self) -> None:
        self.process.start()
        self._relay.start()

    def submit(self, run_id: str, command: dict[str, Any]) -> None:
        self._commands.put((run_id, command))

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._commands.put(STOP)
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
        self._relay.join(timeout)

    def _relay_results(self) -> None:
        while True:
            try:
                item = self._results.get(timeout=0.5)
            except queue.Empty:
                if self.process.is_alive() or self.process.exitcode is None:
                    continue
                if not self._stopping:
                    log.error("worker %d died (exit code %s)", self.index, self.process.exitcode)
                    self._on_death(self)
                return
            if item is None:
                return
            self._publish(*item)
