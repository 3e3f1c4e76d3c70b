"""The benches' lean websocket client (bench/lean_ws.py) reads what a server sends as the
`websockets` library would: whole messages, however the bytes arrive, fragments joined,
pings answered, and its own frames are ones a server accepts."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Coroutine
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from bench.lean_ws import LeanSocket, _frame, connect_lean, run_clients


def run(scenario: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run`` on a thread of its own: the browser tests leave this thread's event
    loop running (Playwright's), and asyncio.run refuses to start beside it."""
    failed: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario)
        except BaseException as error:  # re-raised on the test's thread
            failed.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if failed:
        raise failed[0]


class Wire(asyncio.Transport):
    """What the client writes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


def server_frames() -> tuple[bytes, list[str | bytes]]:
    """A server's bytes (unmasked): a text, a big binary, a text in three fragments with a
    ping between them, a binary of 70,000 bytes; and the messages they are."""
    big = random.Random(0).randbytes(70_000)
    frames = [
        Frame(Opcode.TEXT, b'{"type":"status"}'),
        Frame(Opcode.BINARY, b"\x10\x00\x00\x00" + b"x" * 300),
        Frame(Opcode.TEXT, b'{"type":', fin=False),
        Frame(Opcode.PING, b"are you there"),
        Frame(Opcode.CONT, b'"metrics",', fin=False),
        Frame(Opcode.CONT, b'"rows":[]}'),
        Frame(Opcode.BINARY, big),
    ]
    wire = b"".join(frame.serialize(mask=False) for frame in frames)
    binary = b"\x10\x00\x00\x00" + b"x" * 300
    return wire, ['{"type":"status"}', binary, '{"type":"metrics","rows":[]}', big]


def parse_client(data: bytes) -> list[Frame]:
    """The client's frames as a server reads them (each must be masked)."""
    reader = StreamReader()
    reader.feed_data(data)
    frames = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=True)
        try:
            next(parser)
        except StopIteration as done:
            frames.append(done.value)
    return frames


async def opened_socket() -> tuple[LeanSocket, Wire, list[str | bytes]]:
    socket, wire, got = LeanSocket(b"GET / HTTP/1.1\r\n\r\n"), Wire(), []
    socket.connection_made(wire)
    socket.on_message = got.append
    socket.data_received(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
    await socket.opened
    return socket, wire, got


def test_whole_messages_however_the_bytes_arrive() -> None:
    async def scenario() -> None:
        data, messages = server_frames()
        for chunk in (1, 7, 1000, len(data)):  # a byte at a time up to all at once
            socket, wire, got = await opened_socket()
            for start in range(0, len(data), chunk):
                socket.data_received(data[start : start + chunk])
            assert got == messages
            [pong] = parse_client(bytes(wire.written[len(b"GET / HTTP/1.1\r\n\r\n") :]))
            assert (pong.opcode.name, pong.data) == ("PONG", b"are you there")

    run(scenario())


def test_its_frames_are_masked_text_a_server_reads() -> None:
    for text in ("", "x" * 125, '{"type":"view","fps":10}', "é" * 200, "y" * 70_000):
        [frame] = parse_client(_frame(Opcode.TEXT.value, text.encode()))
        assert frame.opcode == Opcode.TEXT and frame.fin and frame.data.decode() == text


def test_a_refused_handshake_fails_the_opening() -> None:
    async def scenario() -> None:
        socket, wire = LeanSocket(b"GET / HTTP/1.1\r\n\r\n"), Wire()
        socket.connection_made(wire)
        socket.data_received(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
        try:
            await socket.opened
        except ConnectionError as error:
            assert "403" in str(error)
        else:
            raise AssertionError("a 403 opened the socket")

    run(scenario())


def test_on_uvloop_it_talks_to_a_real_server() -> None:
    """The benches run their clients on uvloop (``run_clients``), whose transports are not
    asyncio's classes: a real handshake, a message each way and a close, over loopback."""

    async def echo(connection: ServerConnection) -> None:
        async for message in connection:
            await connection.send(f"got {message}")

    async def scenario() -> list[str | bytes]:
        got: list[str | bytes] = []
        async with serve(echo, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            socket = await asyncio.wait_for(connect_lean(f"ws://127.0.0.1:{port}/"), 10)
            socket.on_message = got.append
            await socket.send("hello")
            for _ in range(1000):  # states, not time: until the answer is in
                if got:
                    break
                await asyncio.sleep(0.01)
            await socket.close()
        return got

    answers: list[list[str | bytes]] = []
    thread = threading.Thread(target=lambda: answers.append(run_clients(scenario())))
    thread.start()
    thread.join(60)
    assert answers == [["got hello"]]
