"""What the server tells a person, as codes with parameters (see ``engine.messages``), and
how a message travels: next to its English text, as ``code`` and ``params``.

Over REST a refusal's body is ``{"detail": English, "code": …, "params": {…}}``; a 422 lists
each field's error with ``type`` (pydantic's, or one of ours) and ``params``; over a socket an
``error`` or ``notice`` has ``message``, ``code`` and ``params``. Scripts read the English; the
page renders the code in the student's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.messages import Catalog, Message, message_of

SERVER = Catalog(
    {
        "rate.creates": "runs created",
        "rate.share_lookups": "join and share codes looked up",
        "rate.heavy": "pictures, models and exports",
        "rate.too_many": "too many {what}; try again in {seconds} s",
        "busy.heavy": "the server is computing {count} pictures, models or exports; try again",
        "full.client": "one client may have {limit} runs training or starting; pause or end one",
        "full.server": "the server holds its maximum of {limit} runs",
        "full.viewers": "the run has its maximum of {limit} viewers",
        "run.unknown": "no run with id '{id}'",
        "run.no_share_code": "no run has the share code '{code}'",
        "run.needs_token": "this needs the run's control token: Authorization: Bearer …",
        "run.ended": "the run has ended ({status}); create a new one",
        "run.has_ended": "the run has ended ({status})",
        "run.no_weights": "the run has no weights yet",
        "run.not_interrupted": "only an interrupted run is resumed this way ({status})",
        "run.no_checkpoint": "the run has no checkpoint to resume from",
        "run.moved_unknown": "no run with id '{id}' that this token controls",
        "fork.no_states": "the run has no kept states to fork from yet",
        "config.too_big": "the network has {size:,} parameters; the limit is {limit:,}",
        "fork.shape": "the changes make a network of {size} parameters; the kept state has {kept}",
        "race.unknown": "no race with id '{id}'",
        "race.needs_token": "this needs the race's control token: Authorization: Bearer …",
        "race.same_data": "a race's lanes share the first lane's data and seed; only "
        "data.features may change",
        "race.ended": "every lane of the race has ended",
        "race.unit": "this race counts {unit}: step by {unit}",
        "race.regenerate": "a race's lanes keep the same data: regenerate is off in a race",
        "state.not_kept": "no state is kept at epoch {epoch}; the nearest kept: {kept}",
        "run.step_capped": "the step stopped after {seconds:g} s, at epoch {epoch}",
        "inspect.not_live": "the run must be live to inspect it ({status})",
        "inspect.no_answer": "the run's worker did not answer in time; try again",
        "body.too_large": "the request body is over the limit of {limit:,} bytes",
        "socket.too_many": "too many messages; slow down",
        "socket.binary": "binary messages are not accepted; send JSON text",
        "socket.too_long": "message too long (over {limit} bytes)",
        "socket.not_json": "message is not JSON",
        "socket.invalid": "invalid message",
        "socket.needs_token": "'{kind}' needs the run's control token",
        "class.unknown": "no class with id '{id}'",
        "class.no_code": "no class has the join code '{code}'",
        "class.needs_member": "this needs the class's teacher token or a student's token",
        "class.needs_teacher": "this needs the class's teacher token",
        "class.full": "the class has its maximum of {limit} students",
        "class.name_taken": "someone in the class already has the name '{name}': add an initial",
        "class.client_full": (
            "{limit} students of this class joined from this address already: ask your teacher"
        ),
        "class.client_classes": (
            "this address holds {limit} classes already: delete one you no longer teach"
        ),
        "class.watching": "the class is watching the teacher; own runs are for hands-on",
        "class.no_teacher_run": "the teacher has no run to send yet",
        "class.no_student": "no student '{id}' in this class",
        "class.no_spotlight_run": "{name} has no run to spotlight yet",
        "class.experiment_needs_run": "start a run first: the experiment varies the teacher's "
        "setup",
        "class.locked": "locked by the teacher: {locks}",
        "class.cell_fixed": "your experiment cell sets this while the experiment lasts",
        "class.race_lane": "your run is a lane of the class's race: the teacher drives it",
        "class.race_elsewhere": "the race '{id}' was not made with this class's teacher token",
        "lock.data": "data",
        "lock.features": "features",
        "lock.network": "network",
        "lock.activation": "activation",
        "lock.training": "training",
        "lock.own_data": "own_data",
        "class.socket_takes_nothing": "the class socket takes no messages: controls go to the "
        "run's stream",
        "name.blank": "a name needs at least one character that is not a space",
        "name.too_long": "a name has at most {limit} characters ({count} given)",
        "name.control": "a name may not hold control or formatting characters",
        "name.marks": "a name may stack at most {limit} marks on one letter",
        "experiment.values": "{name}: give 1 to 8 different values",
        "experiment.cells": "{count} cells; at most {limit}",
        "class.race_and_spotlight": "a race and a spotlight both choose what the class watches: "
        "give one",
        "sweep.unknown": "no sweep with id '{id}'",
        "sweep.needs_token": "this needs the sweep's control token: Authorization: Bearer …",
        "sweep.ended": "the sweep has ended ({status})",
        "sweep.not_interrupted": "only an interrupted sweep is resumed ({status})",
        "sweep.too_many": "one client may have {limit} sweeps running; cancel or wait for one",
        "sweep.no_ray": "this server has no Ray cluster (NNPG_RAY_ADDRESS, or serve --ray local)",
        "run.is_trial": "the run is a trial of sweep {sweep}: control the sweep",
    }
)


def said(what: str | Message | BaseException) -> Message | None:
    """The message behind a text, a message or an exception raised with one."""
    if isinstance(what, Message):
        return what
    return message_of(what) if isinstance(what, BaseException) else None


def coded(error: BaseException) -> str | Message:
    """The message an exception was raised with, or its text."""
    return message_of(error) or str(error)


def fields(what: str | Message | BaseException) -> dict[str, object]:
    """``{"message": English}``, with ``code`` and ``params`` when there is a message."""
    found = said(what)
    return {"message": str(what), **(found.wire() if found else {})}


def refuse(
    status: int, what: str | Message | BaseException, headers: Mapping[str, str] | None = None
) -> HTTPException:
    """An HTTP refusal whose body carries the message's code (see ``refusal_response``)."""
    found = said(what)
    return HTTPException(status, found if found else str(what), dict(headers or {}) or None)


