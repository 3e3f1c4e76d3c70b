"""The worker host on Ray: a scheduler loop in a Ray actor, anywhere on the cluster.

``RayWorker`` has the interface of the local workers (``server.workers``: ``start``,
``submit``, ``stop``) and the same delivery path: the run manager cannot tell them apart.
In the actor (``SchedulerHost``) the scheduler runs on a thread, as in a worker process;
commands reach it in batches, in order (a sender thread sends one batch at a time). Its
turns come back as a stream (``serve``, a Ray generator): each turn is pushed to this
process as soon as it is made, no request for it, a relay thread delivers it. An actor that
dies (its node, its process) ends the stream with an error: ``on_death`` is told, as of a
dead worker process; its runs fail and a new actor takes its place.

Ray starts its workers at niceness 15, behind every other process of the node: an actor
whose turn waits behind the server's own threads sends its frames late (a tenth of a second
or more on a loaded machine) though it makes as many. The scheduler is the live path, so
the actor takes the server's priority back, as a local worker process has it
(``take_priority``); where the node does not allow that, it says so once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ray
import ray.exceptions

from engine import kernels
from server.protocol import Command, Result, Stop
from server.scheduler import Deliver, Scheduler

log = logging.getLogger(__name__)
SEND_BATCH = 512  # commands sent at once
# Each part of a turn stays under Ray's inline limit (100 KiB): it travels in the stream's
# message, not through the node's object store (two more hops through the raylet).
PART_BYTES = 64 * 1024
RECORD_BYTES = 256  # a result's own fields, about
THREADS = Path("/proc/self/task")  # Linux: niceness is per thread


def take_priority(niceness: int) -> bool:
    """Every thread of this process at ``niceness`` (threads started later inherit it from
    theirs); False when the node does not permit it (lowering it needs a privilege)."""
    threads = [int(name) for name in os.listdir(THREADS)] if THREADS.is_dir() else [0]
    try:
        for thread in threads:
            with contextlib.suppress(ProcessLookupError):  # a thread that just ended
                if os.getpriority(os.PRIO_PROCESS, thread) != niceness:
                    os.setpriority(os.PRIO_PROCESS, thread, niceness)
    except PermissionError:
        return False
    return True


def parts(results: list[Result]) -> Iterator[list[Result]]:
    """A turn's results in parts of about ``PART_BYTES`` (a result bigger alone is one)."""
    part: list[Result] = []
    size = 0
    for result in results:
        weight = _weight(result)
        if part and size + weight > PART_BYTES:
            yield part
            part, size = [], 0
        part.append(result)
        size += weight
    if part:
        yield part


def _weight(result: Result) -> int:
    """About its pickled bytes: its payload (a frame's, a checkpoint's) and a record's."""
    payload = getattr(result, "data", None) or getattr(result, "state", None) or b""
    return RECORD_BYTES + (len(payload) if isinstance(payload, bytes | str) else 0)


class SchedulerHost:
    """The actor: a scheduler on a thread; ``put`` feeds it, ``serve`` streams its turns."""

    def __init__(self, default_fps: float, phase: float, niceness: int = 0) -> None:
        if not take_priority(niceness):
            log.warning(
                "live runs on this Ray node run at a lower priority than the server's (start "
                "the node with RAY_worker_niceness=%d): their frames may come late",
                niceness,
            )
        kernels.warm()  # before the actor counts as started: its first frames come at once
        self._niceness = niceness
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[list[Result] | None] = queue.SimpleQueue()
        scheduler = Scheduler(self._results.put, default_fps, self._commands, phase)
        self._thread = threading.Thread(target=self._run, args=(scheduler,), daemon=True)
        self._thread.start()

    def _run(self, scheduler: Scheduler) -> None:
        scheduler.run()
        self._results.put(None)  # a clean stop

    def ready(self) -> bool:
        return True

    def put(self, commands: list[Command]) -> None:
        for command in commands:
            self._commands.put(command)

    def serve(self) -> Iterator[list[Result]]:
        """Each turn's results as they are made (in parts), until the scheduler stops."""
        take_priority(self._niceness)  # this call's thread too: it sends the frames
        while (turn := self._results.get()) is not None:
            yield from parts(turn)


@functools.cache
def _actor_class() -> Any:
    """put, serve and the scheduler's own thread at once. An actor reserves no CPU of the
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
        self._stream: Any = None
        self._threads = [
            threading.Thread(target=self._send, name=f"nnpg-ray-send-{index}", daemon=True),
            threading.Thread(target=self._relay, name=f"nnpg-ray-relay-{index}", daemon=True),
        ]

    def start(self) -> None:
        niceness = os.getpriority(os.PRIO_PROCESS, 0)  # the server's, as its own workers'
        self._actor = _actor_class().remote(self._fps, self._phase, niceness)
        self._stream = self._actor.serve.remote()
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
        """Deliver the stream's turns until it ends: cleanly (the scheduler stopped) or with
        the actor's death."""
        try:
            for part in self._stream:
                self._deliver(ray.get(part))
        except (ray.exceptions.RayError, SystemExit) as error:
            if not self._stopping:
                log.error("Ray worker %d died: %s", self.index, str(error).splitlines()[0])
                self._on_death(self)
