"""One run as the server holds it in memory, and the errors the run manager raises."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.config import ExperimentConfig
from server import protocol as p
from server.messages import said
from server.records import RunRecord, config_json, now, token_matches
from server.schemas import TERMINAL_STATUSES, RunCreate, RunStatus
from server.viewers import Viewer
from server.wire import dumps

FIXED_COST = 170  # parameters' worth: see ``Run.cost``


class CapacityError(RuntimeError):
    """No room for another run or viewer on this server (503)."""


class ClientLimitError(CapacityError):
    """This client holds as many live runs as one client may (429)."""


class ConflictError(RuntimeError):
    """The run's status does not allow that control."""


@dataclass(eq=False)
class Run:
    id: str
    token_hash: str  # the control token itself is shown once, at creation, and never kept
    share_code: str
    body: RunCreate
    worker: int = 0  # which worker trains it: the manager places it (``runs.place``)
    client: str = ""  # who created it (``server.clients.client_key``), for per-client limits
    status: RunStatus = "created"
    epoch: int = 0
    step: int = 0
    error: str | None = None
    error_code: dict[str, Any] | None = None  # the error's code and parameters (its wire form)
    stop_reason: str | None = None
    parent: str | None = None  # a fork's: the run it was forked from, and the epoch
    fork_epoch: int | None = None
    best_epoch: int | None = None  # early stopping's best epoch (the weights it restores)
    viewers_can_control: bool = False
    watched: bool = False  # a viewer has joined once (an interactive run, not a script's)
    created_at: datetime = field(default_factory=now)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    last_seen: float = field(default_factory=time.monotonic)  # last viewer or control
    viewers: set[Viewer] = field(default_factory=set)
    views: tuple[p.ViewKey, ...] = ()
    fps: float = 20.0  # the fastest any viewer asked for: the rate its worker draws at
    pace: float = 20.0  # the fastest a controlling viewer asked for: a page run's epochs/s
    steps: bool = False  # a viewer plots every mini-batch's loss: the worker keeps them
    frames: dict[p.ViewKey, bytes] = field(default_factory=dict)  # the newest of each view
    features: bytes | None = None
    latest: tuple[Any, ...] | None = None  # the newest metrics row (``engine.history``'s columns)
    dataset: str | None = None
    examples: int | None = None  # in the training set, once the worker has built it
    deleted: bool = False  # removed with everything stored about it (a race lists it no more)
    moved_to: str | None = None  # the run its owner's page replaced it with (``moved_message``)
    _status_waiters: list[asyncio.Future[None]] = field(default_factory=list, repr=False)

    @functools.cached_property
    def shape(self) -> str:
        """Runs of one shape can train stacked on one worker (``shape_of``)."""
        return shape_of(self.body.config)

    @functools.cached_property
    def cost(self) -> int:
        """Roughly what a frame of it costs its worker, in parameters' worth: a fixed part
        and the network's size. Measured with 12 runs stacked (an epoch, a frame, its
        encoding): 468 µs for TF's [4, 2] (25 parameters), 617 for [8, 8] (105), 902 for
        [8]×4 (249), 1350 for [8]×6 (393), i.e. ~400 µs + ~2.4 µs a parameter."""
        return FIXED_COST + self.parameters

    @functools.cached_property
    def parameters(self) -> int:
        """The network's size: what its pictures cost to draw."""
        return self.body.config.n_parameters()

    @functools.cached_property
    def sizes(self) -> list[int]:
        """The network's layer sizes: features, each hidden layer's units, outputs (a live
        change never alters them)."""
        config = self.body.config
        units = [layer.units for layer in config.network.layers()]
        return [len(config.data.features), *units, config.n_outputs()]

    @property
    def live(self) -> bool:
        return self.status not in TERMINAL_STATUSES

    async def reaches(self, statuses: Collection[str], timeout: float) -> None:
        """Wait until the run's status is one of ``statuses`` or has ended (at most
        ``timeout`` seconds): an answer states where a control led, not where it started."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (self.status in statuses or not self.live) and loop.time() < deadline:
            waiter = loop.create_future()
            self._status_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, deadline - loop.time())
            except TimeoutError:
                return

    def _status_changed(self) -> None:
        waiters, self._status_waiters = self._status_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

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
            share_code=self.share_code,
            epoch=self.epoch,
            step=self.step,
            error=self.error,
            error_code=json.dumps(self.error_code) if self.error_code else None,
            stop_reason=self.stop_reason,
            created_at=self.created_at,
            started_at=self.started_at,
            ended_at=self.ended_at,
            parent=self.parent,
            fork_epoch=self.fork_epoch,
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
                "error_code": self.error_code,
                "stop_reason": self.stop_reason,
                "best_epoch": self.best_epoch,
                "viewers": len(self.viewers),
                "viewers_can_control": self.viewers_can_control,
            }
        )

    def moved_message(self) -> str:
        """Tells a viewer which run replaced this one: its page follows it."""
        return dumps({"type": "moved", "run_id": self.id, "to": self.moved_to})

    def status_changes(self, report: p.Status) -> dict[str, object]:
        """Apply a worker's status report; returns the fields to store."""
        self.status = report.status
        found = said(report.error) if report.error is not None else None
        self.error = None if report.error is None else str(report.error)
        self.error_code = found.wire() if found else None
        self.stop_reason = report.stop_reason
        self.best_epoch = report.best_epoch
        self.epoch, self.step = report.epoch, report.step
        self._status_changed()
        changes: dict[str, object] = {
            "status": self.status,
            "error": self.error,
            "error_code": json.dumps(self.error_code) if self.error_code else None,
            "stop_reason": self.stop_reason,
            "epoch": self.epoch,
            "step": self.step,
        }
        if self.status == "running" and self.started_at is None:
            self.started_at = changes["started_at"] = now()
        if self.status in TERMINAL_STATUSES and self.ended_at is None:
            self.ended_at = changes["ended_at"] = now()
        return changes


def shape_of(config: ExperimentConfig) -> str:
    """What decides whether two runs can train an epoch stacked (``engine.batch``): runs
    of one shape on one worker share their NumPy calls."""
    data, training = config.data, config.training
    parts = (config.network, data.features, data.n_samples, data.train_ratio)
    return repr((parts, training.batch_size, training.optimizer))
