"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from server.limits import BodyLimit
from server.routes import meta, pages, results, runs, ws
from server.runs import RunManager
from server.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; its lifespan starts the run manager's workers and stops them (SIGTERM too:
    uvicorn turns it into the lifespan's shutdown)."""
    settings = settings or Settings()
    manager = RunManager(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await manager.start()
        try:
            yield
        finally:
            await manager.stop()

    app = FastAPI(
        title="nnplayground",
        summary="A neural-network playground: NumPy training, streamed live.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.manager = manager
    app.state.templates = Jinja2Templates(directory=settings.templates_dir)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    routers = (pages.router, meta.router, runs.router, results.router, runs.share_router, ws.router)
    for router in routers:
        app.include_router(router)
    app.state.create_buckets = {}
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 listing each bad field's path; the input is left out (it may hold NaN)."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": detail}))
