"""Joining a class by its code (docs/api.md, "Classes"): the class behind a code, and
joining it as a student."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from server.class_schemas import ClassPublic, JoinBody, Joined
from server.classes import ClassHub
from server.classroom import Classroom
from server.clients import client_key
from server.messages import SERVER, refuse
from server.routes.classes import Hub, shown
from server.routes.common import full
from server.run import CapacityError, ConflictError

join_router = APIRouter(prefix="/api/join", tags=["classes"])
NO_CODE: dict[int | str, dict[str, Any]] = {
    404: {"description": "no class has that join code"},
    429: {"description": "too many join codes looked up"},
}


@join_router.get("/{code}", response_model=ClassPublic, responses=NO_CODE)
async def read_joinable(code: str, hub: Hub, request: Request) -> ClassPublic:
    """The class behind a join code (any case), before joining it: its name and teacher."""
    return ClassPublic.model_validate(shown(_by_code(code, hub, request), hub, request))


@join_router.post(
    "/{code}",
    status_code=201,
    response_model=Joined,
    responses={
        **NO_CODE,
        409: {"description": "the class has its maximum of students, or one with that name"},
        429: {
            "description": "too many codes missed, too many joins a minute, or this client "
            "joined its maximum of students to the class"
        },
    },
)
async def join_class(code: str, body: JoinBody, hub: Hub, request: Request) -> Joined:
    """Join as a student with a display name: the student's token (shown only here) brings
    the same student back after a reload."""
    room = _by_code(code, hub, request)
    request.app.state.create_rates.check(request)  # joins, runs and classes share a budget
    try:
        student, token = hub.join(room, body.name, client_key(request))
    except ConflictError as error:
        raise refuse(409, error) from None
    except CapacityError as error:  # this client joined its share of the class
        raise full(error) from None
    return Joined(
        classroom=ClassPublic.model_validate(shown(room, hub, request)),
        student_id=student.id,
        student_token=token,
    )


def _by_code(code: str, hub: ClassHub, request: Request) -> Classroom:
    """Codes are short enough to guess: each client may miss ``share_lookups_per_minute``
    a minute. A code that is found costs nothing (a class behind one address joins at once)."""
    rates = request.app.state.share_rates
    rates.check(request, spend=False)
    room = hub.by_code.get(code.strip().upper())
    if room is None:
        rates.check(request)
        raise refuse(404, SERVER.say("class.no_code", code=code))
    return room
