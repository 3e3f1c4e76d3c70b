"""Runs as REST resources."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from server.deps import Manager, get_run
from server.runs import CapacityError, Run
from server.schemas import RunCreate, RunCreated, RunPublic
from server.viewers import RateBucket

router = APIRouter(prefix="/api/runs", tags=["runs"])
RunDep = Annotated[Run, Depends(get_run)]


def public(run: Run) -> RunPublic:
    return RunPublic(
        id=run.id,
        name=run.body.name,
        status=run.status,
        config=run.body.config,
        epoch=run.epoch,
        step=run.step,
        share_code=run.share_code,
        created_at=run.created_at,
        viewers=len(run.viewers),
        viewers_can_control=run.viewers_can_control,
        error=run.error,
        stop_reason=run.stop_reason,
    )


def _rate_limit(request: Request, manager: Manager) -> None:
    """Each client (by address) may create ``creates_per_minute`` runs a minute: else 429."""
    buckets: dict[str, RateBucket] = request.app.state.create_buckets
    client = request.client.host if request.client else "?"
    rate = manager.settings.creates_per_minute
    bucket = buckets.setdefault(client, RateBucket(rate / 60.0, rate))
    if not bucket.take():
        raise HTTPException(429, "too many runs created; wait a little", {"Retry-After": "10"})
    if len(buckets) > 10_000:  # forget idle clients
        now = time.monotonic()
        for key in [k for k, b in buckets.items() if now - b.stamp > 600]:
            del buckets[key]


@router.post("", status_code=201, response_model=RunCreated, dependencies=[Depends(_rate_limit)])
async def create_run(
    body: RunCreate, manager: Manager, request: Request, response: Response
) -> RunCreated:
    """Create a run; it trains in the background when ``start`` is true."""
    size, budget = body.config.n_parameters(), manager.settings.max_parameters
    if size > budget:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "config", "network", "hidden"),
                    "type": "value_error",
                    "msg": f"the network has {size:,} parameters; the limit is {budget:,}",
                }
            ]
        )
    try:
        run = manager.create(body)
    except CapacityError as error:
        raise HTTPException(503, str(error), headers={"Retry-After": "30"}) from None
    response.headers["Location"] = str(request.url_for("read_run", run_id=run.id))
    return RunCreated(**public(run).model_dump(), control_token=run.control_token)


@router.get("/{run_id}", response_model=RunPublic)
async def read_run(run: RunDep) -> RunPublic:
    return public(run)


share_router = APIRouter(prefix="/api/share", tags=["runs"])


@share_router.get("/{code}", response_model=RunPublic)
async def read_shared_run(code: str, manager: Manager) -> RunPublic:
    """The run behind a share code (6 characters, any case): join its stream as a viewer."""
    run = manager.by_code.get(code.upper())
    if run is None:
        raise HTTPException(404, f"no run has the share code {code!r}")
    return public(run)
