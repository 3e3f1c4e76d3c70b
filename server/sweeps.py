"""The sweep manager: makes a sweep's trials, feeds them to an executor, keeps their results.

On the event loop, beside the run manager, whose store it shares. A trial is a run of the
store (``sweep_id`` set) that no viewer watches: it is queued, trained by an executor
(``server.executors``) in groups of the same shape (stacked, ``engine.batch``), and its
reports land in the store as a run's rows, checkpoints and status would. A trial whose worker
died is retried ``NNPG_SWEEP_RETRIES`` times, then fails with the reason. A sweep that was
running when the server stopped comes back ``interrupted``, its unfinished trials too, and
``resume`` trains them on from their checkpoints.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from engine.config import ExperimentConfig
from server import protocol as p
from server.executors import Executor, LocalExecutor
from server.messages import SERVER
from server.records import RunRecord, config_json, new_run_id, new_token, now
from server.run import shape_of
from server.runs import RunManager
from server.sweep_schemas import SweepCreate
from server.sweep_space import Trial
from server.sweepstore import SweepRecord, SweepStore

log = logging.getLogger(__name__)
GROUP_SIZE = 64  # trials stacked at most in one group (measured: 64 of [8, 8] ~1.3× 16's rate)


class SweepConflict(RuntimeError):
    """The sweep's status does not allow that (409)."""


@dataclass(eq=False)
class Active:
    """A running sweep as the manager holds it."""

    record: SweepRecord
    client: str
    pending: deque[list[str]] = field(default_factory=deque)  # groups waiting, in order
    live: set[str] = field(default_factory=set)  # trials not ended


