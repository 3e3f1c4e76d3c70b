"""Runs as REST resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from server.deps import Manager, get_run
from server.runs import CapacityError, Run
from server.schemas import RunCreate, RunCreated, RunPublic

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
        error=run.error,
        stop_reason=run.stop_reason,
    )


@router.post("", status_code=201, response_model=RunCreated)
async def create_run(
    body: RunCreate, manager: Manager, request: Request, response: Response
) -> RunCreated:
    """Create a run; it trains in the background when ``start`` is true."""
    try:
        run = manager.create(body)
    except CapacityError as error:
        raise HTTPException(503, str(error), headers={"Retry-After": "30"}) from None
    response.headers["Location"] = str(request.url_for("read_run", run_id=run.id))
    return RunCreated(**public(run).model_dump(), control_token=run.control_token)


@router.get("/{run_id}", response_model=RunPublic)
async def read_run(run: RunDep) -> RunPublic:
    return public(run)
