"""Wire models of sweeps: the body that starts one, and what a sweep and its trials show."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

SweepStatus = Literal["running", "finished", "cancelled", "interrupted"]
Metric = Literal[
    "test_loss", "train_loss", "val_loss", "test_accuracy", "train_accuracy", "val_accuracy"
]
Executor = Literal["local", "ray"]
MAX_VALUES = 100  # values of one grid field, choices of one random field
MAX_SEEDS = 1000
MAX_TRIALS = 100_000  # no sweep is bigger, whatever the server allows (it is checked first)
MAX_SEED = 2**63  # a run's seeds are below it, as a config takes them


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Range(_Strict):
    """A random field's range: uniform in [low, high], or log-uniform with ``log``;
    ``integer`` rounds each draw."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.high:
            raise ValueError("low must be at most high")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self


Choices = list[JsonValue]


def _range_or_choices(value: Any, handler: ValidatorFunctionWrapHandler) -> Range | Choices:
    """A random field's spec, its problems in one error at the field's path (pydantic's own
    union lists a problem for each kind it tried, at paths naming its internal types)."""
    if isinstance(value, list):
        choices: Choices = handler(value)
        return choices
    if not isinstance(value, dict):
        raise ValueError('a range {"low": …, "high": …} or a list of values')
    try:
        return Range.model_validate(value)
    except ValidationError as error:
        raise ValueError("; ".join(_said(problem) for problem in error.errors())) from None


def _said(problem: Any) -> str:
    """``field: why`` of one of a range's problems (a check of the whole range: ``why``)."""
    cause = problem.get("ctx", {}).get("error")
    why = str(cause) if isinstance(cause, ValueError) else problem["msg"]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {why}" if where else why


RandomSpec = Annotated[Range | Choices, WrapValidator(_range_or_choices)]


class SweepCreate(_Strict):
    config: dict[str, Any] = Field(
        default_factory=dict, description="the base run config every trial starts from"
    )
    grid: dict[str, Choices] = Field(
        default_factory=dict,
        description='config fields by dotted path ("training.learning_rate") and the values '
        "each takes: every combination is a trial (the first field slowest)",
        max_length=8,
    )
    random: dict[str, RandomSpec] = Field(
        default_factory=dict,
        description="config fields drawn at random: a range, or a list to choose from",
        max_length=8,
    )
    samples: int | None = Field(
        None,
        ge=1,
        le=MAX_TRIALS,
        description="random draws (with ``random``; default: as the budget allows)",
    )
    seeds: int | list[int] | None = Field(
        None,
        description="the seeds each setting runs with: a count n (seeds 0 … n-1) or a list; "
        "default: the base config's seed",
    )
    trials: int | None = Field(
        None,
        ge=1,
        le=MAX_TRIALS,
        description="the trial budget: a space with more trials is refused",
    )
    metric: Metric = Field("test_loss", description="what ranks the trials (losses: lowest)")
    executor: Executor | None = Field(
        None, description="where trials train; default: Ray when the server has a cluster"
    )
    name: str | None = Field(None, max_length=200)
    sample_seed: int = Field(0, ge=0, lt=2**63, description="the random draws' seed")

    @field_validator("seeds", mode="wrap")
    @classmethod
    def _bounded(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> int | list[int] | None:
        """Checked before any is made: a count of a billion would be a billion-item list. A
        wrong type is one problem at ``seeds`` (not one per kind of the union)."""
        try:
            seeds: int | list[int] | None = handler(value)
        except ValidationError:
            raise ValueError("a count of seeds or a list of them (integers)") from None
        if seeds is None:
            return None
        count = seeds if isinstance(seeds, int) else len(seeds)
        ranged = isinstance(seeds, int) or all(0 <= seed < MAX_SEED for seed in seeds)
        if not (1 <= count <= MAX_SEEDS and ranged):
            raise ValueError(f"1 to {MAX_SEEDS} different seeds, each from 0 to 2^63 - 1")
        return seeds

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "config": {"data": {"dataset": "spiral"}, "training": {"max_epochs": 200}},
                    "grid": {"training.learning_rate": [0.003, 0.03], "training.batch_size": [10]},
                    "seeds": 3,
                    "metric": "test_loss",
                }
            ]
        }
    )


class TrialPublic(BaseModel):
    run_id: str
    position: int
    params: dict[str, Any] = Field(description="the swept fields' values, and the seed")
    status: str
    epoch: int
    attempts: int = Field(0, description="times the worker training it died")
    error: str | None = None
    result: dict[str, float | int | None] | None = Field(
        None, description="the final metrics row, once the trial has ended"
    )
    score: float | None = Field(None, description="the sweep's metric in the final row")


class SweepPublic(BaseModel):
    id: str
    name: str | None
    status: SweepStatus
    executor: Executor
    metric: Metric
    goal: Literal["min", "max"]
    fields: list[str] = Field(description="the swept fields, then seed")
    total: int
    counts: dict[str, int] = Field(description="trials by status")
    best: str | None = Field(None, description="the best finished trial's run id")
    created_at: datetime
    ended_at: datetime | None = None
    trials: list[TrialPublic] = Field(default_factory=list)


class SweepCreated(SweepPublic):
    control_token: str = Field(description="needed to cancel or resume the sweep; shown only here")


def goal_of(metric: str) -> Literal["min", "max"]:
    return "max" if metric.endswith("accuracy") else "min"
