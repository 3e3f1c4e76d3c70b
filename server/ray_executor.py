"""Sweeps' trials as Ray tasks: the executor for a server with a Ray cluster.

A group of trials is one task at a time (``server.trials.train_chunk``: the group stacked,
for about ``CHUNK_SECONDS``); its reports (rows, a checkpoint of every trial, the ends) come
back into the store, and the trials still training go on as the next task, from those
checkpoints. So a worker that dies loses at most one chunk: its trials go to the sweep
manager's retry rule (``lost``) with the reason, and are tried again from their last
checkpoint. Ray is imported only here and in ``server.raycluster`` (the optional extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import ray
import ray.exceptions

from engine.config import ExperimentConfig
from server import protocol as p
from server.executors import Lost
from server.raycluster import cluster_cpus
from server.schemas import RunStatus
from server.trials import train_chunk

log = logging.getLogger(__name__)
CHUNK_SECONDS = 5.0  # a task's work: progress and checkpoints this often, at most this lost
Report = Callable[[p.TrialReport], None]


@functools.cache
def _remote() -> Any:
    """The task (made once, when first used: a module import must not need a cluster)."""
    return ray.remote(num_cpus=1, max_retries=0)(train_chunk)


def _warm() -> None:
    """A worker's first task imports the engine and trains a trial for an epoch: the first
    sweep's tasks then find their workers ready (a cold one takes a second or two)."""
    config = ExperimentConfig.model_validate({"seed": 0, "training": {"max_epochs": 1}})
    train_chunk([p.TrialSpec("warm", config)], 1.0)


@functools.cache
def _warm_remote() -> Any:
    return ray.remote(num_cpus=1, max_retries=0)(_warm)


class RayExecutor:
    name = "ray"

    def __init__(self, report: Report, lost: Lost) -> None:
        self._report, self._lost = report, lost
        self._slots = cluster_cpus()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._refs: dict[int, Any] = {}  # group: its task's ObjectRef now
        self._members: dict[int, set[str]] = {}  # group: its trials still training
        self._dropped: dict[str, RunStatus] = {}
        self._warming = [_warm_remote().remote() for _ in range(self._slots)]  # see _warm

    def slots(self) -> int:
        """A group per CPU of the cluster."""
        return self._slots

    def submit(self, group: int, specs: Sequence[p.TrialSpec]) -> None:
        self._members[group] = {spec.run_id for spec in specs}
        task = asyncio.get_running_loop().create_task(self._run(group, list(specs)))
        self._tasks[group] = task

    async def _run(self, group: int, specs: list[p.TrialSpec]) -> None:
        configs = {spec.run_id: spec.config for spec in specs}
        while specs:
            ref = _remote().remote(specs, CHUNK_SECONDS)
            self._refs[group] = ref
            try:
                results = await ref
            except ray.exceptions.TaskCancelledError:
                return
            except ray.exceptions.RayTaskError as error:  # the task raised: a bug, not a death
                log.error("a sweep's task failed: %s", error)
                self._end([s.run_id for s in specs], "failed", _reason(error))
                return
            except ray.exceptions.RayError as error:  # its worker or node died
                self._lost(
                    [s.run_id for s in specs if s.run_id not in self._dropped], _reason(error)
                )
                return
            specs = self._take(results, configs)

    def _take(self, results: list[p.Result], configs: dict[str, Any]) -> list[p.TrialSpec]:
        """Apply a chunk's reports; the trials to go on with, from their new checkpoints."""
        going_on: dict[str, bytes] = {}
        for report in results:
            if not isinstance(report, p.TrialReport) or report.run_id in self._dropped:
                continue
            if report.status is None and report.state is not None:
                going_on[report.run_id] = report.state
            elif report.status is not None:
                going_on.pop(report.run_id, None)
            self._report(report)
        return [p.TrialSpec(run_id, configs[run_id], state) for run_id, state in going_on.items()]

    def drop(self, ids: Sequence[str], status: RunStatus = "cancelled") -> None:
        """Stop these trials: their group's task is cancelled once none of it trains on;
        each ends ``status`` at once (its last checkpoint is its last chunk's)."""
        self._dropped.update(dict.fromkeys(ids, status))
        for group, members in self._members.items():
            if members and members <= self._dropped.keys():
                ref = self._refs.get(group)
                if ref is not None:
                    with contextlib.suppress(Exception):
                        ray.cancel(ref)
        self._end(list(ids), status, None)

    def _end(self, ids: list[str], status: RunStatus, error: str | None) -> None:
        for run_id in ids:
            self._report(p.TrialReport(run_id, 0, 0, status=status, error=error))

    def finished(self, group: int) -> None:
        self._members.pop(group, None)
        self._refs.pop(group, None)
        task = self._tasks.pop(group, None)
        if task is not None and not task.done() and task is not _current():
            task.cancel()


def _current() -> asyncio.Task[Any] | None:
    with contextlib.suppress(RuntimeError):
        return asyncio.current_task()
    return None


def _reason(error: Exception) -> str:
    """The first line of Ray's message: what happened, without its troubleshooting text."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"the Ray worker training it failed: {first}"
