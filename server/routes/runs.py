"""Runs as REST resources: create, list, read, control, delete."""

from __future__ import annotations

import hmac
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from engine.config import ExperimentConfig
from server import protocol as p
from server.clients import client_key
from server.deps import ControlledRun, Found, FoundRun, Manager
from server.messages import SERVER, refuse
from server.records import RunRecord, hash_token
from server.routes.common import (
    FULL,
    full,
    invalid,
    json_body,
    rate_limit,
    rate_limit_more,
    validated_body,
)
from server.runs import CapacityError, ConflictError, Run, RunManager
from server.schemas import TERMINAL_STATUSES, RunCreate, RunCreated, RunList, RunPublic, RunStatus

router = APIRouter(prefix="/api/runs", tags=["runs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no run with that id"}}
CONTROL: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    403: {"description": "the control token is missing or wrong"},
    409: {"description": "the run's status does not allow it"},
}
# deleting needs the token, whatever the run's status: it never answers 409
OWNER_ONLY: dict[int | str, dict[str, Any]] = {**NOT_FOUND, 403: CONTROL[403]}


MAX_TOKENS = 100  # tokens one listing may name


def public(record: RunRecord, live: Run | None, manager: RunManager) -> RunPublic:
    """The run as the API shows it. A stored run's config is read back without parsing its
    data again (it was checked when the run was made)."""
    return RunPublic(
        id=record.id,
        name=record.name,
        status=record.status,
        config=live.body.config if live else ExperimentConfig.from_stored(record.config),
        epoch=record.epoch,
        step=record.step,
        share_code=live.share_code if live else None,
        created_at=record.created_at,
        started_at=record.started_at,
        ended_at=record.ended_at,
        summary=manager.store.summary(record.id),
        viewers=len(live.viewers) if live else 0,
        viewers_can_control=live.viewers_can_control if live else False,
        error=record.error,
        error_code=json.loads(record.error_code) if record.error_code else None,
        stop_reason=record.stop_reason,
        sweep_id=record.sweep_id,
        parent=record.parent,
        fork_epoch=record.fork_epoch,
    )


SETTLE_SECONDS = 30.0  # how long a control's answer waits for the worker to act on it
LEADS_TO: dict[type[p.Command], tuple[str, ...]] = {
    p.Play: ("running",),
    p.Pause: ("paused",),
    p.Cancel: (),  # an end
}


async def _run_create(request: Request) -> RunCreate:
    """The body, validated, its network within ``max_parameters`` (every route that makes a
    run from a body reads it here: a class's run routes too)."""
    body = await validated_body(request, RunCreate)
    size, budget = body.config.n_parameters(), request.app.state.settings.max_parameters
    if size > budget:
        said = SERVER.say("config.too_big", size=size, limit=budget)
        raise invalid(("body", "config", "network", "hidden"), said)
    return body


@router.post(
    "",
    status_code=201,
    response_model=RunCreated,
    dependencies=[Depends(rate_limit)],
    openapi_extra=json_body("RunCreate"),
    responses={
        422: {"description": "a field of the body is invalid: its path and why"},
        429: {"description": "too many runs created a minute, or too many held by this client"},
        503: {"description": "the server holds its maximum of runs"},
    },
)
async def create_run(
    body: Annotated[RunCreate, Depends(_run_create)],
    manager: Manager,
    request: Request,
    response: Response,
) -> RunCreated:
    """Create a run; it trains in the background when ``start`` is true. With
    ``training.max_epochs`` or a stop rule it ends ``succeeded``; nobody watching, it
    trains as fast as it goes (or at ``speed`` epochs per second)."""
    rate_limit_more(request, body.replicates - 1)
    runs, token = _create_replicates(body, manager, client_key(request))
    run = runs[0]
    response.headers["Location"] = str(request.url_for("read_run", run_id=run.id))
    shown = public(run.record(), run, manager)
    ids = [one.id for one in runs] if body.replicates > 1 else None
    return RunCreated.model_validate({**dict(shown), "control_token": token, "replicates": ids})


def _create_replicates(body: RunCreate, manager: RunManager, client: str) -> tuple[list[Run], str]:
    """The body's run, or its ``replicates``: one run a seed (seed, seed + 1, …), controlled
    by one token. All or none: a full server leaves none of them."""
    runs: list[Run] = []
    token = ""
    try:
        for k in range(body.replicates):
            seed = (body.config.seed + k) % 2**63
            one = body.model_copy(update={"config": body.config.model_copy(update={"seed": seed})})
            run, token = manager.create(one, client, token=token)
            runs.append(run)
    except CapacityError as error:
        for run in runs:
            manager.remove(run, delete=True)
        raise full(error) from None
    return runs, token


def bearer_tokens(authorization: str | None) -> list[str]:
    """``Bearer <token>[, <token> …]``: the tokens, separated by commas or spaces."""
    scheme, _, rest = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return []
    tokens = [token for token in re.split(r"[\s,]+", rest) if token]
    if len(tokens) > MAX_TOKENS:
        raise RequestValidationError(
            [
                {
                    "loc": ("header", "authorization"),
                    "type": "too_long",
                    "msg": f"{len(tokens)} tokens; at most {MAX_TOKENS} a request",
                }
            ]
        )
    return tokens


