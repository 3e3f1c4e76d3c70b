"""One websocket viewer: its own view, and its outbox (text messages in order, and only the
newest frame, at most ``fps`` a second)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from server.clients import Bucket
from server.protocol import DEFAULT_VIEW, ViewKey

MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 125 bytes with its code


def close_reason(text: str) -> str:
    """``text`` cut to fit a close frame (whole UTF-8 characters), which a longer reason kills."""
    data = text.encode()
    if len(data) <= MAX_REASON_BYTES:
        return text
    return data[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


@dataclass(frozen=True)
class Close:
    """An instruction to the send loop: close the socket with this code and reason."""

    code: int
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", close_reason(self.reason))


class Viewer:
    """A bounded outbox. A new frame replaces an unsent one, so a slow reader skips frames
    instead of slowing the run; text and one-off binary messages queue up to
    ``max_messages`` (the oldest goes first when full). ``view`` and ``fps`` are this
    viewer's own: what it asks for changes only what it is sent."""

    def __init__(
        self,
        can_control: bool,
        bucket: Bucket,
        max_messages: int = 64,
        fps: float = 20.0,
        client: str = "",
    ) -> None:
        self.can_control = can_control
        self.bucket = bucket  # the messages it may send us
        self.client = client
        self.view: ViewKey = DEFAULT_VIEW
        self.fps = fps
        # Seconds between frames sent, for a viewer slower than its run's frames (0: send
        # each one: throttling at the very rate frames come would fall behind by their jitter
        # and drop every few).
        self.interval = 0.0
        self._last_frame = 0.0
        self._messages: deque[str | bytes | Close] = deque(maxlen=max_messages)
        self._frame: bytes | None = None
        self._ready = asyncio.Event()
        self.metrics = True  # sent the run's metrics rows (a dashboard tile needs only frames)
        self.steps = False  # plots every mini-batch's loss: the run keeps them while one does
        self.strikes = 0  # bad messages so far
        self.closing = False

    def offer_frame(self, frame: bytes) -> None:
        if self.closing:
            return
        pending, self._frame = self._frame is not None, frame
        if not pending:  # else the sender already waits for it (a slow viewer's interval)
            self._ready.set()

    def offer_message(self, message: str | bytes | Close, after_frame: bool = False) -> None:
        """Queue ``message``; ``after_frame``: a frame still unsent goes first (a status says
        where the run stands, and the picture of that moment must be there before it)."""
        if self.closing and not isinstance(message, Close):
            return
        if after_frame and self._frame is not None:
            self._messages.append(self._frame)
            self._frame = None
        self._messages.append(message)
        self._ready.set()

    def close(self, code: int, reason: str) -> None:
        """Close now: what is queued is dropped, and nothing after this is sent."""
        self.closing = True
        self._messages.clear()
        self._frame = None
        self.offer_message(Close(code, reason))

    async def next(self) -> str | bytes | Close:
        """The next thing to send: queued messages first, then the newest frame once this
        viewer's frame interval has passed."""
        while True:
            if self._messages:
                return self._messages.popleft()
            wait = None
            if self._frame is not None:
                wait = self._last_frame + self.interval - time.monotonic()
                if wait <= 0:
                    frame, self._frame = self._frame, None
                    self._last_frame = time.monotonic()
                    return frame
            self._ready.clear()
            if wait is None:  # nothing to time: no timeout to arm and disarm
                await self._ready.wait()
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):  # cheaper than wait_for: no task
                    await self._ready.wait()
