"""Wire models: the REST bodies and the websocket's client messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from engine.config import ExperimentConfig, LiveChanges
from server.inspect_schemas import AnyInspectMessage, InspectMessage

RunStatus = Literal[
    "created", "running", "paused", "succeeded", "failed", "diverged", "cancelled", "interrupted"
]
STATUSES: tuple[str, ...] = get_args(RunStatus)  # the page reads them from GET /api/options
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"succeeded", "failed", "diverged", "cancelled", "interrupted"}
)
LIVE_STATUSES = tuple(status for status in STATUSES if status not in TERMINAL_STATUSES)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


MAX_REPLICATES = 10  # seeds one POST /api/runs may train a config over


class RunCreate(_Strict):
    config: ExperimentConfig = Field(default_factory=ExperimentConfig)
    name: str | None = Field(None, max_length=200)
    start: bool = Field(True, description="start training at once")
    speed: float | None = Field(
        None, gt=0, le=1000, description="epochs per second; default: one per frame (20)"
    )
    replicates: int = Field(
        1,
        ge=1,
        le=MAX_REPLICATES,
        description="runs of the config over this many seeds: seed, seed + 1, …",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"config": {"seed": 42, "network": {"hidden": [8, 8]}}, "start": True}]
        }
    )


class ForkCreate(_Strict):
    epoch: int | None = Field(
        None, ge=0, le=10**9, description="a kept epoch; default: the latest kept"
    )
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="config fields to change, nested as in the config "
        '(e.g. {"training": {"learning_rate": 0.1}}); none: an identical twin',
    )
    name: str | None = Field(None, max_length=200)
    start: bool = Field(False, description="train the fork at once")


class RunPublic(BaseModel):
    id: str
    name: str | None
    status: RunStatus
    config: ExperimentConfig
    epoch: int
    step: int
    share_code: str | None = Field(None, description="join as a viewer; while the run is live")
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    summary: dict[str, dict[str, int | float | None] | None] = Field(
        default_factory=dict, description="the latest metrics row and the best (lowest test loss)"
    )
    viewers: int = 0
    viewers_can_control: bool = False
    error: str | None = None
    error_code: dict[str, Any] | None = Field(
        None, description="the error as a code with parameters, for a page in another language"
    )
    stop_reason: str | None = Field(None, description="max_epochs, target_loss or early_stopping")
    sweep_id: str | None = Field(None, description="the sweep this run is a trial of")
    parent: str | None = Field(None, description="a fork's: the run it was forked from")
    fork_epoch: int | None = Field(None, description="a fork's: the epoch it was forked at")


class RunCreated(RunPublic):
    control_token: str = Field(description="needed to control the run; shown only here")
    replicates: list[str] | None = Field(
        None, description="with replicates: every replicate's id, in seed order (this one first)"
    )


class RunList(BaseModel):
    runs: list[RunPublic]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")


class PredictBody(_Strict):
    points: list[tuple[float, float]] = Field(
        min_length=1, max_length=10_000, description="points (x1, x2) in the plane"
    )

    model_config = ConfigDict(json_schema_extra={"examples": [{"points": [[0, 0], [4.5, -2]]}]})


class Prediction(BaseModel):
    epoch: int
    task: str
    outputs: list[list[float]] = Field(
        description="per point, the output layer: a probability (sigmoid, softmax), a ±1 "
        "score (tanh) or the regression value"
    )
    labels: list[float] | None = Field(description="±1 or class index; None for regression")


class MetricsColumns(BaseModel):
    """A run's history as columns, one entry per stored epoch (accuracy null for regression;
    the validation columns null without a validation set, and in rows stored before them). A
    genetic run's epoch is a generation."""

    epoch: list[int]
    step: list[int]
    train_loss: list[float | None]
    test_loss: list[float | None]
    train_accuracy: list[float | None]
    test_accuracy: list[float | None]
    val_loss: list[float | None]
    val_accuracy: list[float | None]
    forward_passes: list[int | None] = Field(
        description="examples sent forward to train so far (a genetic run: members scored × "
        "training points); null in rows stored before it"
    )


class LayerWeights(BaseModel):
    activation: str
    weights: list[list[float]] = Field(description="(fan_in, fan_out): a = f(x @ W + b)")
    biases: list[float]


