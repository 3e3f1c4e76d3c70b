"""The race routes' bodies and answers (``server.races``, ``server.routes.races``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.config import ExperimentConfig
from server.schemas import RunStatus, _Strict

RaceUnit = Literal["epochs", "forward_passes"]
MAX_LANES = 4


class LaneSpec(_Strict):
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="config fields this lane changes, nested as in the config "
        '(e.g. {"training": {"optimizer": "adam"}}); none: the first lane\'s setup',
    )
    label: str | None = Field(None, max_length=80, description="what the page calls the lane")


class RaceFork(_Strict):
    run: str = Field(min_length=1, max_length=64, description="the run to fork every lane from")
    epoch: int | None = Field(
        None, ge=0, le=10**9, description="a kept epoch of it; default: the latest kept"
    )


class RaceCreate(_Strict):
    config: ExperimentConfig = Field(
        default_factory=ExperimentConfig, description="the setup every lane starts from"
    )
    fork: RaceFork | None = Field(
        None,
        description="instead of ``config``: every lane a fork of this run's kept state "
        "(an unchanged lane continues exactly as the run did)",
    )
    lanes: list[LaneSpec] = Field(min_length=2, max_length=MAX_LANES)
    unit: RaceUnit = Field(
        "epochs", description="the lockstep clock: epochs, or forward passes (compute-fair)"
    )
    name: str | None = Field(None, max_length=200)
    start: bool = Field(False, description="play the race at once")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "config": {"seed": 7, "data": {"dataset": "spiral"}},
                    "lanes": [
                        {"changes": {}},
                        {"changes": {"training": {"optimizer": "adam"}}},
                    ],
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _one_origin(self) -> RaceCreate:
        if self.fork is not None and "config" in self.model_fields_set:
            raise ValueError("give config or fork, not both")
        return self


class RaceStep(_Strict):
    """Train every lane this far on (the race's unit; default: one tick), then pause."""

    epochs: int | None = Field(None, ge=1, le=1000)
    forward_passes: int | None = Field(None, ge=1, le=10**9)

    @model_validator(mode="after")
    def _one_unit(self) -> RaceStep:
        if self.epochs is not None and self.forward_passes is not None:
            raise ValueError("give epochs or forward_passes, not both")
        return self


class LanePublic(BaseModel):
    run_id: str
    label: str | None
    changes: dict[str, Any]
    same_start: bool = Field(
        description="starts from the first lane's initial weights, bit for bit (a network "
        "of another shape starts from the same seed instead)"
    )
    status: RunStatus
    epoch: int
    forward_passes: int | None = Field(description="from its latest metrics row")


class RacePublic(BaseModel):
    id: str
    name: str | None
    unit: RaceUnit
    playing: bool
    parent: str | None = Field(None, description="a race of forks: the run they fork")
    fork_epoch: int | None = None
    created_at: datetime
    lanes: list[LanePublic]


class RaceCreated(RacePublic):
    control_token: str = Field(
        description="controls the race and each lane's run (their control token); shown once"
    )
