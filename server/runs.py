"""The run manager: creates, controls, schedules and ends runs, and fans frames out.

Everything here runs on the event loop. Training happens in workers (``server.workers``);
their results come back through ``_deliver``, scheduled on the loop thread-safely. Each
frame arrives encoded once and goes to every viewer's outbox as the same bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from server.schemas import TERMINAL_STATUSES, RunCreate, RunStatus
from server.settings import Settings
from server.viewers import RateBucket, Viewer
from server.wire import dumps
from server.workers import ProcessWorker, ThreadWorker, Worker

log = logging.getLogger(__name__)
SHARE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
GOING_AWAY = 1001


class CapacityError(RuntimeError):
    """No room for another run or viewer."""


class ConflictError(RuntimeError):
    """The run's status does not allow that control."""


@dataclass(eq=False)
class Run:
    id: str
    control_token: str
    share_code: str
    body: RunCreate
    worker: int
    status: RunStatus = "created"
    epoch: int = 0
    step: int = 0
    error: str | None = None
    stop_reason: str | None = None
    viewers_can_control: bool = False
    watched: bool = False  # a viewer has joined once (an interactive run, not a script's)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_seen: float = field(default_factory=time.monotonic)  # last viewer or control
    viewers: set[Viewer] = field(default_factory=set)
    last_frame: bytes | None = None
    features: bytes | None = None
    dataset: str | None = None

    def status_message(self) -> str:
        return dumps(
            {
                "type": "status",
                "run_id": self.id,
                "status": self.status,
                "epoch": self.epoch,
                "step": self.step,
                "error": self.error,
                "stop_reason": self.stop_reason,
                "viewers": len(self.viewers),
                "viewers_can_control": self.viewers_can_control,
            }
        )


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runs: dict[str, Run] = {}
        self.by_code: dict[str, Run] = {}
        self.workers: list[Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._janitor: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
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
        """Close every socket (1001), then stop the workers: done in seconds."""
        if self._janitor:
            self._janitor.cancel()
        for run in self.runs.values():
            for viewer in run.viewers:
                viewer.close(GOING_AWAY, "the server is shutting down")
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in self.workers))

    # -- runs ----------------------------------------------------------------------------

    def create(self, body: RunCreate) -> Run:
        self._make_room()
        counts = [0] * len(self.workers)  # live runs per worker
        for run in self.runs.values():
            counts[run.worker] += run.status not in TERMINAL_STATUSES
        run = Run(
            id=secrets.token_urlsafe(12),
            control_token=secrets.token_urlsafe(24),
            share_code=self._new_share_code(),
            body=body,
            worker=counts.index(min(counts)),  # the least loaded
        )
        self.runs[run.id] = run
        self.by_code[run.share_code] = run
        command = {"type": "create", "config": body.config, "speed": body.speed}
        self.workers[run.worker].submit(run.id, command)
        if body.start:
            self.control(run, {"type": "play"})
        return run

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

    def get(self, run_id: str) -> Run:
        return self.runs[run_id]

    def remove(self, run: Run) -> None:
        self.runs.pop(run.id, None)
        self.by_code.pop(run.share_code, None)
        for viewer in run.viewers:
            viewer.close(GOING_AWAY, "the run was removed")
        self.workers[run.worker].submit(run.id, {"type": "remove"})

    def control(self, run: Run, message: dict[str, Any]) -> None:
        """Forward a control message to the run's worker, if its status allows it."""
        run.last_seen = time.monotonic()
        if message["type"] == "permissions":
            run.viewers_can_control = message["viewers_can_control"]
            self._broadcast(run, run.status_message())
            return
        if run.status in TERMINAL_STATUSES and message["type"] != "view":
            raise ConflictError(f"the run has ended ({run.status}); create a new one")
        self.workers[run.worker].submit(run.id, message)

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
        if run.last_frame:
            viewer.offer_frame(run.last_frame)
        return viewer

    def unsubscribe(self, run: Run, viewer: Viewer) -> None:
        run.viewers.discard(viewer)
        run.last_seen = time.monotonic()

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
            run.status, run.error = payload["status"], payload.get("error")
            run.stop_reason = payload.get("stop_reason")
            run.epoch, run.step = payload.get("epoch", run.epoch), payload.get("step", run.step)
            self._broadcast(run, run.status_message())
        elif kind == "error":
            self._broadcast(run, dumps(payload))
        else:
            run.dataset = dumps(payload)
            self._broadcast(run, run.dataset)

    def _worker_died_threadsafe(self, worker: ProcessWorker) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._replace_worker, worker.index)

    def _replace_worker(self, index: int) -> None:
        """Fail the dead worker's runs (only those) and start a fresh worker in its place."""
        for run in self.runs.values():
            if run.worker == index and run.status not in TERMINAL_STATUSES:
                self._deliver(
                    run.id,
                    "status",
                    {
                        "status": "failed",
                        "error": "the worker process training this run crashed",
                    },
                )
        self.workers[index] = self._new_worker(index, process=True)
        self.workers[index].start()

    # -- hygiene -------------------------------------------------------------------------

    async def _sweep_forever(self, every: float = 2.0) -> None:
        while True:
            await asyncio.sleep(every)
            self.sweep(time.monotonic())

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
