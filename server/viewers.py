"""One websocket viewer's outbox: text messages in order, and only the newest frame."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Close:
    """An instruction to the send loop: close the socket with this code and reason."""

    code: int
    reason: str


class Viewer:
    """A bounded outbox. A new frame replaces an unsent one, so a slow reader skips frames
    instead of slowing the run; text and one-off binary messages queue up to
    ``max_messages`` (the oldest goes first when full)."""

    def __init__(self, can_control: bool, bucket: RateBucket, max_messages: int = 64) -> None:
        self.can_control = can_control
        self.bucket = bucket  # the messages it may send us
        self._messages: deque[str | bytes | Close] = deque(maxlen=max_messages)
        self._frame: bytes | None = None
        self._ready = asyncio.Event()
        self.strikes = 0  # bad messages so far
        self.closing = False

    def offer_frame(self, frame: bytes) -> None:
        if self.closing:
            return
        self._frame = frame
        self._ready.set()

    def offer_message(self, message: str | bytes | Close) -> None:
        if self.closing and not isinstance(message, Close):
            return
        self._messages.append(message)
        self._ready.set()

    def close(self, code: int, reason: str) -> None:
        """Close now: what is queued is dropped, and nothing after this is sent."""
        self.closing = True
        self._messages.clear()
        self._frame = None
        self.offer_message(Close(code, reason))

    async def next(self) -> str | bytes | Close:
        """The next thing to send: queued messages first, then the newest frame."""
        while not (self._messages or self._frame is not None):
            self._ready.clear()
            await self._ready.wait()
        if self._messages:
            return self._messages.popleft()
        frame, self._frame = self._frame, None
        assert frame is not None
        return frame


class RateBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
