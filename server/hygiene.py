"""The run manager's housekeeping, every half second on the event loop: write what the store
has queued; every 2 s, pause what nobody watches any more and evict what is idle."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import TYPE_CHECKING

from server import protocol as p

if TYPE_CHECKING:
    from server.runs import RunManager

log = logging.getLogger(__name__)


class Janitor:
    def __init__(self, manager: RunManager) -> None:
        self._manager = manager
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    def stop(self) -> None:
        if self._task:
            self._task.cancel()

    async def _forever(self, every: float = 0.5) -> None:
        """A failure is logged and tried again: this loop never ends early."""
        failing_since: float | None = None
        for turn in itertools.count():
            await asyncio.sleep(every)
            try:
                self._manager.store.flush()
                if turn % 4 == 3:
                    self.sweep(time.monotonic())
                if failing_since is not None:
                    log.info("writing to the store works again")
                failing_since = None
            except Exception:  # a full disk, say: keep the rows queued and try again
                moment = time.monotonic()
                if failing_since is None or moment - failing_since > 60:  # once a minute
                    log.exception("writing to the store failed; retrying every %g s", every)
                    failing_since = moment

    def sweep(self, now: float) -> None:
        """Pause a page's run once its page is gone (``pause_after``), and a script's run with
        no end that nobody has looked at or controlled for ``unwatched_limit``; evict runs
        idle past ``idle_ttl``."""
        manager = self._manager
        settings = manager.settings
        for run in list(manager.runs.values()):
            if run.viewers:
                continue
            idle = now - run.last_seen
            training = run.body.config.training
            endless = training.max_epochs is None and training.early_stopping is None
            if run.status == "running" and endless:
                limit = settings.pause_after if run.watched else settings.unwatched_limit
                if idle > limit:
                    log.info("pausing run %s: nobody has watched it for %.0f s", run.id, idle)
                    manager.control(run, p.Pause(run.id))
            elif run.status != "running" and idle > settings.idle_ttl:
                log.info("evicting idle run %s", run.id)
                manager.remove(run)
