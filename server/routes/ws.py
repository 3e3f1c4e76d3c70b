"""The live stream of a run: frames out, control messages in (API.md, "Websocket")."""

from __future__ import annotations

import hmac
import json

import anyio
from fastapi import APIRouter, WebSocket
from pydantic import ValidationError

from server.deps import Manager
from server.runs import ConflictError, Run, RunManager
from server.schemas import CLIENT_MESSAGE, CONTROL_TYPES
from server.viewers import Viewer
from server.wire import dumps

router = APIRouter()
UNKNOWN_RUN = 4404
MAX_MESSAGE_CHARS = 4096


@router.websocket("/api/runs/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str, manager: Manager) -> None:
    await websocket.accept()
    run = manager.runs.get(run_id)
    if run is None:
        await websocket.close(UNKNOWN_RUN, f"no run with id {run_id!r}")
        return
    token = websocket.query_params.get("token", "")
    viewer = manager.subscribe(run, hmac.compare_digest(token, run.control_token))
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_send_loop, websocket, viewer, manager.settings.send_deadline)
            await _receive_loop(websocket, manager, run, viewer)
            tasks.cancel_scope.cancel()
    finally:
        manager.unsubscribe(run, viewer)


async def _send_loop(websocket: WebSocket, viewer: Viewer, deadline: float) -> None:
    """Send the viewer's outbox; a viewer that stops reading for ``deadline`` s is dropped."""
    while True:
        item = await viewer.next()
        with anyio.fail_after(deadline):
            if isinstance(item, bytes):
                await websocket.send_bytes(item)
            else:
                await websocket.send_text(item)


async def _receive_loop(
    websocket: WebSocket, manager: RunManager, run: Run, viewer: Viewer
) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        error = (
            _handle(text, manager, run, viewer)
            if text is not None
            else {"message": "binary messages are not accepted; send JSON text"}
        )
        if error:
            viewer.offer_message(dumps({"type": "error", **error}))


def _handle(text: str, manager: RunManager, run: Run, viewer: Viewer) -> dict[str, object] | None:
    """Apply one client message; returns an error's message and detail, or None."""
    if len(text) > MAX_MESSAGE_CHARS:
        return {"message": f"message too long (over {MAX_MESSAGE_CHARS} characters)"}
    try:
        message = CLIENT_MESSAGE.validate_python(json.loads(text))
    except json.JSONDecodeError as exc:
        return {"message": "message is not JSON", "detail": str(exc)}
    except ValidationError as exc:
        detail = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return {"message": "invalid message", "detail": detail}
    if message.type in CONTROL_TYPES and not viewer.can_control:
        return {"message": f"{message.type!r} needs the run's control token"}
    try:
        manager.control(run, message.model_dump(exclude_none=True))
    except ConflictError as exc:
        return {"message": str(exc)}
    return None
