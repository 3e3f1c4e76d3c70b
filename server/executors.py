"""Where a sweep's trials train: an executor takes groups of trials and reports on them.

Every executor has one interface (``Executor``): ``submit`` a group of trials (each a
``server.protocol.TrialSpec``), ``drop`` trials of a cancelled sweep, and hear that a group
has ``finished``. What the trials report reaches the sweep manager as
``server.protocol.TrialReport``s; trials whose worker died are handed to ``lost`` with the
reason, for the manager to retry or fail. ``LocalExecutor`` is the server's own worker pool
(``server.pool``): trials train there between the live runs' work (``server.trials``);
``server.ray_executor`` is the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from server import protocol as p
from server.pool import WorkerPool
from server.schemas import RunStatus

Lost = Callable[[list[str], str], None]
GROUPS_PER_WORKER = 2  # groups a worker trains at once: one stacks while the other reports


class Executor(Protocol):
    name: str

    def slots(self) -> int: ...
    def submit(self, group: int, specs: Sequence[p.TrialSpec]) -> None: ...
    def drop(self, ids: Sequence[str], status: RunStatus = "cancelled") -> None: ...
    def finished(self, group: int) -> None: ...


class LocalExecutor:
    """Trials on the server's workers, the least busy first; the reports come back with the
    live runs' results (``server.delivery``)."""

    name = "local"

    def __init__(self, pool: WorkerPool, lost: Lost) -> None:
        self._pool, self._lost = pool, lost
        self._groups: dict[int, tuple[int, list[str]]] = {}  # group: (worker, its trials)

    def slots(self) -> int:
        return self._pool.size * GROUPS_PER_WORKER

    def submit(self, group: int, specs: Sequence[p.TrialSpec]) -> None:
        load = [0] * self._pool.size
        for worker, _ in self._groups.values():
            load[worker] += 1
        worker = load.index(min(load))
        self._groups[group] = (worker, [spec.run_id for spec in specs])
        self._pool.submit(worker, p.TrainTrials(trials=tuple(specs)))

    def drop(self, ids: Sequence[str], status: RunStatus = "cancelled") -> None:
        """Stop these trials; each reports ``status`` with its checkpoint."""
        wanted = set(ids)
        for worker in range(self._pool.size):
            held = [i for w, trials in self._groups.values() if w == worker for i in trials]
            dropped = tuple(i for i in held if i in wanted)
            if dropped:
                self._pool.submit(worker, p.DropTrials(ids=dropped, status=status))

    def finished(self, group: int) -> None:
        self._groups.pop(group, None)

    def worker_died(self, index: int) -> None:
        """The worker's trials are lost with it (the pool starts a fresh worker)."""
        for group, (worker, trials) in list(self._groups.items()):
            if worker == index:
                del self._groups[group]
                self._lost(trials, "the worker process training it died")
