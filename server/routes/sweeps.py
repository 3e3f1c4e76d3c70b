"""Sweeps as REST resources: start one, read its trials (JSON or CSV), cancel, resume."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

from engine.history import COLUMNS
from server.clients import client_key
from server.messages import SERVER, refuse
from server.routes.common import bearer_holds, invalid, json_body, validated_body
from server.sweep_schemas import SweepCreate, SweepCreated, SweepPublic, TrialPublic, goal_of
from server.sweep_space import SpaceError, expand
from server.sweeps import SweepConflict, SweepManager
from server.sweepstore import SweepRecord, TrialRow

router = APIRouter(prefix="/api/sweeps", tags=["sweeps"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no sweep with that id"}}
CONTROL: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "the sweep's control token is missing or wrong"},
    409: {"description": "the sweep's status does not allow it"},
}
BUSY: dict[int | str, dict[str, Any]] = {
    429: {"description": "this client has its maximum of sweeps running"}
}


async def get_sweeps(connection: HTTPConnection) -> SweepManager:
    sweeps: SweepManager = connection.app.state.sweeps
    return sweeps


Sweeps = Annotated[SweepManager, Depends(get_sweeps)]


async def find_sweep(sweep_id: str, sweeps: Sweeps) -> SweepRecord:
    record = sweeps.db.get(sweep_id)
    if record is None:
        raise refuse(404, SERVER.say("sweep.unknown", id=sweep_id))
    return record


async def controlled_sweep(
    record: Annotated[SweepRecord, Depends(find_sweep)],
    authorization: Annotated[
        str | None, Header(description="`Bearer <control_token>` from the sweep's creation")
    ] = None,
) -> SweepRecord:
    if not bearer_holds(authorization, record.token_hash):
        raise refuse(403, SERVER.say("sweep.needs_token"))
    return record


async def _body(request: Request) -> SweepCreate:
    return await validated_body(request, SweepCreate)


def _too_many(sweeps: SweepManager, client: str) -> None:
    limit = sweeps.settings.sweeps_per_client
    if sweeps.running(client) >= limit:
        message = SERVER.say("sweep.too_many", limit=limit)
        raise refuse(429, message, {"Retry-After": "30"})


@router.post(
    "",
    status_code=201,
    response_model=SweepCreated,
    openapi_extra=json_body("SweepCreate"),
    responses={
        422: {"description": "a field, a swept value or the budget is invalid: its path and why"},
        429: {"description": "too many created a minute, or sweeps running for this client"},
    },
)
async def create_sweep(
    body: Annotated[SweepCreate, Depends(_body)],
    sweeps: Sweeps,
    request: Request,
    response: Response,
) -> SweepCreated:
    """Start a sweep: every trial of the space (grid × random draws × seeds) is a run of
    the store, trained by the executor to its ``max_epochs``."""
    request.app.state.create_rates.check(request)
    client = client_key(request)
    _too_many(sweeps, client)
    if body.executor is not None and body.executor not in sweeps.executors:
        raise invalid(("body", "executor"), SERVER.say("sweep.no_ray"))
    settings = sweeps.settings
    try:
        trials = await asyncio.to_thread(
            expand, body, settings.max_sweep_trials, settings.max_parameters
        )
    except SpaceError as error:
        raise RequestValidationError(error.problems) from None
    sweep_id, token = sweeps.create(body, trials, client)
    response.headers["Location"] = str(request.url_for("read_sweep", sweep_id=sweep_id))
    record = sweeps.db.get(sweep_id)
    assert record is not None
    return SweepCreated.model_validate({**dict(public(sweeps, record)), "control_token": token})


def public(sweeps: SweepManager, record: SweepRecord) -> SweepPublic:
    """The sweep and its trials, each with its values and, once ended, its final metrics."""
    rows = sweeps.db.trials(record.id)
    metric, goal = record.metric, goal_of(record.metric)
    trials = [_trial(row, metric) for row in rows]
    ranked = [t for t in trials if t.status == "succeeded" and t.score is not None]
    best = None
    if ranked:
        pick = min if goal == "min" else max
        best = pick(ranked, key=lambda t: t.score or 0.0).run_id
    fields = list(rows[0].params) if rows else []
    return SweepPublic(
        id=record.id,
        name=record.name,
        status=record.status,
        executor=record.executor,
        metric=metric,
        goal=goal,
        fields=fields,
        total=record.total,
        counts=dict(Counter(t.status for t in trials)),
        best=best,
        created_at=record.created_at,
        ended_at=record.ended_at,
        trials=trials,
    )


def _trial(row: TrialRow, metric: str) -> TrialPublic:
    score = (row.result or {}).get(metric)
    return TrialPublic(
        run_id=row.run_id,
        position=row.position,
        params=row.params,
        status=row.status,
        epoch=row.epoch,
        attempts=row.attempts,
        error=row.error,
        result=row.result,
        score=score if isinstance(score, int | float) else None,
    )


@router.get(
    "/{sweep_id}",
    response_model=SweepPublic,
    responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}, "description": "or CSV rows"}},
)
async def read_sweep(
    record: Annotated[SweepRecord, Depends(find_sweep)],
    sweeps: Sweeps,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """The sweep and every trial: its values, status, epoch and final metrics; CSV (one
    row per trial) with ``Accept: text/csv``."""
    shown = public(sweeps, record)
    if accept and "text/csv" in accept:
        return Response(_csv(shown), media_type="text/csv")
    return shown


def _csv(sweep: SweepPublic) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    metrics = [name for name in COLUMNS if name not in ("epoch", "step")]
    writer.writerow(["position", "run_id", "status", "epoch", *sweep.fields, *metrics])
    for trial in sweep.trials:
        result = trial.result or {}
        values = [_cell(trial.params.get(name)) for name in sweep.fields]
        scores = [_cell(result.get(name)) for name in metrics]
        writer.writerow([trial.position, trial.run_id, trial.status, trial.epoch, *values, *scores])
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


@router.post("/{sweep_id}/cancel", response_model=SweepPublic, responses=CONTROL)
async def cancel_sweep(
    record: Annotated[SweepRecord, Depends(controlled_sweep)], sweeps: Sweeps
) -> SweepPublic:
    """End the sweep: its unfinished trials stop, ``cancelled``; finished ones stay."""
    try:
        sweeps.cancel(record)
    except SweepConflict as error:
        raise refuse(409, error) from None
    return public(sweeps, _reread(sweeps, record))


@router.post("/{sweep_id}/resume", response_model=SweepPublic, responses={**CONTROL, **BUSY})
async def resume_sweep(
    record: Annotated[SweepRecord, Depends(controlled_sweep)], sweeps: Sweeps, request: Request
) -> SweepPublic:
    """Train an ``interrupted`` sweep's unfinished trials on, from their checkpoints."""
    client = client_key(request)
    _too_many(sweeps, client)
    try:
        sweeps.resume(record, client)
    except SweepConflict as error:
        raise refuse(409, error) from None
    return public(sweeps, _reread(sweeps, record))


def _reread(sweeps: SweepManager, record: SweepRecord) -> SweepRecord:
    again = sweeps.db.get(record.id)
    assert again is not None
    return again
