"""The heavy reads (a picture, the model, an export, predictions, the metrics) are bounded:
each client may make ``reads_per_minute`` of them (429 + Retry-After past that), and the
server computes ``heavy_concurrency`` at once, with ``heavy_queue`` more waiting their turn
(503 + Retry-After past that). Their CPU work runs on threads, off the event loop, so live
runs keep streaming while a notebook downloads pictures.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request

from server.clients import ClientRates
from server.messages import SERVER, refuse
from server.settings import Settings

BUSY: dict[int | str, dict[str, Any]] = {
    429: {"description": "this client made too many heavy reads; see Retry-After"},
    503: {"description": "the server is busy with other heavy reads; see Retry-After"},
}


class Heavy:
    def __init__(self, settings: Settings) -> None:
        self.rates = ClientRates(
            settings.reads_per_minute, settings.reads_burst, SERVER.say("rate.heavy")
        )
        self.turns = asyncio.Semaphore(settings.heavy_concurrency)
        self.most = settings.heavy_concurrency + settings.heavy_queue
        self.inside = 0  # computing or waiting

    @asynccontextmanager
    async def turn(self, request: Request) -> AsyncIterator[None]:
        """Wait for a turn (429 or 503 instead when over a limit)."""
        self.rates.check(request)
        if self.inside >= self.most:
            raise refuse(503, SERVER.say("busy.heavy", count=self.most), {"Retry-After": "2"})
        self.inside += 1
        try:
            async with self.turns:
                yield
        finally:
            self.inside -= 1


async def heavy_turn(request: Request) -> AsyncIterator[None]:
    heavy: Heavy = request.app.state.heavy
    async with heavy.turn(request):
        yield


HeavyRead = Annotated[None, Depends(heavy_turn)]
