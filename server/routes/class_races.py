"""A race for a class (docs/api.md, "Races in a class"): made with the teacher's token, it
goes on the class's stage at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from server.class_races import ClassRaces
from server.clients import client_key
from server.race_schemas import RaceCreate, RaceCreated
from server.routes.classes import TEACHER, Authorization, Teaching, bearer, races_of
from server.routes.common import json_body
from server.routes.races import CREATE_REFUSALS, _race_create, created, lane_refusals

router = APIRouter(prefix="/api/classes", tags=["classes"])


@router.post(
    "/{class_id}/races",
    status_code=201,
    response_model=RaceCreated,
    openapi_extra=json_body("RaceCreate"),
    responses={**TEACHER, **CREATE_REFUSALS},
)
async def create_class_race(
    body: Annotated[RaceCreate, Depends(_race_create)],
    room: Teaching,
    request: Request,
    response: Response,
    authorization: Authorization = None,
) -> RaceCreated:
    """A race (as ``POST /api/races``) whose control token is the teacher's own; the class's
    stage moves to it and every member's page follows. Students watch it; only the
    teacher's token plays, pauses, steps or resets it."""
    raced: ClassRaces = races_of(request)
    rates = request.app.state.create_rates
    for _ in body.lanes:  # a race's lanes are runs: each counts
        rates.check_key(f"member:{room.id}:teacher")
    token = bearer(authorization)
    with lane_refusals():
        race = await raced.create(room, body, token, client_key(request))
    return created(race, token, raced.races, request, response)
