"""What a run has produced: its metrics history, its model, predictions, exports, a picture."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Header, Query, Response

from engine.config import ExperimentConfig
from engine.export import EXPORTERS
from engine.history import COLUMNS
from engine.model import Model
from engine.trainer import Trainer
from server.curves import Row
from server.deps import Found, FoundRun, Manager
from server.heavy import BUSY, HeavyRead
from server.messages import SERVER, refuse
from server.picture import background, draw_points, encode_png, point_colors
from server.routes.runs import NOT_FOUND
from server.schemas import TERMINAL_STATUSES, MetricsColumns, ModelOut, PredictBody, Prediction
from server.store import model_from

# Each read here is a heavy one (server.heavy): limited per client and server-wide, its
# CPU work on a thread.
router = APIRouter(prefix="/api/runs", tags=["results"])
NO_MODEL: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    **BUSY,
    409: {"description": "the run has no weights yet"},
}


@router.get(
    "/{run_id}/metrics",
    response_model=MetricsColumns,
    responses={
        **NOT_FOUND,
        **BUSY,
        200: {"content": {"text/csv": {}}, "description": "columns, or CSV rows"},
    },
)
async def read_metrics(
    found: FoundRun,
    manager: Manager,
    _: HeavyRead,
    since_epoch: Annotated[
        int | None, Query(ge=-1, le=10**9, description="only epochs after this one")
    ] = None,
    max_points: Annotated[
        int | None, Query(ge=2, le=100_000, description="downsample to at most this many")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """The history, one row per epoch, as columns (``{"epoch": [...], ...}``) or as CSV
    with ``Accept: text/csv``. Accuracy is null for regression."""
    rows = manager.store.metrics(found.record.id, since_epoch, max_points)
    if accept and "text/csv" in accept:
        return Response(await asyncio.to_thread(_csv, rows), media_type="text/csv")
    return {name: [row[k] for row in rows] for k, name in enumerate(COLUMNS)}


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


async def load_model(found: Found, manager: Manager) -> Model:
    """The run's weights: from its worker while it trains, else its stored checkpoint."""
    record, live = found.record, found.live
    config = live.body.config if live else ExperimentConfig.from_stored(record.config)
    if live is not None and live.status not in TERMINAL_STATUSES:
        try:
            epoch, step, params = await manager.weights(live)
            return await asyncio.to_thread(Model.build, config, params, epoch, step)
        except TimeoutError:
            pass  # the worker is gone or busy: fall back to the checkpoint
    saved = manager.store.checkpoint(record.id)
    if saved is None:
        raise refuse(409, SERVER.say("run.no_weights"))
    return await asyncio.to_thread(model_from, config, saved)  # a stored CSV is parsed here


@router.get(
    "/{run_id}/model",
    response_model=ModelOut,
    responses={**NO_MODEL, 200: {"content": {"application/octet-stream": {}}}},
)
async def read_model(
    found: FoundRun, manager: Manager, _: HeavyRead, format: Literal["json", "npz"] = "json"
) -> Response:
    """The trained network: config plus each layer's weights (fan_in, fan_out) and biases,
    as JSON or (``?format=npz``) as NumPy arrays ``W0, b0, W1, b1, …`` plus ``config``."""
    model = await load_model(found, manager)
    if format == "json":
        body = await asyncio.to_thread(_model_json, model)
        return Response(body, media_type="application/json")
    name = f"run-{found.record.id}.npz"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    npz = await asyncio.to_thread(model.to_npz)
    return Response(npz, media_type="application/octet-stream", headers=headers)


def _model_json(model: Model) -> bytes:
    """As the response model serialises it (a non-finite weight becomes null)."""
    return ModelOut.model_validate(model.as_dict()).model_dump_json().encode()


@router.post("/{run_id}/predict", response_model=Prediction, responses=NO_MODEL)
async def predict(found: FoundRun, manager: Manager, _: HeavyRead, body: PredictBody) -> Prediction:
    """The network's outputs at the given points."""
    model = await load_model(found, manager)
    outputs = await asyncio.to_thread(model.outputs, np.array(body.points, dtype=float))
    labels = model.labels(outputs)
    return Prediction(
        epoch=model.epoch,
        task=model.head.task,
        outputs=outputs.tolist(),
        labels=None if labels is None else labels.tolist(),
    )


@router.get(
    "/{run_id}/export",
    responses={**NO_MODEL, 200: {"content": {"text/x-python": {}}}},
)
async def export(
    found: FoundRun, manager: Manager, _: HeavyRead, format: Literal["numpy", "pytorch"] = "numpy"
) -> Response:
    """A self-contained Python file that rebuilds the trained network with its weights."""
    model = await load_model(found, manager)
    source = await asyncio.to_thread(EXPORTERS[format], model)
    name = f"run_{found.record.id.replace('-', '_')}_{format}.py"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(source, media_type="text/x-python", headers=headers)


def _picture(model: Model, size: int, show_test: bool) -> bytes:
    split = Trainer(model.config).data.split  # the run's first sample of its data
    top = max(1.0, float(np.abs(split.train.y).max())) if model.head.task == "regression" else 1
    image = background(model, size, top)
    draw_points(
        image, split.train.x, point_colors(model.head.task, split.train.y, top), (255, 255, 255)
    )
    if show_test:
        draw_points(
            image, split.test.x, point_colors(model.head.task, split.test.y, top), (0, 0, 0)
        )
    return encode_png(image)


@router.get(
    "/{run_id}/boundary.png",
    response_class=Response,
    responses={**NO_MODEL, 200: {"content": {"image/png": {}}}},
)
async def boundary_png(
    found: FoundRun,
    manager: Manager,
    _: HeavyRead,
    size: Annotated[int, Query(ge=50, le=1000, description="pixels a side")] = 400,
    test: Annotated[bool, Query(description="draw the test points too (black rings)")] = False,
) -> Response:
    """The decision boundary (or regression surface) over [-6, 6]² with the training points:
    for notebooks and reports. A large network is evaluated on a coarser grid (at most
    ~2·10⁹ multiply-adds a picture), its outputs interpolated up to ``size``."""
    model = await load_model(found, manager)
    png = await asyncio.to_thread(_picture, model, size, test)
    return Response(png, media_type="image/png")
