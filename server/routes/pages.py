"""The HTML pages. Each carries GET /api/options's answer in a JSON script element, so its
controls are made, and answer a click, as soon as its modules have run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.routes.meta import page_options

router = APIRouter()


def _page(request: Request, template: str) -> HTMLResponse:
    templates = request.app.state.templates
    context = {"options": page_options(request)}
    response: HTMLResponse = templates.TemplateResponse(request, template, context)
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    return _page(request, "index.html")


@router.get("/class/{class_id}", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request, class_id: str) -> HTMLResponse:
    """The teacher's dashboard of a class (the page reads the teacher token it keeps)."""
    return _page(request, "dashboard.html")


@router.get("/join/{code}", response_class=HTMLResponse, include_in_schema=False)
async def join(request: Request, code: str) -> HTMLResponse:
    """A class's join link: the page, which asks the student's name (the code is read from
    the address by the page)."""
    return await index(request)


@router.get("/sweeps/{sweep_id}", response_class=HTMLResponse, include_in_schema=False)
async def sweep_page(request: Request, sweep_id: str) -> HTMLResponse:
    """A sweep's trials: a sortable table, a heatmap over two fields, parallel coordinates
    (the page reads the sweep id from the address)."""
    return _page(request, "sweep.html")


@router.get("/races/{race_id}", response_class=HTMLResponse, include_in_schema=False)
async def race_page(request: Request, race_id: str) -> HTMLResponse:
    """A race's lanes side by side, or (``/races/new``, the setup in the address's hash, as
    the playground's links carry it) the setup of a new race."""
    return _page(request, "race.html")