class ModelOut(BaseModel):
    config: ExperimentConfig
    epoch: int
    step: int
    task: str
    features: list[str]
    output_activation: str
    loss: str
    layers: list[LayerWeights]


class Play(_Strict):
    type: Literal["play"]


class Pause(_Strict):
    type: Literal["pause"]


class Step(_Strict):
    """Train ``epochs`` whole epochs, or ``batches`` single mini-batches (default: 1 epoch)."""

    type: Literal["step"]
    epochs: int | None = Field(None, ge=1, le=1000)
    batches: int | None = Field(None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_unit(self) -> Step:
        if self.epochs is not None and self.batches is not None:
            raise ValueError("give epochs or batches, not both")
        return self


class Reset(_Strict):
    """Back to epoch 0, with the same initial weights or newly drawn ones."""

    type: Literal["reset"]
    same_init: bool = True


class Regenerate(_Strict):
    """A new sample of the dataset; training goes on with the current weights."""

    type: Literal["regenerate"]


class Set(LiveChanges):
    """Change live-tunable settings: learning rate, batch size, regularization, dropout,
    and the run's speed in epochs per second."""

    type: Literal["set"]
    speed: float | None = Field(None, gt=0, le=1000)


class Permissions(_Strict):
    """The owner lets viewers (who joined by share code) control the run, or stops them."""

    type: Literal["permissions"]
    viewers_can_control: bool


class Moved(_Strict):
    """The owner's page replaced the run with another it made (a new setup, a reset after
    the end): every viewer of this run, now or joining later, is told to follow. ``token``
    is the new run's control token, proof that the sender made it; it is passed on to no one."""

    type: Literal["moved"]
    to: str = Field(min_length=1, max_length=64, description="the id of the run that replaced it")
    token: str = Field(min_length=1, max_length=200, description="that run's control token")


class Weight(_Strict):
    """Set one weight (``source`` → ``target`` between ``layer`` and the next) or, when
    ``source`` is null, the bias of ``target``. Layers count from the inputs: 0 is
    features → first hidden layer."""

    type: Literal["weight"]
    layer: int = Field(ge=0, le=20)
    source: int | None = Field(None, ge=0, le=1000)
    target: int = Field(ge=0, le=1000)
    value: float = Field(ge=-100, le=100)


class View(_Strict):
    type: Literal["view"]
    fps: float | None = Field(None, ge=1, le=60)
    resolution: int | None = Field(None, ge=10, le=200)
    focus: int | None = Field(
        None, ge=-1, le=10_000, description="a hidden neuron (layer order) drawn in full; -1: none"
    )
    metrics: bool | None = Field(
        None, description="false: no `metrics` rows (a dashboard tile reads each frame's numbers)"
    )
    steps: bool | None = Field(
        None, description="true: this viewer plots every mini-batch's loss (the run keeps them)"
    )
    dropout_sample: bool | None = Field(
        None,
        description="true: this viewer's frames carry `dropout_output`, the output through a "
        "fresh dropout mask (a run with dropout)",
    )

    @model_validator(mode="before")
    @classmethod
    def _unfocus(cls, data: object) -> object:
        """``"focus": null`` is a request to stop; keep it apart from "not given"."""
        if isinstance(data, dict) and "focus" in data and data["focus"] is None:
            return {**data, "focus": -1}
        return data


# every client message but ``inspect``, each one shape
_PLAIN = Play | Pause | Step | Reset | Regenerate | Set | Weight | Permissions | Moved | View
AnyClientMessage = _PLAIN | AnyInspectMessage
# ``inspect`` is five messages, one per ``kind``: a union within the union, on ``kind``
ClientMessage = Annotated[_PLAIN | InspectMessage, Field(discriminator="type")]
CLIENT_MESSAGE: TypeAdapter[AnyClientMessage] = TypeAdapter(ClientMessage)


def error_loc(error: Any) -> list[Any]:
    """A validation error's path; a bad or missing tag of a union (a message's ``kind``)
    ends in the tag's name, so that the path names the field."""
    loc = list(error["loc"])
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc.append(str(error.get("ctx", {}).get("discriminator", "")).strip("'"))
    return loc


CONTROL_TYPES = frozenset({"play", "pause", "step", "reset", "regenerate", "set", "weight"})
OWNER_TYPES = frozenset({"permissions", "moved"})  # never granted to viewers
