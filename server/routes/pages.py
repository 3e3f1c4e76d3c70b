"""The HTML page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, "index.html", {})
    return response


@router.get("/class/{class_id}", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request, class_id: str) -> HTMLResponse:
    """The teacher's dashboard of a class (the page reads the teacher token it keeps)."""
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, "dashboard.html", {})
    return response


@router.get("/join/{code}", response_class=HTMLResponse, include_in_schema=False)
async def join(request: Request, code: str) -> HTMLResponse:
    """A class's join link: the page, which asks the student's name (the code is read from
    the address by the page)."""
    return await index(request)


@router.get("/sweeps/{sweep_id}", response_class=HTMLResponse, include_in_schema=False)
async def sweep_page(request: Request, sweep_id: str) -> HTMLResponse:
    """A sweep's trials: a sortable table, a heatmap over two fields, parallel coordinates
    (the page reads the sweep id from the address)."""
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, "sweep.html", {})
    return response
