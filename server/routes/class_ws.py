"""A class member's socket (docs/protocol.md, "Class socket"): the class as it changes (the
stage, the mode, the locks), and for the teacher the roster with every student's numbers.
The page watches the stage over the run's own stream; this socket only says which run it is.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, WebSocket

from server.classes import MAX_SOCKETS, ClassHub
from server.clients import client_key
from server.messages import SERVER, fields
from server.routes.ws import POLICY, TRY_AGAIN_LATER, UNKNOWN_RUN, origin_allowed, send_loop
from server.viewers import Viewer, close_reason
from server.wire import dumps

router = APIRouter()
NOT_A_MEMBER = 4403


@router.websocket("/api/classes/{class_id}/stream")
async def class_stream(websocket: WebSocket, class_id: str) -> None:
    hub: ClassHub = websocket.app.state.classes
    settings = hub.manager.settings
    if not origin_allowed(websocket, settings.allowed_origins):
        await websocket.close(POLICY, "origin not allowed")
        return
    await websocket.accept()
    room = hub.classes.get(class_id)
    if room is None:
        await websocket.close(UNKNOWN_RUN, close_reason(f"no class with id {class_id!r}"))
        return
    found = room.role_of(websocket.query_params.get("token", ""))
    if found is None:
        await websocket.close(NOT_A_MEMBER, "this needs the teacher's or a student's token")
        return
    if hub.sockets_of(room, found[1]) >= MAX_SOCKETS:  # one member cannot hold the server's sockets
        await websocket.close(TRY_AGAIN_LATER, f"at most {MAX_SOCKETS} pages of one member")
        return
    viewer = hub.connect(room, *found, client_key(websocket))
    try:
        async with anyio.create_task_group() as tasks:
            deadline = settings.send_deadline
            tasks.start_soon(send_loop, websocket, viewer, deadline, tasks.cancel_scope)
            await _drain(websocket, viewer, settings.max_strikes)
            tasks.cancel_scope.cancel()
    finally:
        hub.disconnect(room, viewer)


async def _drain(websocket: WebSocket, viewer: Viewer, max_strikes: int) -> None:
    """Members send nothing here (controls go to the run's stream or to REST): anything
    sent is answered with an error, and counts as a strike."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if viewer.closing:
            continue
        viewer.strikes += 1
        if viewer.strikes >= max_strikes:
            viewer.close(POLICY, "too many invalid messages")
            continue
        error = fields(SERVER.say("class.socket_takes_nothing"))
        viewer.offer_message(dumps({"type": "error", **error}))
