"""What the UI builds its controls from, and liveness."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request, Response

from engine.activations import ACTIVATIONS
from engine.config import (
    LEARNING_RATE_CHOICES,
    MAX_BATCH_SIZE,
    MAX_HIDDEN_LAYERS,
    MAX_UNITS,
    OUTPUT_ACTIVATIONS,
    REGULARIZATION_RATE_CHOICES,
    ExperimentConfig,
)
from engine.data_config import USER_DATASETS
from engine.datasets import DATASETS, DOMAIN
from engine.features import FEATURES
from engine.frames import SHADES
from engine.heads import ALLOWED, AUTO, OUTPUT_ALIASES
from engine.history import COLUMNS
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from server.deps import Manager
from server.lan import lan_origin
from server.picture import PALETTE, dataset_png
from server.schemas import LIVE_STATUSES, STATUSES, TERMINAL_STATUSES

router = APIRouter(prefix="/api", tags=["meta"])
# the page's pickers (each within the config's own bounds, which the schema below gives)
CHOICES: dict[str, Any] = {
    "noise": {"min": 0, "max": 0.5, "step": 0.05},  # TF Playground's 0 … 50 slider, / 100
    "train_ratio": {"min": 0.1, "max": 0.9, "step": 0.1},
    "samples": [100, 200, 500, 1000, 2000],
    "batch_size": {"min": 1, "max": MAX_BATCH_SIZE},  # the max is full batch for any data
    "dropout": [0, 0.1, 0.2, 0.3, 0.5],
    "max_epochs": [None, 100, 200, 500, 1000, 5000],
    "patience": [None, 5, 10, 20, 50, 100],
    "new_layer_units": 2,
}


def _datasets() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {
        name: {"task": s.task, "samples": s.default_samples, "description": s.description}
        for name, s in DATASETS.items()
    }
    for name in USER_DATASETS:
        found[name] = {"task": "from the labels", "samples": None, "description": "your own"}
    return found


def _vocabulary() -> dict[str, Any]:
    """What the server and the page both name or draw: written here once, read by the page."""
    return {
        "statuses": list(STATUSES),
        "ended": [status for status in STATUSES if status in TERMINAL_STATUSES],
        "live": list(LIVE_STATUSES),
        "history_columns": list(COLUMNS),  # a history or metrics row's values, in order
        "domain": list(DOMAIN),  # the plane's [low, high] on both axes
        "palette": PALETTE,  # RGB: negative, zero, positive, and the classes of several
        "shades": SHADES,  # the diverging scale's steps, as the pictures are quantised
    }


@router.get("/options")
async def options(request: Request) -> dict[str, Any]:
    """Every registry's names (with formulas), the allowed output/loss pairs per task, the
    config's defaults and JSON schema (ranges), TF Playground's choice lists, and the origin
    other machines open this server at (null while it listens on loopback only), and the
    vocabulary the page shares with the server (statuses, history columns, domain, colours)."""
    return page_options(request)


def page_options(request: Request) -> dict[str, Any]:
    """GET /api/options's answer; the pages carry it too, so none waits for it to start."""
    return {**_registries(), "lan_origin": lan_origin(request.app.state.settings.host, request)}


@functools.cache
def _registries() -> dict[str, Any]:
    """The options that are the same for every request (built once: the schema is slow)."""
    return {
        "vocabulary": _vocabulary(),
        "datasets": _datasets(),
        "features": list(FEATURES),
        "activations": {name: {"formula": a.formula} for name, a in ACTIVATIONS.items()},
        "output_activations": list(OUTPUT_ACTIVATIONS),
        "losses": {name: {"formula": loss.formula} for name, loss in LOSSES.items()},
        "heads": {
            task: {"auto": AUTO[task], "allowed": {o: sorted(ls) for o, ls in pairs.items()}}
            for task, pairs in ALLOWED.items()
        },
        "output_aliases": OUTPUT_ALIASES,
        "optimizers": {
            name: {
                "formula": cls.formula,
                "gradient_free": cls.gradient_free,
                "hypers": list(cls.hypers),
            }
            for name, cls in OPTIMIZERS.items()
        },
        "initializers": ["auto", *INITIALIZERS],
        "regularizers": {name: {"formula": r.formula} for name, r in REGULARIZERS.items()},
        "learning_rates": list(LEARNING_RATE_CHOICES),
        "regularization_rates": list(REGULARIZATION_RATE_CHOICES),
        "limits": {"hidden_layers": MAX_HIDDEN_LAYERS, "units": MAX_UNITS},
        "speeds": [1, 5, 10, 20, 60, 200],
        "tasks": ["binary", "multiclass", "regression"],
        "choices": CHOICES,
        "defaults": ExperimentConfig(seed=0).model_dump(exclude={"seed"}),
        "config_schema": ExperimentConfig.model_json_schema(),
    }


@functools.lru_cache(maxsize=64)
def _dataset_thumbnail(name: str, size: int) -> bytes:
    spec = DATASETS[name]
    data = spec.generate(spec.default_samples, 0.0, np.random.default_rng(0), 3)
    return dataset_png(data.x, data.y, spec.task, size)


@router.get(
    "/datasets/{name}.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, 404: {"description": "no such dataset"}},
)
async def dataset_thumbnail(name: str, size: Annotated[int, Query(ge=16, le=400)] = 64) -> Response:
    """A registered dataset's points (no noise) as a small picture, for the data picker."""
    if name not in DATASETS:
        raise HTTPException(404, f"no dataset {name!r}; choose from {', '.join(DATASETS)}")
    png = await asyncio.to_thread(_dataset_thumbnail, name, size)
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.get("/health")
async def health(manager: Manager) -> dict[str, Any]:
    running = sum(run.status == "running" for run in manager.runs.values())
    viewers = sum(len(run.viewers) for run in manager.runs.values())
    return {
        "status": "ok",
        "runs": len(manager.runs),
        "running": running,
        "viewers": viewers,
        "stored_runs": manager.store.count(),
        "workers": len(manager.workers),
    }
