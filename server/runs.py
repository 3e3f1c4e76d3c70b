"""The run manager: creates, controls, schedules, persists and ends runs; fans frames out.

Everything here runs on the event loop. Training happens in workers (``server.workers``);
their results come back through ``_deliver``, scheduled on the loop thread-safely. Each
frame arrives encoded once and goes to every viewer's outbox as the same bytes. Statuses,
metrics rows and checkpoints go to the store (``server.store``) as they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import time
from typing import Any

import numpy as np

from engine.config import ExperimentConfig
from server.run import CapacityError, ConflictError, Run
from server.schemas import TERMINAL_STATUSES, RunCreate
from server.settings import Settings
from server.store import RunRecord, Store, new_run_id, new_token, now
from server.viewers import RateBucket, Viewer
from server.wire import dumps
from server.workers import ProcessWorker, ThreadWorker, Worker

__all__ = ["CapacityError", "ConflictError", "Run", "RunManager"]
log = logging.getLogger(__name__)
SHARE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
GOING_AWAY = 1001
Weights = tuple[int, int, np.ndarray]  # epoch, step, flat parameters


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.database)
        self.runs: dict[str, Run] = {}
        self.by_code: dict[str, Run] = {}
        self.workers: list[Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._janitor: asyncio.Task[None] | None = None
        self._requests: dict[int, asyncio.Future[Weights]] = {}
        self._request_ids = itertools.count()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        marked = self.store.mark_interrupted()  # what was live when the server last stopped
        if marked:
            log.info("%d runs were interrupted by the last shutdown", marked)
        count = self.settings.workers or 0
        self.workers = [self._new_worker(i, count > 0) for i in range(max(count, 1))]
        for worker in self.workers:
            worker.start()
        self._janitor = asyncio.create_task(self._sweep_forever())

    def _new_worker(self, index: int, process: bool) -> Worker:
        fps = self.settings.default_fps
        if process:
            return ProcessWorker(
                index, self._publish_batch_threadsafe, fps, self._worker_died_threadsafe
            )
        return ThreadWorker(index, self._publish_threadsafe, fps)

    async def stop(self) -> None:
        """Close every socket (1001), checkpoint live runs, stop the workers: done in seconds."""
        if self._janitor:
            self._janitor.cancel()
        for run in self.runs.values():
            for viewer in run.viewers:
                viewer.close(GOING_AWAY, "the server is shutting down")
        await self._last_checkpoints(timeout=2.0)
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))
        for run in self.runs.values():
            if run.status not in TERMINAL_STATUSES:
                self._set_status(run, {"status": "interrupted", "error": "the server stopped"})
        self.store.close()

    async def _last_checkpoints(self, timeout: float) -> None:
        live = [run for run in self.runs.values() if run.status not in TERMINAL_STATUSES]
        waits = [self.weights(run, timeout, checkpoint=True) for run in live]
        await asyncio.gather(*waits, return_exceptions=True)

    # -- runs ----------------------------------------------------------------------------

    def create(self, body: RunCreate) -> tuple[Run, str]:
        """A new run, trained in the background when ``body.start``; returns it and its
        control token (shown once)."""
        self._make_room()
        token, token_hash = new_token()
        run = self._admit(new_run_id(), token_hash, body)
        self.store.insert_run(run.record())
        self._submit(run, {"type": "create", "config": body.config, "speed": body.speed})
        if body.start:
            self.control(run, {"type": "play"})
        return run, token

    def _admit(self, run_id: str, token_hash: str, body: RunCreate) -> Run:
        counts = [0] * len(self.workers)  # live runs per worker
        for run in self.runs.values():
            counts[run.worker] += run.status not in TERMINAL_STATUSES
        run = Run(
            id=run_id,
            token_hash=token_hash,
            share_code=self._new_share_code(),
            body=body,
            worker=counts.index(min(counts)),  # the least loaded
        )
        self.runs[run.id] = run
        self.by_code[run.share_code] = run
        return run

    def resume(self, record: RunRecord, play: bool = True) -> Run:
        """Bring an interrupted run back from its last checkpoint and train it on (or, without
        ``play``, hold it there, paused)."""
        if record.status != "interrupted":
            raise ConflictError(f"only an interrupted run is resumed this way ({record.status})")
        saved = self.store.checkpoint(record.id)
        if saved is None:
            raise ConflictError("the run has no checkpoint to resume from")
        self._make_room()
        config = ExperimentConfig.model_validate_json(record.config)
        body = RunCreate(config=config, name=record.name, start=True, speed=record.speed)
        run = self._admit(record.id, record.token_hash, body)
        run.created_at, run.started_at = record.created_at or now(), record.started_at
        run.epoch, run.step = saved[0], saved[1]
        self.store.clear_metrics(run.id, after_epoch=run.epoch)  # rows past the checkpoint
        self.store.update_run(
            run.id, status="created", ended_at=None, error=None, epoch=run.epoch, step=run.step
        )
        command = {"type": "create", "config": config, "speed": body.speed, "checkpoint": saved[2]}
        self._submit(run, command)
        self.control(run, {"type": "play" if play else "pause"})
        return run

    def _submit(self, run: Run, command: dict[str, Any]) -> None:
        self.workers[run.worker].submit(run.id, command)

    def _new_share_code(self) -> str:
        while (code := "".join(secrets.choice(SHARE_ALPHABET) for _ in range(6))) in self.by_code:
            pass
        return code

    def _make_room(self) -> None:
        """Evict the oldest run nobody watches or trains, or refuse when there is none."""
        if len(self.runs) < self.settings.max_runs:
            return
        for run in self.runs.values():
            if not run.viewers and run.status != "running":
                self.remove(run)
                return
        raise CapacityError(f"the server holds its maximum of {self.settings.max_runs} runs")

    def remove(self, run: Run, delete: bool = False) -> None:
        """Out of memory (and, with ``delete``, out of the store). A live run evicted this
        way is ``interrupted``: its checkpoint is stored, and ``resume`` brings it back."""
        self.runs.pop(run.id, None)
        self.by_code.pop(run.share_code, None)
        for viewer in run.viewers:
            viewer.close(GOING_AWAY, "the run was removed")
        self._submit(run, {"type": "remove"})
        if delete:
            self.store.delete_run(run.id)
        elif run.status not in TERMINAL_STATUSES:
            self._set_status(run, {"status": "interrupted", "error": "evicted while idle"})

    def control(self, run: Run, message: dict[str, Any]) -> None:
        """Forward a control message to the run's worker, if its status allows it."""
        run.last_seen = time.monotonic()
        if message["type"] == "permissions":
            run.viewers_can_control = message["viewers_can_control"]
            self._broadcast(run, run.status_message())
            return
        if run.status in TERMINAL_STATUSES and message["type"] != "view":
            raise ConflictError(f"the run has ended ({run.status}); create a new one")
        self._submit(run, message)

    async def weights(self, run: Run, timeout: float = 5.0, checkpoint: bool = False) -> Weights:
        """The live run's weights now, from its worker (``checkpoint``: stored too)."""
        assert self._loop is not None
        request = next(self._request_ids)
        future: asyncio.Future[Weights] = self._loop.create_future()
        self._requests[request] = future
        if checkpoint:
            self._submit(run, {"type": "checkpoint"})
        self._submit(run, {"type": "snapshot", "request": request})
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._requests.pop(request, None)

    # -- viewers -------------------------------------------------------------------------

    def subscribe(self, run: Run, can_control: bool) -> Viewer:
        if len(run.viewers) >= self.settings.max_viewers:
            raise CapacityError(f"the run has its maximum of {self.settings.max_viewers} viewers")
        bucket = RateBucket(self.settings.message_rate, self.settings.message_burst)
        viewer = Viewer(can_control, bucket)
        run.viewers.add(viewer)
        run.watched = True
        run.last_seen = time.monotonic()
        for message in (run.dataset, run.features):
            if message:
                viewer.offer_message(message)
        viewer.offer_message(run.status_message())
        viewer.offer_message(self._history_message(run))
        if run.last_frame:
            viewer.offer_frame(run.last_frame)
        if len(run.viewers) == 1:
            self._submit(run, {"type": "watch", "viewers": 1})
        return viewer

    def _history_message(self, run: Run, max_points: int = 2000) -> str:
        """The run's metrics so far (evenly thinned to ``max_points``), for a new viewer."""
        rows = self.store.metrics(run.id, max_points=max_points)
        return dumps({"type": "history", "rows": [tuple(row) for row in rows]})

    def unsubscribe(self, run: Run, viewer: Viewer) -> None:
        run.viewers.discard(viewer)
        run.last_seen = time.monotonic()
        if not run.viewers and run.id in self.runs:
            self._submit(run, {"type": "watch", "viewers": 0})

    def _broadcast(self, run: Run, message: str | bytes) -> None:
        for viewer in run.viewers:
            viewer.offer_message(message)

    # -- results from the workers --------------------------------------------------------

    def _publish_threadsafe(self, run_id: str, kind: str, payload: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed while a worker finished
            self._loop.call_soon_threadsafe(self._deliver, run_id, kind, payload)

    def _publish_batch_threadsafe(self, items: list[tuple[str, str, Any]]) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._deliver_batch, items)

    def _deliver_batch(self, items: list[tuple[str, str, Any]]) -> None:
        for item in items:
            self._deliver(*item)

    def _deliver(self, run_id: str, kind: str, payload: Any) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        if kind == "frame":
            run.epoch, run.step, run.last_frame = payload
            for viewer in run.viewers:
                viewer.offer_frame(run.last_frame)
        elif kind == "features":
            run.features = payload
            self._broadcast(run, payload)
        elif kind == "status":
            self._set_status(run, payload)
        elif kind == "error":
            self._broadcast(run, dumps(payload))
        elif kind == "dataset":
            run.dataset = dumps(payload)
            self._broadcast(run, run.dataset)
        else:
            self._persist(run, kind, payload)

    def _persist(self, run: Run, kind: str, payload: Any) -> None:
        if kind == "metrics":
            if payload["reset"]:
                self.store.clear_metrics(run.id)
            self.store.append_metrics(run.id, payload["rows"])
            if payload["rows"]:
                run.epoch, run.step = payload["rows"][-1][:2]
            if run.viewers:  # the loss chart gets every epoch, not only those with a frame
                self._broadcast(run, dumps({"type": "metrics", **payload}))
        elif kind == "checkpoint":
            self.store.save_checkpoint(run.id, *payload)
        elif kind == "snapshot":
            future = self._requests.get(payload[0])
            if future is not None and not future.done():
                future.set_result(payload[1:])

    def _set_status(self, run: Run, payload: dict[str, Any]) -> None:
        self.store.update_run(run.id, **run.status_changes(payload))
        self._broadcast(run, run.status_message())

    def _worker_died_threadsafe(self, worker: ProcessWorker) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._replace_worker, worker.index)

    def _replace_worker(self, index: int) -> None:
        """Fail the dead worker's runs (only those) and start a fresh worker in its place."""
        for run in self.runs.values():
            if run.worker == index and run.status not in TERMINAL_STATUSES:
                error = "the worker process training this run crashed"
                self._set_status(run, {"status": "failed", "error": error})
        self.workers[index] = self._new_worker(index, process=True)
        self.workers[index].start()

    # -- hygiene -------------------------------------------------------------------------

    async def _sweep_forever(self, every: float = 0.5) -> None:
        """Every half second: write the queued metrics rows and checkpoints; every 2 s: sweep
        idle runs. A failure is logged and tried again: this loop never ends early."""
        for turn in itertools.count():
            await asyncio.sleep(every)
            try:
                self.store.flush()
                if turn % 4 == 3:
                    self.sweep(time.monotonic())
            except Exception:  # a full disk, say: keep the rows queued and try again
                log.exception("writing to the store failed; retrying")

    def sweep(self, now: float) -> None:
        """Pause watched runs nobody watches any more; evict runs idle past the TTL."""
        for run in list(self.runs.values()):
            if run.viewers:
                continue
            idle = now - run.last_seen
            endless = run.body.config.training.max_epochs is None
            if run.status == "running" and run.watched and endless:
                if idle > self.settings.pause_after:  # its page was closed
                    self.control(run, {"type": "pause"})
            elif run.status != "running" and idle > self.settings.idle_ttl:
                log.info("evicting idle run %s", run.id)
                self.remove(run)


def default_workers() -> int:
    """One worker process per core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
