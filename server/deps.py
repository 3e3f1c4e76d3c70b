"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.requests import HTTPConnection

from server.runs import Run, RunManager
from server.settings import Settings


def get_manager(connection: HTTPConnection) -> RunManager:
    manager: RunManager = connection.app.state.manager
    return manager


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Manager = Annotated[RunManager, Depends(get_manager)]


def get_run(run_id: str, manager: Manager) -> Run:
    try:
        return manager.get(run_id)
    except KeyError:
        raise HTTPException(404, f"no run with id {run_id!r}") from None
