"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from starlette.requests import HTTPConnection

from server.runs import Run, RunManager


def get_manager(connection: HTTPConnection) -> RunManager:
    manager: RunManager = connection.app.state.manager
    return manager


Manager = Annotated[RunManager, Depends(get_manager)]


def get_run(run_id: str, manager: Manager) -> Run:
    try:
        return manager.get(run_id)
    except KeyError:
        raise HTTPException(404, f"no run with id {run_id!r}") from None
