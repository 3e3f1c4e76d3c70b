"""The one experiment configuration (see API.md), validated by pydantic.

Every field has a default, so ``ExperimentConfig()`` is TensorFlow Playground's default
run: circle, features x1 and x2, hidden [4, 2], tanh, learning rate 0.03, batch 10.
Only the fields the engine honours exist; unknown keys are an error.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from engine.activations import ACTIVATIONS
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.registry import Registry

# TF Playground's learning-rate dropdown; any value in range is accepted.
LEARNING_RATE_CHOICES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_HIDDEN_LAYERS = 10
MAX_UNITS = 256


def _in(registry: Registry[object]) -> AfterValidator:
    def check(name: str) -> str:
        registry[name]  # raises with the list of valid names
        return name

    return AfterValidator(check)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=True)


class DataConfig(_Strict):
    dataset: Annotated[str, _in(DATASETS)] = Field("circle", description="a registered generator")
    n_samples: int = Field(500, ge=10, le=10_000, description="points generated")
    noise: float = Field(0.0, ge=0.0, le=0.5, description="TF Playground's noise slider / 100")
    train_ratio: float = Field(0.5, ge=0.1, le=0.9, description="share of points used to train")
    features: list[Annotated[str, _in(FEATURES)]] = Field(
        default_factory=lambda: ["x1", "x2"], min_length=1, description="input features"
    )

    @field_validator("features")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("each feature may appear once")
        return names


class NetworkConfig(_Strict):
    hidden: list[Annotated[int, Field(ge=1, le=MAX_UNITS)]] = Field(
        default_factory=lambda: [4, 2],
        max_length=MAX_HIDDEN_LAYERS,
        description="units per hidden layer; [] connects the inputs to the output",
    )
    activation: Annotated[str, _in(ACTIVATIONS)] = Field("tanh", description="hidden activation")


class TrainingConfig(_Strict):
    learning_rate: float = Field(0.03, gt=0.0, le=10.0, description="SGD step size η")
    batch_size: int = Field(10, ge=1, le=10_000, description="examples per gradient step")


def _random_seed() -> int:
    return secrets.randbelow(2**31)


class ExperimentConfig(_Strict):
    seed: int = Field(default_factory=_random_seed, ge=0, lt=2**63, description="run seed")
    data: DataConfig = Field(default_factory=DataConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
