"""The workers of one server: where a run trains, how commands reach it, and one path back.

Every worker, thread, process or Ray actor, hands each turn's results to ``deliver`` on the
event loop (thread-safely, one wake-up of the loop per batch). A worker process (or actor)
that dies is replaced, and the manager is told which runs it took with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable

from server.protocol import Command, Result
from server.workers import ProcessWorker, ThreadWorker, Worker

log = logging.getLogger(__name__)


class WorkerPool:
    def __init__(
        self,
        count: int,
        default_fps: float,
        deliver: Callable[[list[Result]], None],
        on_death: Callable[[int], None],
        ray: bool = False,
    ) -> None:
        """``count`` worker processes, or (0) one thread; with ``ray``, ``count`` Ray actors
        (``server.ray_workers``; 0: one per CPU of the cluster). ``deliver`` and ``on_death``
        are called on the event loop."""
        self.ray = ray
        self.processes = count > 0
        self.size = max(count, 1)
        self._fps = default_fps
        self._deliver = deliver
        self._on_death = on_death
        self._loop: asyncio.AbstractEventLoop | None = None
        self.workers: list[Worker] = []

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.ray and not self.processes:  # one per CPU of the cluster, as one per core
            from server.raycluster import cluster_cpus  # noqa: PLC0415 - Ray is optional

            self.size = cluster_cpus()
        self.workers = [self._new_worker(i) for i in range(self.size)]
        for worker in self.workers:
            worker.start()
        for worker in self.workers:  # Ray actors start in seconds: the server waits for them
            wait = getattr(worker, "wait_ready", None)
            if wait is not None:
                wait()

    def _new_worker(self, index: int) -> Worker:
        """Worker ``index`` of ``size``: its runs fall due ``index / size`` of a period after
        the first worker's, so the workers' bursts (and their results at the server) take
        turns instead of meeting on the same cores."""
        phase = index / self.size
        if self.ray:
            from server.ray_workers import RayWorker  # noqa: PLC0415 - Ray is optional

            return RayWorker(index, self._deliver_threadsafe, self._fps, self._died, phase)
        if self.processes:
            return ProcessWorker(index, self._deliver_threadsafe, self._fps, self._died, phase)
        return ThreadWorker(index, self._deliver_threadsafe, self._fps, phase)

    async def stop(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))

    def submit(self, worker: int, command: Command) -> None:
        self.workers[worker].submit(command)

    def _deliver_threadsafe(self, results: list[Result]) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed while a worker finished
            self._loop.call_soon_threadsafe(self._deliver, results)

    def _died(self, worker: Worker) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._replace, worker.index)

    def _replace(self, index: int) -> None:
        self._on_death(index)
        self.workers[index] = self._new_worker(index)
        self.workers[index].start()


def default_workers() -> int:
    """One worker process per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
