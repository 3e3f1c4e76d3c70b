"""One run as the server holds it in memory, and the errors the run manager raises."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.schemas import TERMINAL_STATUSES, RunCreate, RunStatus
from server.store import RunRecord, config_json, now, token_matches
from server.viewers import Viewer
from server.wire import dumps


class CapacityError(RuntimeError):
    """No room for another run or viewer."""


class ConflictError(RuntimeError):
    """The run's status does not allow that control."""


@dataclass(eq=False)
class Run:
    id: str
    token_hash: str  # the control token itself is shown once, at creation, and never kept
    share_code: str
    body: RunCreate
    worker: int
    status: RunStatus = "created"
    epoch: int = 0
    step: int = 0
    error: str | None = None
    stop_reason: str | None = None
    best_epoch: int | None = None  # early stopping's best epoch (the weights it restores)
    viewers_can_control: bool = False
    watched: bool = False  # a viewer has joined once (an interactive run, not a script's)
    created_at: datetime = field(default_factory=now)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    last_seen: float = field(default_factory=time.monotonic)  # last viewer or control
    viewers: set[Viewer] = field(default_factory=set)
    last_frame: bytes | None = None
    features: bytes | None = None
    dataset: str | None = None

    def authorizes(self, token: str) -> bool:
        return token_matches(token, self.token_hash)

    def record(self) -> RunRecord:
        return RunRecord(
            id=self.id,
            name=self.body.name,
            status=self.status,
            config=config_json(self.body.config),
            speed=self.body.speed,
            token_hash=self.token_hash,
            epoch=self.epoch,
            step=self.step,
            error=self.error,
            stop_reason=self.stop_reason,
            created_at=self.created_at,
            started_at=self.started_at,
            ended_at=self.ended_at,
        )

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
                "best_epoch": self.best_epoch,
                "viewers": len(self.viewers),
                "viewers_can_control": self.viewers_can_control,
            }
        )

    def status_changes(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Apply a worker's status report; returns the fields to store."""
        self.status, self.error = payload["status"], payload.get("error")
        self.stop_reason = payload.get("stop_reason")
        self.best_epoch = payload.get("best_epoch")
        self.epoch, self.step = payload.get("epoch", self.epoch), payload.get("step", self.step)
        changes: dict[str, Any] = {
            "status": self.status,
            "error": self.error,
            "stop_reason": self.stop_reason,
            "epoch": self.epoch,
            "step": self.step,
        }
        if self.status == "running" and self.started_at is None:
            self.started_at = changes["started_at"] = now()
        if self.status in TERMINAL_STATUSES and self.ended_at is None:
            self.ended_at = changes["ended_at"] = now()
        return changes
