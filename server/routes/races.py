"""Races (``server.races``): lanes trained in lockstep, made and controlled together."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

from server.clients import client_key
from server.messages import SERVER, refuse
from server.race_schemas import RaceCreate, RaceCreated, RacePublic, RaceStep
from server.races import LaneError, Race, RaceHub
from server.routes.common import (
    FULL,
    bearer_holds,
    full,
    invalid,
    json_body,
    rate_limit,
    rate_limit_more,
    validated_body,
)
from server.run import CapacityError, ConflictError

router = APIRouter(prefix="/api/races", tags=["races"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no race with that id"}}
CONTROL: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "the race's control token is missing or wrong"},
    409: {"description": "every lane of the race has ended"},
}


async def get_hub(connection: HTTPConnection) -> RaceHub:
    hub: RaceHub = connection.app.state.races
    return hub


Hub = Annotated[RaceHub, Depends(get_hub)]


async def find_race(race_id: str, hub: Hub) -> Race:
    race = hub.races.get(race_id)
    if race is None or not race.present:  # every lane deleted: no race left
        raise refuse(404, SERVER.say("race.unknown", id=race_id))
    return race


FoundRace = Annotated[Race, Depends(find_race)]


async def controlled_race(
    race: FoundRace,
    authorization: Annotated[
        str | None, Header(description="`Bearer <control_token>` from the race's creation")
    ] = None,
) -> Race:
    if not bearer_holds(authorization, race.token_hash):
        raise refuse(403, SERVER.say("race.needs_token"))
    return race


ControlledRace = Annotated[Race, Depends(controlled_race)]


async def _race_create(request: Request) -> RaceCreate:
    return await validated_body(request, RaceCreate)


# what making a race may answer besides 201 (``POST /api/races`` and a class's)
CREATE_REFUSALS: dict[int | str, dict[str, Any]] = {
    422: {"description": "a field is invalid: its path (``lanes[i].changes…``) and why"},
    **FULL,
}


@contextlib.contextmanager
def lane_refusals() -> Iterator[None]:
    """A lane the hub cannot make is a 422 at its path; a full server a 429/503."""
    try:
        yield
    except LaneError as error:
        raise RequestValidationError(error.problems) from None
    except CapacityError as error:
        raise full(error) from None


def created(
    race: Race, token: str, hub: RaceHub, request: Request, response: Response
) -> RaceCreated:
    """The new race as its maker sees it (its control token, once), and where it lives."""
    response.headers["Location"] = str(request.url_for("read_race", race_id=race.id))
    return RaceCreated.model_validate({**dict(hub.public(race)), "control_token": token})


@router.post(
    "",
    status_code=201,
    response_model=RaceCreated,
    dependencies=[Depends(rate_limit)],
    openapi_extra=json_body("RaceCreate"),
    responses=CREATE_REFUSALS,
)
async def create_race(
    body: Annotated[RaceCreate, Depends(_race_create)],
    hub: Hub,
    request: Request,
    response: Response,
) -> RaceCreated:
    """2–4 lanes, each the first lane's setup with its ``changes``, on the same data, trained
    in lockstep; lanes whose network has the first's shape start from its very weights.
    With ``fork``, each lane is a fork of that run's kept state instead."""
    rate_limit_more(request, len(body.lanes) - 1)
    with lane_refusals():
        plans, parent = await hub.plans(body)
        race, token = hub.create(body, plans, parent, client_key(request))
    return created(race, token, hub, request, response)


@router.get("/{race_id}", response_model=RacePublic, responses=NOT_FOUND)
async def read_race(race: FoundRace, hub: Hub) -> RacePublic:
    """The race: its lanes (each a run), where each stands, whether it plays."""
    return hub.public(race)


# lanes that start training take their client's slots
STARTS: dict[int | str, dict[str, Any]] = {**CONTROL, 429: FULL[429]}


async def _control(race: Race, hub: RaceHub, action: str, amount: int = 0) -> RacePublic:
    try:
        hub.control(race, action, amount)
    except ConflictError as error:
        raise refuse(409, error) from None
    except CapacityError as error:  # lanes that start take their client's slots
        raise full(error) from None
    if action in ("play", "pause"):
        await hub.settled(race, ("running",) if action == "play" else ("paused",))
    return hub.public(race)


@router.post("/{race_id}/play", response_model=RacePublic, responses=STARTS)
async def play_race(race: ControlledRace, hub: Hub) -> RacePublic:
    """Every lane trains on, a tick at a time together."""
    return await _control(race, hub, "play")


@router.post("/{race_id}/pause", response_model=RacePublic, responses=CONTROL)
async def pause_race(race: ControlledRace, hub: Hub) -> RacePublic:
    """Every lane stops at the same epoch (or forward-pass count); answered once they have."""
    return await _control(race, hub, "pause")


@router.post("/{race_id}/step", response_model=RacePublic, responses=STARTS)
async def step_race(race: ControlledRace, hub: Hub, body: RaceStep | None = None) -> RacePublic:
    """Every lane trains this far on, then pauses (answered at once: read the race, or watch
    a lane, to see it arrive)."""
    body = body or RaceStep()
    wrong = "epochs" if race.unit == "forward_passes" else "forward_passes"
    if getattr(body, wrong) is not None:
        raise invalid(("body", wrong), SERVER.say("race.unit", unit=race.unit))
    amount = (body.epochs if race.unit == "epochs" else body.forward_passes) or 0
    return await _control(race, hub, "step", amount)


@router.post("/{race_id}/reset", response_model=RacePublic, responses=CONTROL)
async def reset_race(race: ControlledRace, hub: Hub) -> RacePublic:
    """Every lane back to epoch 0, from the same initial weights as before."""
    return await _control(race, hub, "reset")
