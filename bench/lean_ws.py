"""A websocket client that does as little as a counting client can: the benches' viewers.

The benches run their clients on the machine they measure: what a client spends per message
is taken from the server under test. A viewer of the `websockets` library parses each frame
in Python generators, queues it and wakes a task (~20 µs a message here); this one parses the
frame headers of whatever the socket gave in one pass and hands each whole message to a
callback (a few µs). It speaks what the benches need of RFC 6455 against our server: the
opening handshake, masked text messages, pong for ping, the closing handshake, fragmented
messages (the server sends none, but a client must take them). Loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0
Handler = Callable[[str | bytes], None]
T = TypeVar("T")


def _frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame: masked, as a client's must be."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    key = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")
    return head + mask + masked


class LeanSocket(asyncio.Protocol):
    """One client connection. ``on_message`` gets every whole message (text as ``str``),
    from the moment it is set; ``closed`` is done once the connection is gone."""

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._buffer = bytearray()
        self._open = False
        self._parts: list[bytes] = []  # a fragmented message's frames so far
        self._opcode = 0
        self.transport: asyncio.Transport | None = None
        self.on_message: Handler = lambda message: None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the handshake ended"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._open and not self._handshake():
            return
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, length = buffer[position], buffer[position + 1] & 0x7F
            start = position + 2
            if length == 126:
                length, start = int.from_bytes(buffer[start : start + 2], "big"), start + 2
            elif length == 127:
                length, start = int.from_bytes(buffer[start : start + 8], "big"), start + 8
            end = start + length
            if end > size:
                break
            self._arrived(first, bytes(buffer[start:end]))
            position = end
        del buffer[:position]

    def _handshake(self) -> bool:
        """The server's answer to the opening handshake: True once it came and said 101."""
        head_end = self._buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        status = bytes(self._buffer[: self._buffer.find(b"\r\n")])
        del self._buffer[: head_end + 4]
        if b" 101 " not in status + b" ":
            self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
            assert self.transport is not None
            self.transport.close()
            return False
        self._open = True
        self.opened.set_result(None)
        return True

    def _arrived(self, first: int, payload: bytes) -> None:
        opcode, final = first & 0x0F, bool(first & 0x80)
        if opcode >= CLOSE:  # control frames come whole, between a message's fragments
            self._control(opcode, payload)
            return
        if opcode != CONTINUATION:
            self._opcode, self._parts = opcode, []
        if not final:
            self._parts.append(payload)
            return
        if self._parts:
            payload, self._parts = b"".join([*self._parts, payload]), []
        self.on_message(payload.decode() if self._opcode == TEXT else payload)

    def _control(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == PING:
            self.transport.write(_frame(PONG, payload))
        elif opcode == CLOSE and not self.transport.is_closing():
            self.transport.write(_frame(CLOSE, payload[:2]))
            self.transport.close()

    async def send(self, text: str) -> None:
        assert self.transport is not None
        self.transport.write(_frame(TEXT, text.encode()))

    async def close(self, timeout: float = 5.0) -> None:
        """The closing handshake: the server's close frame, or ``timeout``, then the socket."""
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(_frame(CLOSE, (1000).to_bytes(2, "big")))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            self.transport.close()


async def connect_lean(url: str) -> LeanSocket:
    """A ``ws://`` connection (``url`` with its path and query), open once it returns."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: LeanSocket(request), host, port)
    await protocol.opened
    return protocol


def run_clients(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop (the server's loop too, a dependency of uvicorn's
    standard install): its socket callbacks are C, so the clients take less of the CPU the
    server under test shares. Plain asyncio where uvloop is missing."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
