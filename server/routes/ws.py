"""The live stream of a run: frames out, control messages in (docs/protocol.md).

One receiver and one sender per connection in a task group: when either ends, both end.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from server.classes import ClassHub
from server.clients import client_key
from server.deps import Manager
from server.inspect_schemas import AnyInspectMessage
from server.inspections import Misfit
from server.messages import SERVER, field_errors, fields
from server.runs import CapacityError, ConflictError, Run, RunManager
from server.schemas import CLIENT_MESSAGE, CONTROL_TYPES, OWNER_TYPES, View, error_loc
from server.viewers import Close, Viewer, close_reason
from server.wire import dumps

log = logging.getLogger(__name__)
router = APIRouter()
UNKNOWN_RUN = 4404
POLICY = 1008  # RFC 6455: a message that violates policy
TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011


def origin_allowed(websocket: WebSocket, extra: list[str]) -> bool:
    """Browsers send Origin: it must be the page's own host or one allowed in settings.
    Scripts send none and pass."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host") or origin in extra


@router.websocket("/api/runs/{run_id}/stream")
async def stream(websocket: WebSocket, run_id: str, manager: Manager) -> None:
    if not origin_allowed(websocket, manager.settings.allowed_origins):
        await websocket.close(POLICY, "origin not allowed")  # before accept: HTTP 403
        return
    await websocket.accept()
    run = manager.runs.get(run_id)
    if run is None:
        await websocket.close(UNKNOWN_RUN, close_reason(f"no run with id {run_id!r}"))
        return
    token = websocket.query_params.get("token", "")
    try:
        viewer = manager.audience.subscribe(run, run.authorizes(token), client_key(websocket))
    except CapacityError as error:
        await websocket.close(TRY_AGAIN_LATER, close_reason(str(error)))
        return
    except Exception:  # a join that fails leaves no viewer behind (it was never added)
        log.exception("run %s: a viewer could not join", run_id)
        await websocket.close(INTERNAL_ERROR, "the run could not be joined; try again")
        return
    try:
        async with anyio.create_task_group() as tasks:
            deadline = manager.settings.send_deadline
            tasks.start_soon(send_loop, websocket, viewer, deadline, tasks.cancel_scope)
            await _receive_loop(websocket, manager, run, viewer)
            tasks.cancel_scope.cancel()
    finally:
        manager.audience.unsubscribe(run, viewer)


async def send_loop(
    websocket: WebSocket, viewer: Viewer, deadline: float, scope: anyio.CancelScope
) -> None:
    """Send the viewer's outbox. A close instruction, a gone client or a viewer that stopped
    reading ends the connection (the scope ends the receiver too): a send still under way
    ``deadline`` seconds after it began is seen by a watchdog that looks every half
    deadline, so it ends within 1.5 deadlines. (A timeout armed and disarmed around every
    send cost ~4 % of the server's time a frame.)"""
    loop = asyncio.get_running_loop()
    sending = [0.0]  # when the send under way began; 0: none is

    def watchdog() -> None:
        if sending[0] and loop.time() - sending[0] >= deadline:
            scope.cancel()
        else:
            timer[0] = loop.call_later(deadline / 2, watchdog)

    timer = [loop.call_later(deadline / 2, watchdog)]
    try:
        while True:
            item = await viewer.next()
            sending[0] = loop.time()
            if isinstance(item, Close):
                await websocket.close(item.code, item.reason)
                return
            if isinstance(item, bytes):
                await websocket.send_bytes(item)
            else:
                await websocket.send_text(item)
            sending[0] = 0.0
    except (OSError, RuntimeError, WebSocketDisconnect):
        return  # gone: drop it
    finally:
        timer[0].cancel()
        scope.cancel()


async def _receive_loop(
    websocket: WebSocket, manager: RunManager, run: Run, viewer: Viewer
) -> None:
    settings = manager.settings
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if viewer.closing:
            continue  # the sender closes the socket, then ends us
        text = message.get("text")
        strike = True  # a malformed or unauthorised message counts against the socket
        if viewer.bucket.take():  # seconds to wait: none left (the bucket is the limit)
            error: dict[str, object] | None = fields(SERVER.say("socket.too_many"))
            strike = False
        elif text is None:
            error = fields(SERVER.say("socket.binary"))
        elif len(text.encode()) > settings.max_message_bytes:
            error = fields(SERVER.say("socket.too_long", limit=settings.max_message_bytes))
        else:
            error, strike = _handle(text, manager, websocket.app.state.classes, run, viewer)
        if error:
            viewer.strikes += strike
            if viewer.strikes >= settings.max_strikes:
                viewer.close(POLICY, "too many invalid messages")
                continue
            viewer.offer_message(dumps({"type": "error", **error}))


Error = dict[str, object] | None  # an error's fields ("message", …), or None
Handled = tuple[Error, bool]  # (the error, if any; whether it is a strike)


def _handle(text: str, manager: RunManager, classes: ClassHub, run: Run, viewer: Viewer) -> Handled:
    """Apply one client message: (an error's message and detail, or None; whether the
    error counts as a strike). A control the run's state refuses (it has ended) is an
    answer, not a strike: the page cannot know before it asks."""
    try:
        data = json.loads(text)
        message = CLIENT_MESSAGE.validate_python(data)
    except json.JSONDecodeError as exc:
        return {**fields(SERVER.say("socket.not_json")), "detail": str(exc)}, True
    except ValidationError as exc:
        detail = field_errors(exc.errors(), error_loc)
        invalid = fields(SERVER.say("socket.invalid"))
        return {**_inspection_id(data), **invalid, "detail": detail}, True
    if isinstance(message, View) or message.type == "inspect":  # anyone's: they change nothing
        return _viewers_own(manager, run, viewer, message), False
    allowed = viewer.can_control or (run.viewers_can_control and message.type not in OWNER_TYPES)
    if (message.type in CONTROL_TYPES or message.type in OWNER_TYPES) and not allowed:
        return fields(SERVER.say("socket.needs_token", kind=message.type)), True
    try:
        locked = classes.refusal(run, message)
        if locked:  # a student's own run: the teacher's locks hold over the socket too
            raise ConflictError(locked)
        manager.control(run, message)
    except (ConflictError, CapacityError) as exc:  # the socket stays open
        return fields(exc), False
    return None, False


def _viewers_own(
    manager: RunManager, run: Run, viewer: Viewer, message: View | AnyInspectMessage
) -> Error:
    """A viewer's view, or an inspection, whose answer (or error) comes to it alone."""
    if isinstance(message, View):
        manager.audience.set_view(run, viewer, message)
        return None
    try:
        manager.inspections.offer(run, viewer, message)
    except (ConflictError, Misfit) as exc:  # the run ended, or has no such part: no strike
        return {"id": message.id, **fields(exc)}
    return None


def _inspection_id(data: object) -> dict[str, object]:
    """An invalid inspection's error names its id, when it has one that can be read."""
    if isinstance(data, dict) and data.get("type") == "inspect":
        found = data.get("id")
        if isinstance(found, int) and not isinstance(found, bool):
            return {"id": found}
    return {}