class SweepManager:
    def __init__(self, runs: RunManager) -> None:
        self.runs = runs
        self.settings = runs.settings
        self.db = SweepStore(runs.store)
        self.active: dict[str, Active] = {}
        self.owner: dict[str, Active] = {}  # a live trial's sweep
        self.groups: dict[int, tuple[Executor, set[str]]] = {}  # in flight: its live trials
        self._numbers = itertools.count()
        self._stopping = False
        local = LocalExecutor(runs.pool, self.lost)
        self.executors: dict[str, Executor] = {"local": local}
        runs.deliver.trials = self.apply
        runs.worker_listeners.append(local.worker_died)

    def start(self) -> None:
        """After the run manager's start (which marked the live trials interrupted), and
        after joining the Ray cluster, if the server has one."""
        if self.settings.ray_address:
            from server.ray_executor import RayExecutor  # noqa: PLC0415 - Ray is optional

            self.executors["ray"] = RayExecutor(self.apply, self.lost)
        marked = self.db.mark_interrupted()
        if marked:
            log.info("%d sweeps were interrupted by the last shutdown", len(marked))

    async def stop(self, timeout: float = 2.0) -> None:
        """Every running sweep and its unfinished trials are ``interrupted``, to resume: the
        trials in training report their checkpoints first (for ``timeout`` at most)."""
        self._stopping = True
        sweeps = list(self.active.values())
        for executor, trials in list(self.groups.values()):  # a drop may end a group now
            executor.drop(sorted(trials), "interrupted")
        deadline = time.monotonic() + timeout
        while self.groups and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for sweep in sweeps:
            ids = self.db.unfinished(sweep.record.id)
            self.db.set_runs(ids, status="interrupted", ended_at=now(), error="the server stopped")
            self.db.set_status(sweep.record.id, "interrupted", ended=True)
        self.active.clear()
        self.owner.clear()

    def executor_for(self, wanted: str | None) -> Executor:
        name = wanted or ("ray" if "ray" in self.executors else "local")
        return self.executors[name]

    def running(self, client: str) -> int:
        return sum(sweep.client == client for sweep in self.active.values())

    # -- making and ending sweeps --------------------------------------------------------

    def create(self, body: SweepCreate, trials: list[Trial], client: str) -> tuple[str, str]:
        """Store the sweep and its trials (each a run, ``created``) and queue them; returns
        its id and control token (shown once)."""
        token, token_hash = new_token()
        executor = self.executor_for(body.executor)
        stamp = now()
        record = SweepRecord(
            id=new_run_id(),
            name=body.name,
            status="running",
            spec=body.model_dump_json(),
            token_hash=token_hash,
            executor=executor.name,
            metric=body.metric,
            total=len(trials),
            created_at=stamp,
        )
        label = body.name or "sweep"
        runs = [
            RunRecord(
                id=new_run_id(),
                name=f"{label} #{k}",
                status="created",
                config=config_json(trial.config),
                speed=None,
                token_hash=token_hash,
                created_at=stamp,
                sweep_id=record.id,
            )
            for k, trial in enumerate(trials)
        ]
        self.db.insert(record, runs, [json.dumps(trial.params) for trial in trials])
        configs = {run.id: trial.config for run, trial in zip(runs, trials, strict=True)}
        self._activate(record, client, configs)
        return record.id, token

    def _activate(
        self, record: SweepRecord, client: str, configs: dict[str, ExperimentConfig]
    ) -> None:
        sweep = Active(record, client)
        by_shape: dict[str, list[str]] = {}
        for run_id, config in configs.items():
            by_shape.setdefault(shape_of(config), []).append(run_id)
        for ids in by_shape.values():
            for start in range(0, len(ids), GROUP_SIZE):
                sweep.pending.append(ids[start : start + GROUP_SIZE])
        sweep.live = set(configs)
        self.active[record.id] = sweep
        self.owner.update(dict.fromkeys(configs, sweep))
        self._dispatch()

    def resume(self, record: SweepRecord, client: str) -> None:
        """Train an interrupted sweep's unfinished trials on, from their checkpoints."""
        if record.status != "interrupted":
            raise SweepConflict(SERVER.say("sweep.not_interrupted", status=record.status))
        if record.executor not in self.executors:  # a Ray sweep on a server without Ray
            record.executor = "local"
        ids = self.db.unfinished(record.id)
        configs: dict[str, ExperimentConfig] = {}
        for run_id in ids:
            run = self.runs.store.get_run(run_id)
            if run is not None:
                configs[run_id] = ExperimentConfig.from_stored(run.config)
                saved = self.runs.store.checkpoint(run_id)
                self.runs.store.clear_metrics(run_id, after_epoch=saved[0] if saved else -1)
        self.db.set_runs(list(configs), status="created", ended_at=None, error=None)
        self.db.set_status(record.id, "running", ended=False)
        record.status, record.ended_at = "running", None
        self._activate(record, client, configs)

    def cancel(self, record: SweepRecord) -> None:
        """End the sweep: its unfinished trials stop (``cancelled``, history and last
        checkpoint kept)."""
        sweep = self.active.pop(record.id, None)
        if sweep is None:
            if record.status != "interrupted":
                raise SweepConflict(SERVER.say("sweep.ended", status=record.status))
            ids = self.db.unfinished(record.id)
        else:
            ids = sorted(sweep.live)
            for run_id in ids:  # first: what the executors report of them now is ignored
                self.owner.pop(run_id, None)
            for executor, trials in list(self.groups.values()):
                dropped = [i for i in trials if i in sweep.live]
                if dropped:
                    executor.drop(dropped)
            sweep.live.clear()
            for run_id in ids:
                self._leave_group(run_id)
        self.db.set_runs(ids, status="cancelled", ended_at=now())
        for run_id in ids:  # how far each got: its final row, as an ended trial's
            self.db.set_result(run_id, self.runs.store.summary(run_id)["latest"])
        self.db.set_status(record.id, "cancelled", ended=True)
        self._dispatch()

    # -- what the executors report -------------------------------------------------------

    def apply(self, report: p.TrialReport) -> None:
        """A trial's rows, checkpoint and end, into the store (a late report of a trial no
        longer live, one of a cancelled sweep say, is dropped)."""
        sweep = self.owner.get(report.run_id)
        if sweep is None:
            return
        store = self.runs.store
        if report.rows:
            store.append_metrics(report.run_id, report.rows)
        if report.state is not None:
            store.save_checkpoint(report.run_id, report.epoch, report.step, report.state)
        if report.status is not None:
            self._end(report.run_id, report.status, report.error, report.stop_reason)

    def lost(self, ids: list[str], reason: str) -> None:
        """Trials whose worker died: each is tried again from its last checkpoint, at most
        ``NNPG_SWEEP_RETRIES`` times, then it fails with the reason."""
        retry: dict[Active, list[str]] = {}
        for run_id in ids:
            sweep = self.owner.get(run_id)
            if sweep is None:
                continue
            self._leave_group(run_id)
            attempts, retries = self.db.add_attempt(run_id), self.settings.sweep_retries
            if attempts > retries:
                times = f"{attempts} time{'s' * (attempts != 1)}"
                why = f"{reason} (its worker died {times}; NNPG_SWEEP_RETRIES is {retries})"
                self._end(run_id, "failed", why, None)
            else:
                log.info("trial %s: %s; trying again (attempt %d)", run_id, reason, attempts + 1)
                retry.setdefault(sweep, []).append(run_id)
        for sweep, again in retry.items():
            sweep.pending.appendleft(again)
        self._dispatch()

    def _end(self, run_id: str, status: str, error: str | None, reason: str | None) -> None:
        store = self.runs.store
        summary = store.summary(run_id)
        latest = summary["latest"] or {}
        changes = {"status": status, "error": error, "stop_reason": reason, "ended_at": now()}
        if latest:
            changes |= {"epoch": latest["epoch"], "step": latest["step"]}
        store.update_run(run_id, **changes)
        self.db.set_result(run_id, summary["latest"])
        sweep = self._forget(run_id)
        if sweep is not None and not sweep.live and not self._stopping:
            self.active.pop(sweep.record.id, None)
            self.db.set_status(sweep.record.id, "finished", ended=True)
        self._dispatch()

    def _forget(self, run_id: str) -> Active | None:
        sweep = self.owner.pop(run_id, None)
        if sweep is not None:
            sweep.live.discard(run_id)
        self._leave_group(run_id)
        return sweep

    def _leave_group(self, run_id: str) -> None:
        for number, (executor, trials) in list(self.groups.items()):
            if run_id in trials:
                trials.discard(run_id)
                if not trials:
                    del self.groups[number]
                    executor.finished(number)

    def _dispatch(self) -> None:
        """Start waiting groups while their executors have room, the oldest sweep first."""
        if self._stopping:
            return
        for sweep in list(self.active.values()):
            executor = self.executors[sweep.record.executor]
            while sweep.pending and self._in_flight(executor) < executor.slots():
                ids = [i for i in sweep.pending.popleft() if i in sweep.live]
                if ids:
                    self._start_group(executor, ids)

    def _in_flight(self, executor: Executor) -> int:
        return sum(ex is executor for ex, _ in self.groups.values())

    def _start_group(self, executor: Executor, ids: list[str]) -> None:
        store = self.runs.store
        specs = []
        for run_id in ids:
            record = store.get_run(run_id)
            assert record is not None, run_id
            saved = store.checkpoint(run_id)
            config = ExperimentConfig.from_stored(record.config)
            specs.append(p.TrialSpec(run_id, config, saved[2] if saved else None))
        self.db.set_runs(ids, status="running", started_at=now())
        number = next(self._numbers)
        self.groups[number] = (executor, set(ids))
        executor.submit(number, specs)
