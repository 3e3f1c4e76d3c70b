"""Time travel: a run's kept states (``server.states``), the network at one of them, and
forks from them (``server.forks``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from engine.config import ExperimentConfig, LiveChanges
from engine.model import Model
from engine.snapshot import from_bytes, restore
from engine.trainer import Trainer
from server.clients import client_key
from server.deps import FoundRun, Manager
from server.forks import ForkError, choose, nearest, plan
from server.heavy import BUSY, HeavyRead
from server.messages import SERVER
from server.records import RunRecord
from server.routes.common import FULL, full, invalid, rate_limit
from server.routes.results import _model_json
from server.routes.runs import NOT_FOUND, public
from server.runs import CapacityError
from server.schemas import ForkCreate, RunCreated
from server.wire import encode_frame

router = APIRouter(prefix="/api/runs", tags=["time travel"])
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "a field is invalid (an epoch not kept: the nearest kept ones)"}
}


class KeptState(BaseModel):
    epoch: int
    step: int
    bytes: int = Field(description="its size in the store")


class KeptStates(BaseModel):
    states: list[KeptState] = Field(description="oldest first; older epochs thinned with age")
    budget: int = Field(description="bytes of kept states stored per run, at most")


@router.get("/{run_id}/states", response_model=KeptStates, responses=NOT_FOUND)
async def list_states(found: FoundRun, manager: Manager) -> KeptStates:
    """The epochs whose whole training state is kept: each one can be drawn or forked."""
    kept = manager.store.kept_states(found.record.id)
    states = [KeptState(epoch=e, step=s, bytes=n) for e, s, n in kept]
    return KeptStates(states=states, budget=manager.settings.state_bytes_per_run)


@router.get(
    "/{run_id}/states/{epoch}",
    response_model=None,
    responses={
        **NOT_FOUND,
        **BUSY,
        **INVALID,
        200: {"content": {"application/json": {}, "application/octet-stream": {}}},
    },
)
async def read_state(
    found: FoundRun,
    manager: Manager,
    _: HeavyRead,
    epoch: Annotated[int, Path(ge=0, le=10**9, description="a kept epoch")],
    format: Literal["json", "frame"] = "json",
    resolution: Annotated[int, Query(ge=10, le=200, description="a frame's grid side")] = 100,
) -> Response:
    """The network as it was at a kept epoch: its weights as ``GET /model`` gives them, or
    (``?format=frame``) the websocket's binary frame there (boundary, every neuron, metrics)."""
    record = found.record
    saved = manager.store.kept_state(record.id, epoch)
    if saved is None:
        listed = ", ".join(map(str, nearest(manager.store.kept_states(record.id), epoch)))
        said = SERVER.say("state.not_kept", epoch=epoch, kept=listed)
        raise invalid(("path", "epoch"), said)
    if format == "frame":
        body = await asyncio.to_thread(_frame, record, epoch, saved[1], resolution)
        return Response(body, media_type="application/octet-stream")
    body = await asyncio.to_thread(_weights, record, epoch, saved)
    return Response(body, media_type="application/json")


def _config_then(record: RunRecord, state: dict[str, Any]) -> ExperimentConfig:
    """The run's config with the live settings it had at the state."""
    live = LiveChanges.model_validate(state["live"])
    return ExperimentConfig.from_stored(record.config).with_live(live)


def _weights(record: RunRecord, epoch: int, saved: tuple[int, bytes]) -> bytes:
    state = from_bytes(saved[1])
    return _model_json(Model.build(_config_then(record, state), state["params"], epoch, saved[0]))


def _frame(record: RunRecord, epoch: int, blob: bytes, resolution: int) -> bytes:
    """A trainer rebuilt at the state draws the frame the page would have had then."""
    state = from_bytes(blob)
    trainer = Trainer(_config_then(record, state))
    restore(trainer, state)
    return encode_frame(record.id, trainer.frame(resolution))


@router.post(
    "/{run_id}/fork",
    status_code=201,
    response_model=RunCreated,
    dependencies=[Depends(rate_limit)],
    responses={**NOT_FOUND, **INVALID, **FULL},
)
async def fork_run(
    found: FoundRun,
    manager: Manager,
    request: Request,
    response: Response,
    body: ForkCreate,
) -> RunCreated:
    """A new run from this one's kept state at ``epoch``: the same weights, optimizer state,
    random state and history up to there, with ``changes`` to its config. Anyone who can
    read the run may fork it; the fork has its own control token."""
    try:
        origin = choose(manager.store, found.record, body.epoch)
        create, origin = await asyncio.to_thread(plan, found.record, body, origin)
    except ForkError as error:
        raise invalid(("body", *error.field), error.args[0]) from None
    except ValidationError as error:
        problems = [{**e, "loc": ("body", "changes", *e["loc"])} for e in error.errors()]
        raise RequestValidationError(problems) from None
    try:
        run, token = manager.create(create, client_key(request), origin=origin)
    except CapacityError as error:
        raise full(error) from None
    response.headers["Location"] = str(request.url_for("read_run", run_id=run.id))
    shown = public(run.record(), run, manager)
    return RunCreated.model_validate({**dict(shown), "control_token": token})
