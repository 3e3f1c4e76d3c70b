"""One websocket viewer's outbox: text messages in order, and only the newest frame."""

from __future__ import annotations

import asyncio
from collections import deque


class Viewer:
    """A bounded outbox. A new frame replaces an unsent one, so a slow reader skips frames
    instead of slowing the run; text messages (status, errors) queue up to ``max_messages``."""

    def __init__(self, can_control: bool, max_messages: int = 64) -> None:
        self.can_control = can_control
        self._messages: deque[str] = deque(maxlen=max_messages)
        self._frame: bytes | None = None
        self._ready = asyncio.Event()

    def offer_frame(self, frame: bytes) -> None:
        self._frame = frame
        self._ready.set()

    def offer_message(self, message: str) -> None:
        self._messages.append(message)
        self._ready.set()

    async def next(self) -> str | bytes:
        """The next thing to send: queued text first, then the newest frame."""
        while not (self._messages or self._frame is not None):
            self._ready.clear()
            await self._ready.wait()
        if self._messages:
            return self._messages.popleft()
        frame, self._frame = self._frame, None
        assert frame is not None
        return frame
