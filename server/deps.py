"""Dependencies shared by the routers: the manager, a run by id, the control token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header
from starlette.requests import HTTPConnection

from server.messages import SERVER, refuse
from server.records import RunRecord, token_matches
from server.runs import Run, RunManager


async def get_manager(connection: HTTPConnection) -> RunManager:
    manager: RunManager = connection.app.state.manager
    return manager


Manager = Annotated[RunManager, Depends(get_manager)]


@dataclass
class Found:
    """A run by id: its record, and the run itself while it is held in memory."""

    record: RunRecord
    live: Run | None


async def find_run(run_id: str, manager: Manager) -> Found:
    """On the event loop (``async``), like everything else that reads the store: a plain
    ``def`` dependency would run in the thread pool, beside the loop's own writes."""
    live = manager.runs.get(run_id)
    record = live.record() if live else manager.store.get_run(run_id)
    if record is None:
        raise refuse(404, SERVER.say("run.unknown", id=run_id))
    return Found(record, live)


FoundRun = Annotated[Found, Depends(find_run)]


async def authorized_run(
    found: FoundRun,
    authorization: Annotated[
        str | None, Header(description="`Bearer <control_token>` from the run's creation")
    ] = None,
) -> Found:
    """The run, when the request carries its control token; else 403."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(token.strip(), found.record.token_hash):
        raise refuse(403, SERVER.say("run.needs_token"))
    return found


ControlledRun = Annotated[Found, Depends(authorized_run)]
