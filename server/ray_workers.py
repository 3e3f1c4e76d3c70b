"""The worker host on Ray: a scheduler loop in a Ray actor, anywhere on the cluster.

``RayWorker`` has the interface of the local workers (``server.workers``: ``start``,
``submit``, ``stop``) and the same delivery path: the run manager cannot tell them apart.
In the actor (``SchedulerHost``) the scheduler runs on a thread, as in a worker process;
commands reach it in batches, in order (a sender thread sends one batch at a time), and its
results come back the same way (a relay thread asks for whatever turns are waiting, waiting
half a second at most). An actor that dies (its node, its process) is told to ``on_death``
like a dead worker process: its runs fail and a new actor takes its place.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import ray
import ray.exceptions

from engine import kernels
from server.protocol import Command, Result, Stop
from server.scheduler import Deliver, Scheduler

log = logging.getLogger(__name__)
RELAY_BATCH = 256  # turns handed back at once
SEND_BATCH = 512  # commands sent at once


class SchedulerHost:
    """The actor: a scheduler on a thread; ``put`` feeds it, ``take`` empties its outbox."""

    def __init__(self, default_fps: float, phase: float) -> None:
        kernels.warm()  # before the actor counts as started: its first frames come at once
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[list[Result] | None] = queue.SimpleQueue()
        scheduler = Scheduler(self._deliver, default_fps, self._commands, phase)
        self._thread = threading.Thread(target=self._run, args=(scheduler,), daemon=True)
        self._thread.start()

    def _deliver(self, results: list[Result]) -> None:
        self._results.put(results)

    def _run(self, scheduler: Scheduler) -> None:
        scheduler.run()
        self._results.put(None)  # a clean stop

    def ready(self) -> bool:
        return True

    def put(self, commands: list[Command]) -> None:
        for command in commands:
            self._commands.put(command)

    def take(self, timeout: float) -> list[list[Result] | None]:
        """The turns waiting (a ``None`` last once the scheduler stopped), waiting up to
        ``timeout`` for the first."""
        try:
            turns = [self._results.get(timeout=timeout)]
        except queue.Empty:
            return []
        with contextlib.suppress(queue.Empty):
            while len(turns) < RELAY_BATCH and turns[-1] is not None:
                turns.append(self._results.get_nowait())
        return turns


@functools.cache
def _actor_class() -> Any:
    """put, take and the scheduler's own thread at once. An actor reserves no CPU of the
    cluster (an idle one uses none; a busy one shares its core with sweeps' tasks, as a
    local worker process shares it with trials), and they spread over the nodes."""
    options: dict[str, Any] = {"num_cpus": 0, "max_concurrency": 4, "max_restarts": 0}
    return ray.remote(**options, scheduling_strategy="SPREAD")(SchedulerHost)


class RayWorker:
    """A scheduler in a Ray actor, behind the local workers' interface."""

    def __init__(
        self,
        index: int,
        deliver: Deliver,
        default_fps: float,
        on_death: Callable[[Any], None],
        phase: float = 0.0,
    ) -> None:
        self.index = index
        self._deliver, self._on_death = deliver, on_death
        self._fps, self._phase = default_fps, phase
        self._outgoing: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._stopping = False
        self._actor: Any = None
        self._threads = [
            threading.Thread(target=self._send, name=f"nnpg-ray-send-{index}", daemon=True),
            threading.Thread(target=self._relay, name=f"nnpg-ray-relay-{index}", daemon=True),
        ]

    def start(self) -> None:
        self._actor = _actor_class().remote(self._fps, self._phase)
        for thread in self._threads:
            thread.start()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until the actor runs (a new Ray worker process, its imports, the picture pass
        loaded): a server answers once its workers can draw."""
        ray.get(self._actor.ready.remote(), timeout=timeout)

    def submit(self, command: Command) -> None:
        if not self._stopping:  # after stop, a late control message has nowhere to go
            self._outgoing.put(command)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._outgoing.put(Stop())
        for thread in self._threads:
            if thread.ident is not None:  # started
                thread.join(timeout)
        if self._actor is not None:
            with contextlib.suppress(Exception):
                ray.kill(self._actor)

    def _send(self) -> None:
        """One batch at a time, each sent once the last has arrived: commands stay in order
        (a threaded actor's calls may otherwise overtake each other)."""
        while True:
            batch = [self._outgoing.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < SEND_BATCH and not isinstance(batch[-1], Stop):
                    batch.append(self._outgoing.get_nowait())
            try:
                ray.get(self._actor.put.remote(batch))
            except (ray.exceptions.RayError, SystemExit):  # SystemExit: Ray is shutting down
                return  # the relay sees a death and reports it
            if isinstance(batch[-1], Stop):
                return

    def _relay(self) -> None:
        while True:
            try:
                turns = ray.get(self._actor.take.remote(0.5))
            except (ray.exceptions.RayError, SystemExit) as error:
                if not self._stopping:
                    log.error("Ray worker %d died: %s", self.index, str(error).splitlines()[0])
                    self._on_death(self)
                return
            results = [item for turn in turns if turn is not None for item in turn]
            if results:
                self._deliver(results)
            if turns and turns[-1] is None:  # the scheduler stopped cleanly
                return