def _is_admin(tokens: list[str], admin: str | None) -> bool:
    return admin is not None and any(
        hmac.compare_digest(t.encode(), admin.encode()) for t in tokens
    )


@router.get("", response_model=RunList)
async def list_runs(
    manager: Manager,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    authorization: Annotated[
        str | None,
        Header(
            description="`Bearer <token>`: control tokens (up to 100, comma- or "
            "space-separated) or the server's admin token"
        ),
    ] = None,
) -> RunList:
    """The runs the caller holds a token for, newest first; ``next_cursor`` pages on.
    Without a token the list is empty: a run's data is its owner's. The admin token
    (``NNPG_ADMIN_TOKEN``) lists every run."""
    tokens = bearer_tokens(authorization)
    hashes = (
        None if _is_admin(tokens, manager.settings.admin_token) else [hash_token(t) for t in tokens]
    )
    if hashes == []:
        return RunList(runs=[], next_cursor=None)
    before = int(cursor) if cursor else None
    records, more = manager.store.list_runs(status, limit, before, token_hashes=hashes)
    runs = [public(record, manager.runs.get(record.id), manager) for record in records]
    return RunList(runs=runs, next_cursor=None if more is None else str(more))


@router.get("/{run_id}", response_model=RunPublic, responses=NOT_FOUND)
async def read_run(found: FoundRun, manager: Manager) -> RunPublic:
    return public(found.record, found.live, manager)


@router.delete("/{run_id}", status_code=204, responses=OWNER_ONLY)
async def delete_run(found: ControlledRun, manager: Manager, request: Request) -> Response:
    """Remove a run and everything stored about it (a class it is the stage of, or a
    student's run in, forgets it)."""
    if found.live:
        manager.remove(found.live, delete=True)
    else:
        manager.store.delete_run(found.record.id)
    request.app.state.classes.run_deleted(found.record.id)
    return Response(status_code=204)


def _not_a_trial(found: Found) -> None:
    if found.record.sweep_id is not None:
        raise refuse(409, SERVER.say("run.is_trial", sweep=found.record.sweep_id))


async def _control(found: Found, manager: Manager, command: type[p.Command]) -> RunPublic:
    """Send the control and answer with the status it led to (the worker's word for it)."""
    _not_a_trial(found)
    run = found.live
    if run is None or run.status in TERMINAL_STATUSES:
        raise refuse(409, SERVER.say("run.has_ended", status=found.record.status))
    before = run.status
    try:
        manager.control(run, command(run.id))
    except ConflictError as error:
        raise refuse(409, error) from None
    except CapacityError as error:  # a run that starts takes one of its client's slots
        raise full(error) from None
    if (command, before) not in ((p.Pause, "paused"), (p.Play, "running")):
        await run.reaches(LEADS_TO[command], SETTLE_SECONDS)
    return public(run.record(), run, manager)


@router.post("/{run_id}/pause", response_model=RunPublic, responses=CONTROL)
async def pause_run(found: ControlledRun, manager: Manager) -> RunPublic:
    """Stop training for now; ``resume`` goes on from here."""
    return await _control(found, manager, p.Pause)


@router.post("/{run_id}/resume", response_model=RunPublic, responses={**CONTROL, **FULL})
async def resume_run(
    found: ControlledRun,
    manager: Manager,
    request: Request,
    play: Annotated[
        bool, Query(description="false: bring an interrupted run back paused, not training")
    ] = True,
) -> RunPublic:
    """Train on: a paused or created run, or an ``interrupted`` one from its checkpoint."""
    _not_a_trial(found)
    if found.live is None and found.record.status == "interrupted":
        try:
            run = manager.resume(found.record, play, client_key(request))
        except ConflictError as error:
            raise refuse(409, error) from None
        except CapacityError as error:
            raise full(error) from None
        await run.reaches(("running",) if play else ("paused",), SETTLE_SECONDS)
        return public(run.record(), run, manager)
    if not play and found.live is not None:
        return public(found.live.record(), found.live, manager)  # live already: left as it is
    return await _control(found, manager, p.Play)


@router.post("/{run_id}/cancel", response_model=RunPublic, responses=CONTROL)
async def cancel_run(found: ControlledRun, manager: Manager) -> RunPublic:
    """End the run at the next step boundary (``cancelled``); its history and model stay."""
    _not_a_trial(found)
    if found.live is None and found.record.status == "interrupted":
        manager.store.update_run(found.record.id, status="cancelled")
        record = manager.store.get_run(found.record.id)
        assert record is not None
        return public(record, None, manager)
    return await _control(found, manager, p.Cancel)


share_router = APIRouter(prefix="/api/share", tags=["runs"])


@share_router.get(
    "/{code}",
    response_model=RunPublic,
    responses={**NOT_FOUND, 429: {"description": "too many share codes looked up"}},
)
async def read_shared_run(code: str, manager: Manager, request: Request) -> RunPublic:
    """The run behind a share code (6 characters, any case): join its stream as a viewer.
    Each client may miss ``share_lookups_per_minute`` codes a minute (codes are short
    enough to guess otherwise); a code that is found costs nothing."""
    rates = request.app.state.share_rates
    rates.check(request, spend=False)
    run = manager.by_code.get(code.upper())
    if run is None:
        rates.check(request)  # only a miss costs: a class behind one address watches at once
        raise refuse(404, SERVER.say("run.no_share_code", code=code))
    return public(run.record(), run, manager)
