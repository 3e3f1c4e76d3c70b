"""Room for runs: one client's share of the slots (runs training, or about to) and the runs the
server holds in memory. When the server is full, the oldest run nobody watches, trains or
touched lately is evicted to make room; past a client's share, or with nothing to evict, the
run is refused."""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.messages import Message
from server.messages import SERVER
from server.run import CapacityError, ClientLimitError, Run
from server.settings import Settings


class Room:
    def __init__(
        self, runs: dict[str, Run], settings: Settings, evict: Callable[[Run], None]
    ) -> None:
        """``runs``: the manager's, by id; ``evict`` takes one out of memory."""
        self.runs = runs
        self.settings = settings
        self._evict = evict

    def make(self, client: str) -> None:
        """Room for a new run of ``client``'s: refused past its share of the slots (an idle
        run can always be evicted); when the server is full, the oldest run nobody watches
        or trains and nobody touched lately is evicted, or the run is refused."""
        settings = self.settings
        if said := self._client_full(client):
            raise ClientLimitError(said)
        if len(self.runs) < settings.max_runs:
            return
        settled = time.monotonic() - settings.evict_grace
        for run in self.runs.values():
            if not run.viewers and run.status != "running" and run.last_seen < settled:
                self._evict(run)
                return
        raise CapacityError(SERVER.say("full.server", limit=settings.max_runs))

    def check(self, runs: list[Run]) -> None:
        """Before ``runs`` (one client's) play or step: those not running take a slot each,
        so past the client's share this raises ``ClientLimitError``."""
        starting = [run for run in runs if run.status != "running"]
        if starting and (said := self._client_full(starting[0].client, starting)):
            raise ClientLimitError(said)

    def _client_full(self, client: str, starting: list[Run] | None = None) -> Message | None:
        """Why ``client`` may not start ``starting`` (default: a new run): its other runs
        and these would hold more slots than one client may (``holds``); None while not."""
        if not client:
            return None
        settled = time.monotonic() - self.settings.evict_grace
        taking = starting or []
        mine = (run for run in self.runs.values() if run.client == client and run not in taking)
        cap = self.settings.max_runs_per_client
        held = sum(holds(r, settled) for r in mine) + max(1, len(taking))
        return SERVER.say("full.client", limit=cap) if held > cap else None


def holds(run: Run, settled: float) -> bool:
    """Whether ``run`` holds one of its client's slots: it trains, or it is about to (made,
    and watched or touched since ``settled``). A run whose page closed before it ever played
    holds none: behind one school NAT address, every reload would otherwise keep one for
    ``idle_ttl`` and lock the class out of new runs."""
    if run.status == "running":
        return True
    return run.status == "created" and (bool(run.viewers) or run.last_seen >= settled)
