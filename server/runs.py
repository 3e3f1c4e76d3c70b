"""The run manager: creates, controls and ends runs, and fans their frames out to viewers.

Everything here runs on the event loop. Training happens in the ``Scheduler`` thread; its
results come back through ``_deliver``, scheduled on the loop with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.metrics import Metrics
from server.scheduler import Scheduler
from server.schemas import TERMINAL_STATUSES, RunCreate, RunStatus
from server.settings import Settings
from server.viewers import Viewer
from server.wire import dumps

SHARE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class CapacityError(RuntimeError):
    """No room for another run."""


class ConflictError(RuntimeError):
    """The run's status does not allow that control."""


@dataclass(eq=False)
class Run:
    id: str
    control_token: str
    share_code: str
    body: RunCreate
    status: RunStatus = "created"
    epoch: int = 0
    step: int = 0
    error: str | None = None
    stop_reason: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    viewers: set[Viewer] = field(default_factory=set)
    last_frame: bytes | None = None
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
            }
        )


class RunManager:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runs: dict[str, Run] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler = Scheduler(self._publish_threadsafe, settings.default_fps)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._scheduler.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self._scheduler.stop)

    def create(self, body: RunCreate) -> Run:
        self._make_room()
        run = Run(
            id=secrets.token_urlsafe(12),
            control_token=secrets.token_urlsafe(24),
            share_code="".join(secrets.choice(SHARE_ALPHABET) for _ in range(6)),
            body=body,
        )
        self.runs[run.id] = run
        self._scheduler.submit(run.id, {"type": "create", "config": body.config})
        if body.start:
            self.control(run, {"type": "play"})
        return run

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
        self._scheduler.submit(run.id, {"type": "remove"})

    def control(self, run: Run, message: dict[str, Any]) -> None:
        """Forward a control message to the worker, if the run's status allows it."""
        if run.status in TERMINAL_STATUSES and message["type"] != "view":
            raise ConflictError(f"the run has ended ({run.status}); create a new one")
        self._scheduler.submit(run.id, message)

    def subscribe(self, run: Run, can_control: bool) -> Viewer:
        viewer = Viewer(can_control)
        run.viewers.add(viewer)
        if run.dataset:
            viewer.offer_message(run.dataset)
        viewer.offer_message(run.status_message())
        if run.last_frame:
            viewer.offer_frame(run.last_frame)
        return viewer

    def unsubscribe(self, run: Run, viewer: Viewer) -> None:
        run.viewers.discard(viewer)

    def _publish_threadsafe(self, run_id: str, kind: str, payload: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._deliver, run_id, kind, payload)

    def _deliver(self, run_id: str, kind: str, payload: Any) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        if kind == "frame":
            metrics, run.last_frame = payload
            self._record(run, metrics)
            for viewer in run.viewers:
                viewer.offer_frame(run.last_frame)
            return
        if kind == "status":
            run.status, run.error = payload["status"], payload.get("error")
            run.stop_reason = payload.get("stop_reason")
            run.epoch, run.step = payload.get("epoch", run.epoch), payload.get("step", run.step)
            text = run.status_message()
        elif kind == "error":
            text = dumps(payload)
        else:
            text = run.dataset = dumps(payload)
        for viewer in run.viewers:
            viewer.offer_message(text)

    @staticmethod
    def _record(run: Run, metrics: Metrics) -> None:
        run.epoch, run.step = metrics.epoch, metrics.step
