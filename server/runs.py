"""The run manager: creates, controls and ends runs; who watches them is its ``audience``.

Everything here runs on the event loop, and it is the store's one owner. Training happens
in workers (``server.pool``), reached by typed commands (``server.protocol``); their results
come back through ``server.delivery``. Each frame arrives encoded once and goes to every
viewer of its view as the same bytes. Hygiene (writing the store, pausing and evicting idle
runs) is ``server.hygiene``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import time
from collections.abc import Callable

from engine import kernels, population_kernel
from engine.config import ExperimentConfig
from server import protocol as p
from server.audience import Audience
from server.control import to_command
from server.delivery import Delivery, Requests, Weights
from server.forks import Origin
from server.hygiene import Janitor
from server.inspections import Inspections
from server.messages import SERVER
from server.pool import WorkerPool, default_workers
from server.records import RunRecord, hash_token, new_run_id, new_token, now
from server.room import Room
from server.run import CapacityError, ClientLimitError, ConflictError, Run
from server.schemas import AnyClientMessage, Moved, Permissions, RunCreate, RunStatus
from server.settings import Settings
from server.store import Store
from server.workers import Worker

__all__ = ["CapacityError", "ClientLimitError", "ConflictError", "Run", "RunManager"]
__all__ += ["default_workers"]
log = logging.getLogger(__name__)
SHARE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
GOING_AWAY = 1001


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.database, state_budget=settings.state_bytes_per_run)
        self.runs: dict[str, Run] = {}
        self.by_code: dict[str, Run] = {}
        self.requests: Requests[Weights] = Requests()
        self.inspections = Inspections(self._submit)  # the teaching views' numbers
        answers = self.inspections.requests
        self.deliver = Delivery(self.runs, self.store, self.requests, self._set_status, answers)
        self.pool = WorkerPool(
            settings.workers or 0,
            settings.default_fps,
            self.deliver,
            self._worker_died,
            ray=settings.ray_address is not None,
        )
        self.room = Room(self.runs, settings, self.remove)  # a client's share, a full server
        self.janitor = Janitor(self)
        self.audience = Audience(settings, self.store, self.runs, self._submit)
        self.worker_listeners: list[Callable[[int], None]] = []  # told when a worker dies

    @property
    def workers(self) -> list[Worker]:
        return self.pool.workers

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self.store.bind()  # from here on, only this thread (the event loop's) may use it
        marked = self.store.mark_interrupted()  # what was live when the server last stopped
        if marked:
            log.info("%d runs were interrupted by the last shutdown", marked)
        # The picture pass compiled (or loaded from numba's cache) before the server answers:
        # a fresh machine's workers then load it instead of compiling it during their first
        # frames (2-5 s), and this process has it for its own pictures (boundary.png). So
        # with the genetic trainer's population pass.
        await asyncio.to_thread(kernels.warm)
        await asyncio.to_thread(population_kernel.warm)
        self.pool.start()
        self.janitor.start()
        gc.freeze()  # the app and its imports live as long as the server: no GC pass scans them

    async def stop(self) -> None:
        """Close every socket (1001), checkpoint live runs, stop the workers: done in seconds."""
        self.janitor.stop()
        for run in self.runs.values():
            for viewer in run.viewers:
                viewer.close(GOING_AWAY, "the server is shutting down")
        await self._last_checkpoints(timeout=2.0)
        await self.pool.stop()
        for run in self.runs.values():
            if run.live:
                with contextlib.suppress(Exception):  # logged by the store; keep stopping
                    self._end_here(run, "interrupted", "the server stopped")
        try:
            self.store.close()
        except Exception:
            log.exception("the store could not be written at shutdown")

    async def _last_checkpoints(self, timeout: float) -> None:
        live = [run for run in self.runs.values() if run.live]
        waits = [self.weights(run, timeout, checkpoint=True) for run in live]
        await asyncio.gather(*waits, return_exceptions=True)

    # -- runs ----------------------------------------------------------------------------

    def create(
        self,
        body: RunCreate,
        client: str = "",
        token: str = "",
        token_hash: str = "",
        origin: Origin | None = None,
        *,
        worker: int | None = None,
    ) -> tuple[Run, str]:
        """A new run, trained in the background when ``body.start``; returns it and its
        control token (shown once): a new one, or a class member's own (``token``, or only
        its hash: the teacher sends a student a run). With ``origin``, a fork: it starts
        from another run's kept state, with that run's history up to there. ``worker``:
        placed there (a race's lanes share one), not where the load says."""
        self.room.make(client)
        if token or token_hash:
            token_hash = token_hash or hash_token(token)
        else:
            token, token_hash = new_token()
        run = self._admit(
            new_run_id(), token_hash, body, client, self._new_share_code(), worker=worker
        )
        if origin is not None:
            run.parent, run.fork_epoch = origin.parent, origin.epoch
            run.epoch, run.step = origin.epoch, origin.step
        try:
            self.store.insert_run(run.record())
            if origin is not None:
                self.store.copy_past(origin.parent, run.id, origin.epoch)
                self.store.save_checkpoint(run.id, origin.epoch, origin.step, origin.state)
        except Exception:  # not stored (an unwritable store: a 503): not held either
            self.runs.pop(run.id, None)
            self.by_code.pop(run.share_code, None)
            raise
        state = origin.state if origin else None
        self._submit(run, p.Create(run.id, body.config, body.speed, checkpoint=state))
        if body.start:
            self._submit(run, p.Play(run.id))
        elif origin is not None:
            self._submit(run, p.Pause(run.id))  # held at its fork epoch, paused
        return run, token

    def _admit(
        self,
        run_id: str,
        token_hash: str,
        body: RunCreate,
        client: str,
        code: str,
        *,
        worker: int | None = None,
    ) -> Run:
        run = Run(id=run_id, token_hash=token_hash, share_code=code, body=body, client=client)
        loads = [0] * self.pool.size  # what each worker's live runs cost (``Run.cost``)
        alike = [0] * self.pool.size  # and of them, the runs shaped like this one
        for other in self.runs.values():
            if other.live:
                loads[other.worker] += other.cost
                alike[other.worker] += other.shape == run.shape
        run.worker = place(loads, alike) if worker is None else worker
        self.runs[run.id] = run
        self.by_code[run.share_code] = run
        return run

    def resume(self, record: RunRecord, play: bool = True, client: str = "") -> Run:
        """Bring an interrupted run back from its last checkpoint and train it on (or, without
        ``play``, hold it there, paused), under its old share code."""
        if record.status != "interrupted":
            raise ConflictError(SERVER.say("run.not_interrupted", status=record.status))
        saved = self.store.checkpoint(record.id)
        if saved is None:
            raise ConflictError(SERVER.say("run.no_checkpoint"))
        self.room.make(client)
        config = ExperimentConfig.model_validate_json(record.config)
        body = RunCreate(config=config, name=record.name, start=True, speed=record.speed)
        code = record.share_code
        if code is None or code in self.by_code:
            code = self._new_share_code()
        run = self._admit(record.id, record.token_hash, body, client, code)
        run.created_at, run.started_at = record.created_at or now(), record.started_at
        run.epoch, run.step = saved[0], saved[1]
        self.store.clear_metrics(run.id, after_epoch=run.epoch)  # rows past the checkpoint
        self.store.update_run(
            run.id,
            status="created",
            ended_at=None,
            error=None,
            epoch=run.epoch,
            step=run.step,
            share_code=code,
        )
        self._submit(run, p.Create(run.id, config, body.speed, checkpoint=saved[2]))
        self._submit(run, p.Play(run.id) if play else p.Pause(run.id))
        return run

    def _submit(self, run: Run, command: p.Command) -> None:
        self.pool.submit(run.worker, command)

    def _new_share_code(self) -> str:
        while (code := "".join(secrets.choice(SHARE_ALPHABET) for _ in range(6))) in self.by_code:
            pass
        return code

    def remove(self, run: Run, delete: bool = False) -> None:
        """Out of memory (and, with ``delete``, out of the store). A live run evicted this
        way is ``interrupted``: its checkpoint is stored, and ``resume`` brings it back.
        The store goes first: if it cannot be written, the run is left as it was."""
        if delete:
            self.store.delete_run(run.id)
            run.deleted = True
        self.runs.pop(run.id, None)
        self.by_code.pop(run.share_code, None)
        for viewer in run.viewers:
            viewer.close(GOING_AWAY, "the run was removed")
        self._submit(run, p.Remove(run.id))
        if not delete and run.live:
            self._end_here(run, "interrupted", "evicted while idle")

    def control(self, run: Run, message: AnyClientMessage | p.Command) -> None:
        """A control message (a client's, or a command) to the run's worker, if its status
        allows it; permissions are the manager's own."""
        run.last_seen = time.monotonic()
        if isinstance(message, Permissions):
            run.viewers_can_control = message.viewers_can_control
            self.audience.broadcast(run, run.status_message())
            return
        if isinstance(message, Moved):  # an ended run's viewers follow too
            self._move(run, message)
            return
        if not run.live:
            raise ConflictError(SERVER.say("run.ended", status=run.status))
        command = message if isinstance(message, p.Command) else to_command(message, run.id)
        # a run that starts training takes a slot: a made run left alone, or a paused one,
        # could else be played past the cap (over a socket an error; the socket stays open)
        if isinstance(command, p.Play | p.Step):
            self.room.check([run])
        self._submit(run, command)

    def _move(self, run: Run, message: Moved) -> None:
        """Point the run's viewers (and any joining later) at the run that replaced it: one
        the sender controls (its token), never the run itself."""
        found = self.runs.get(message.to)
        if found is None or found is run or not found.authorizes(message.token):
            raise ConflictError(SERVER.say("run.moved_unknown", id=message.to))
        run.moved_to = found.id
        self.audience.broadcast(run, run.moved_message())

    async def weights(self, run: Run, timeout: float = 5.0, checkpoint: bool = False) -> Weights:
        """The live run's weights now, from its worker (``checkpoint``: stored too)."""
        request, future = self.requests.open()
        if checkpoint:
            self._submit(run, p.Checkpoint(run.id))
        self._submit(run, p.Snapshot(run.id, request))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self.requests.close(request)

    # -- what the workers report ---------------------------------------------------------

    def _set_status(self, run: Run, report: p.Status) -> None:
        self.store.update_run(run.id, **run.status_changes(report))
        message = run.status_message()
        for viewer in run.viewers:  # after the frame of where it stands, if one is unsent
            viewer.offer_message(message, after_frame=True)

    def _end_here(self, run: Run, status: RunStatus, error: str) -> None:
        """End a run the worker no longer trains (stopped, evicted, or its worker died)."""
        self._set_status(run, p.Status(run.id, status, run.epoch, run.step, error=error))

    def _worker_died(self, index: int) -> None:
        """Fail the dead worker's runs, only those (the pool starts a fresh worker); a sweep's
        trials are its listeners' (``server.sweeps``)."""
        for listener in self.worker_listeners:
            listener(index)
        for run in self.runs.values():
            if run.worker == index and run.live:
                self._end_here(run, "failed", "the worker process training this run crashed")

    def sweep(self, moment: float) -> None:
        self.janitor.sweep(moment)


def place(loads: list[int], alike: list[int], slack: float = 0.1) -> int:
    """The worker for a new run: of those whose load is within ``slack`` (a share of the
    least load) of the least loaded, the one holding most runs of its shape (they train
    stacked, each epoch about 1.7× cheaper than in half-size stacks), then the least loaded."""
    least = min(loads)
    close = [k for k, load in enumerate(loads) if load <= least * (1.0 + slack)]
    return max(close, key=lambda k: (alike[k], -loads[k]))