async def refusal_response(request: Request, exc: Exception) -> Response:
    """FastAPI's answer to an HTTPException, with ``code`` and ``params`` beside ``detail``
    when the detail is a message."""
    assert isinstance(exc, StarletteHTTPException)
    if not isinstance(exc.detail, Message):
        return await http_exception_handler(request, exc)
    body = {"detail": str(exc.detail), **exc.detail.wire()}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def field_errors(errors: Sequence[Any], loc: Any) -> list[dict[str, object]]:
    """Pydantic's errors as the wire lists them: ``loc`` (by the given function), ``msg``,
    ``type`` and ``params`` (pydantic's context, or the code and parameters of a message a
    validator raised)."""
    listed: list[dict[str, object]] = []
    for error in errors:
        context = error.get("ctx") or {}
        found = said(context["error"]) if isinstance(context.get("error"), Exception) else None
        if found is not None:
            kind, params, text = found.code, found.wire()["params"], str(found)
        else:
            kind, params, text = error["type"], _plain(context), error["msg"]
        listed.append({"loc": loc(error), "msg": text, "type": kind, "params": params})
    return listed


def _plain(context: Mapping[str, Any]) -> dict[str, object]:
    """Pydantic's context with every value a JSON number or text."""
    ok = (int, float, str)
    return {
        k: v if isinstance(v, ok) and not isinstance(v, bool) else str(v)
        for k, v in context.items()
    }
