"""What a run has produced: its metrics history, its model, predictions, exports, a picture."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Header, HTTPException, Query, Response

from engine.config import ExperimentConfig
from engine.export import EXPORTERS
from engine.history import COLUMNS
from engine.model import Model
from engine.trainer import Trainer
from server.deps import Found, FoundRun, Manager
from server.picture import background, draw_points, encode_png, point_colors
from server.routes.runs import NOT_FOUND
from server.schemas import TERMINAL_STATUSES, MetricsColumns, ModelOut, PredictBody, Prediction

router = APIRouter(prefix="/api/runs", tags=["results"])
NO_MODEL: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "the run has no weights yet"},
}


@router.get(
    "/{run_id}/metrics",
    response_model=MetricsColumns,
    responses={
        **NOT_FOUND,
        200: {"content": {"text/csv": {}}, "description": "columns, or CSV rows"},
    },
)
async def read_metrics(
    found: FoundRun,
    manager: Manager,
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
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return Response(out.getvalue(), media_type="text/csv")
    return {name: [row[k] for row in rows] for k, name in enumerate(COLUMNS)}


async def load_model(found: Found, manager: Manager) -> Model:
    """The run's weights: from its worker while it trains, else its stored checkpoint."""
    record, live = found.record, found.live
    config = live.body.config if live else ExperimentConfig.model_validate_json(record.config)
    if live is not None and live.status not in TERMINAL_STATUSES:
        try:
            epoch, step, params = await manager.weights(live)
            return Model.build(config, params, epoch, step)
        except TimeoutError:
            pass  # the worker is gone or busy: fall back to the checkpoint
    model = manager.store.model(record.id, config)
    if model is None:
        raise HTTPException(409, "the run has no weights yet")
    return model


@router.get(
    "/{run_id}/model",
    response_model=ModelOut,
    responses={**NO_MODEL, 200: {"content": {"application/octet-stream": {}}}},
)
async def read_model(
    found: FoundRun, manager: Manager, format: Literal["json", "npz"] = "json"
) -> Any:
    """The trained network: config plus each layer's weights (fan_in, fan_out) and biases,
    as JSON or (``?format=npz``) as NumPy arrays ``W0, b0, W1, b1, …`` plus ``config``."""
    model = await load_model(found, manager)
    if format == "json":
        return model.as_dict()
    name = f"run-{found.record.id}.npz"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(model.to_npz(), media_type="application/octet-stream", headers=headers)


@router.post("/{run_id}/predict", response_model=Prediction, responses=NO_MODEL)
async def predict(found: FoundRun, manager: Manager, body: PredictBody) -> Prediction:
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
    found: FoundRun, manager: Manager, format: Literal["numpy", "pytorch"] = "numpy"
) -> Response:
    """A self-contained Python file that rebuilds the trained network with its weights."""
    model = await load_model(found, manager)
    source = EXPORTERS[format](model)
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
    size: Annotated[int, Query(ge=50, le=1000, description="pixels a side")] = 400,
    test: Annotated[bool, Query(description="draw the test points too (black rings)")] = False,
) -> Response:
    """The decision boundary (or regression surface) over [-6, 6]² with the training points:
    for notebooks and reports."""
    model = await load_model(found, manager)
    png = await asyncio.to_thread(_picture, model, size, test)
    return Response(png, media_type="image/png")
