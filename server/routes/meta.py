"""What the UI builds its controls from, and liveness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from engine.activations import ACTIVATIONS
from engine.config import LEARNING_RATE_CHOICES, ExperimentConfig
from engine.datasets import DATASETS
from engine.features import FEATURES
from server.deps import Manager

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/options")
async def options() -> dict[str, Any]:
    """Every registry's names, the config's schema (ranges and defaults) and UI choices."""
    return {
        "datasets": list(DATASETS),
        "features": list(FEATURES),
        "activations": {name: {"formula": a.formula} for name, a in ACTIVATIONS.items()},
        "learning_rates": list(LEARNING_RATE_CHOICES),
        "defaults": ExperimentConfig(seed=0).model_dump(exclude={"seed"}),
        "config_schema": ExperimentConfig.model_json_schema(),
    }


@router.get("/health")
async def health(manager: Manager) -> dict[str, Any]:
    running = sum(run.status == "running" for run in manager.runs.values())
    viewers = sum(len(run.viewers) for run in manager.runs.values())
    return {"status": "ok", "runs": len(manager.runs), "running": running, "viewers": viewers}
