"""Building trainers for tests from partial configs."""

from __future__ import annotations

from typing import Any

from engine import ExperimentConfig, Trainer


def make_config(seed: int = 3, **sections: dict[str, Any]) -> ExperimentConfig:
    return ExperimentConfig.model_validate({"seed": seed, **sections})


def make_trainer(seed: int = 3, **sections: dict[str, Any]) -> Trainer:
    return Trainer(make_config(seed, **sections))
