"""The application factory."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from server import raycluster
from server.classes import ClassHub
from server.clients import ClientRates
from server.guards import HostGuard, SecurityHeaders
from server.heavy import Heavy
from server.limits import BodyLimit
from server.messages import SERVER, field_errors, refusal_response
from server.race_schemas import RaceCreate
from server.races import RaceHub
from server.routes import class_races as class_race_routes
from server.routes import (
    class_ws,
    inspect,
    joins,
    meta,
    pages,
    races,
    results,
    runs,
    states,
    sweeps,
    ws,
)
from server.routes import classes as classes_routes
from server.runs import RunManager, default_workers
from server.schemas import RunCreate, error_loc
from server.settings import Settings
from server.storelock import StoreLock
from server.sweep_schemas import SweepCreate
from server.sweeps import SweepManager

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, lock: StoreLock | None = None) -> FastAPI:
    """The app; its lifespan takes the store's lock (one server per store), starts the run
    manager's workers and stops them (SIGTERM too: uvicorn turns it into the lifespan's
    shutdown). ``lock``: one the caller took already (``serve`` does, to refuse early)."""
    settings = settings or Settings()
    lock = lock or StoreLock(settings.database)
    manager = RunManager(settings)
    classes = ClassHub(manager, settings.max_students)
    sweep_manager = SweepManager(manager)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lock.acquire()
        joined = False
        try:
            if settings.ray_address:  # before the workers: they may be Ray actors
                address, cpus = settings.ray_address, default_workers()
                joined = await asyncio.to_thread(raycluster.connect, address, cpus)
            await manager.start()
            sweep_manager.start()
            classes.load()
            classes.start()
            yield
        finally:
            classes.stop()
            await sweep_manager.stop()
            try:
                await manager.stop()
            finally:
                if joined:
                    await asyncio.to_thread(raycluster.disconnect)
                lock.release()

    app = FastAPI(
        title="nnplayground",
        summary="A neural-network playground: NumPy training, streamed live.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.manager = manager
    app.state.classes = classes
    app.state.sweeps = sweep_manager
    app.state.races = RaceHub(manager)
    _serve_pages(app, settings)
    for router in ROUTERS:
        app.include_router(router)
    _limit(app, settings)
    _document_create_body(app)
    return app


ROUTERS = (
    *(pages.router, meta.router, runs.router, results.router, runs.share_router, ws.router),
    *(inspect.router, sweeps.router, states.router, races.router),
    *(classes_routes.router, joins.join_router, class_ws.router),
    class_race_routes.router,
)


def _serve_pages(app: FastAPI, settings: Settings) -> None:
    """The pages' templates and their static files."""
    app.state.templates = templates = Jinja2Templates(directory=settings.templates_dir)
    # a page's options keep their order (the registries' own, which the menus show)
    templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False}
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")


def _limit(app: FastAPI, settings: Settings) -> None:
    """The per-client rates, the heavy reads' gate, the error answers and the middlewares
    (security headers outside, then the Host guard, then the body limit)."""
    app.state.create_rates = ClientRates(
        settings.creates_per_minute, settings.creates_per_minute, SERVER.say("rate.creates")
    )
    app.state.share_rates = ClientRates(
        settings.share_lookups_per_minute, 10, SERVER.say("rate.share_lookups")
    )
    app.state.heavy = Heavy(settings)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, refusal_response)
    app.add_exception_handler(sqlite3.Error, _store_error)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HostGuard, settings=settings)
    app.add_middleware(SecurityHeaders)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 listing each bad field's path; the input is left out (it may hold NaN)."""
    assert isinstance(exc, RequestValidationError)
    detail = field_errors(exc.errors(), error_loc)
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": detail}))


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    """The run store stopped taking writes (made read-only, a full disk, locked): 503, not
    a 500; reads that need no write go on."""
    log.warning("the run store failed: %s", exc)
    detail = f"the run store cannot be written just now ({exc}); nothing was changed"
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "30"})


def _document_create_body(app: FastAPI) -> None:
    """``POST /api/runs`` (and ``/api/sweeps``) validates its body on a thread (a CSV of
    10,000 rows costs milliseconds of CPU the event loop should not spend), so FastAPI does
    not see the model: its schema is added to the OpenAPI document here."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        schema = default()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (RunCreate, SweepCreate, RaceCreate):
            if model.__name__ not in components:
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, part in body.pop("$defs", {}).items():
                    components.setdefault(name, part)
                components[model.__name__] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
