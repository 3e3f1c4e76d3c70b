"""The one experiment configuration (docs/api.md, "The run config"), validated by pydantic.

Every field has a default, so ``ExperimentConfig()`` is TensorFlow Playground's default run:
circle, features x1 and x2, hidden [4, 2], tanh, SGD at 0.03, batch 10. Unknown keys and
non-finite numbers are errors; impossible combinations are rejected with the allowed ones.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Annotated, Literal

from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine.activations import ACTIVATIONS
from engine.config_base import STORED, Strict, member_of, stored
from engine.data_config import DataConfig
from engine.heads import OUTPUT_ALIASES, resolve_pair
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.messages import ENGINE
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from engine.userdata import n_classes

LEARNING_RATE_CHOICES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATE_CHOICES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
OUTPUT_ACTIVATIONS = ("auto", "none", "linear", "tanh", "sigmoid", "relu", "softplus", "softmax")
MAX_HIDDEN_LAYERS = 10
MAX_UNITS = 256
MAX_POPULATION = 1024
# a batch as big as the largest training set: this size is full batch for any data
MAX_BATCH_SIZE = 10_000
# A genetic run holds ~4 copies of its population, and trains a generation at a time (a
# worker's slice cannot cut one): both are bounded.
GENETIC_MAX_WEIGHTS = 1_000_000  # population × parameters
GENETIC_MAX_WORK = 10**9  # population × parameters × training points, ~0.2 s a generation
# The validation context of a config this program stored itself (a run's, read back): its
# user data was checked when the run was made, so it is parsed when first needed, not now.
Dropout = Annotated[float, Field(ge=0.0, le=0.9)]


class LayerConfig(Strict):
    units: int = Field(ge=1, le=MAX_UNITS)
    activation: Annotated[str, member_of(ACTIVATIONS)] | None = Field(
        None, description="default: the network's"
    )
    dropout: Dropout | None = Field(
        None, description="share of this layer's units dropped in training"
    )


def _layer_kind(value: object) -> str:
    return "layer" if isinstance(value, dict | LayerConfig) else "units"


# An int is a layer of that many units; an object sets that layer. The discriminator keeps
# a bad entry's error to the form it was written in.
HiddenLayer = Annotated[
    Annotated[Annotated[int, Field(ge=1, le=MAX_UNITS)], Tag("units")]
    | Annotated[LayerConfig, Tag("layer")],
    Discriminator(_layer_kind),
]


class NetworkConfig(Strict):
    hidden: list[HiddenLayer] = Field(
        default_factory=lambda: list[int | LayerConfig]([4, 2]),
        max_length=MAX_HIDDEN_LAYERS,
        description="an int is a layer of that many units; an object sets that layer",
    )
    activation: Annotated[str, member_of(ACTIVATIONS)] = "tanh"
    dropout: Dropout = Field(0.0, description="default dropout of every hidden layer")
    output_activation: Literal[OUTPUT_ACTIVATIONS] = "auto"  # type: ignore[valid-type]
    init: Annotated[str, member_of(INITIALIZERS, "auto")] = "auto"

    def layers(self) -> list[LayerConfig]:
        """Every hidden layer spelled out, with the network's defaults filled in."""
        out = []
        for layer in self.hidden:
            spec = LayerConfig(units=layer) if isinstance(layer, int) else layer
            out.append(
                LayerConfig(
                    units=spec.units,
                    activation=spec.activation or self.activation,
                    dropout=self.dropout if spec.dropout is None else spec.dropout,
                )
            )
        return out


class EarlyStopping(Strict):
    patience: int = Field(20, ge=1, le=100_000, description="epochs without improvement")
    min_delta: float = Field(
        0.0, ge=0.0, description="smallest drop of the watched loss (validation, else test)"
    )
    restore_best: bool = Field(True, description="go back to the best epoch's weights")


class TrainingConfig(Strict):
    loss: Annotated[str, member_of(LOSSES, "auto")] = "auto"
    optimizer: Annotated[str, member_of(OPTIMIZERS)] = "sgd"
    learning_rate: float = Field(0.03, gt=0.0, le=10.0, description="step size η")
    batch_size: int = Field(
        10, ge=1, le=MAX_BATCH_SIZE, description="1 = SGD; ≥ n_train = full batch"
    )
    regularization: Annotated[str, member_of(REGULARIZERS)] = "none"
    regularization_rate: float = Field(0.0, ge=0.0, le=10.0, description="λ")
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    beta1: float = Field(0.9, ge=0.0, lt=1.0)
    beta2: float = Field(0.999, ge=0.0, lt=1.0)
    rho: float = Field(0.9, ge=0.0, lt=1.0, description="RMSProp's decay")
    epsilon: float = Field(1e-8, gt=0.0, le=1.0)
    weight_decay: float = Field(0.01, ge=0.0, le=1.0, description="AdamW's decoupled decay")
    population: int = Field(
        64, ge=4, le=MAX_POPULATION, description="genetic: the networks of each generation"
    )
    tournament: int = Field(
        3,
        ge=1,
        le=MAX_POPULATION,
        description="genetic: members a tournament draws; the best breeds",
    )
    crossover_rate: float = Field(
        0.5, ge=0.0, le=1.0, description="genetic: share of children that mix two parents' units"
    )
    mutation_rate: float = Field(
        0.1, ge=0.0, le=1.0, description="genetic: chance that a child's weight is mutated"
    )
    mutation_scale: float = Field(
        0.3, gt=0.0, le=10.0, description="genetic: deviation σ of a mutation's Gaussian noise"
    )
    elites: int = Field(
        2, ge=0, le=MAX_POPULATION, description="genetic: best members kept as they are"
    )
    precision: Literal["float64", "float32"] = Field(
        "float64", description="float32 trains big scripted runs about twice as fast"
    )
    max_epochs: int | None = Field(None, ge=1, le=1_000_000, description="null: until stopped")
    target_loss: float | None = Field(None, ge=0.0, description="stop once train loss ≤ this")
    early_stopping: EarlyStopping | None = None

    @field_validator("tournament", "elites")
    @classmethod
    def _within_population(cls, value: int, info: ValidationInfo) -> int:
        population = info.data.get("population")
        if population is None:  # population itself was refused
            return value
        if info.field_name == "tournament" and value > population:
            raise ValueError(ENGINE.say("genetic.tournament", population=population))
        if info.field_name == "elites" and value >= population:
            raise ValueError(ENGINE.say("genetic.elites", population=population))
        return value


def _random_seed() -> int:
    return secrets.randbelow(2**31)


class ExperimentConfig(Strict):
    seed: int = Field(default_factory=_random_seed, ge=0, lt=2**63)
    data: DataConfig = Field(default_factory=DataConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)

    _checked: bool = PrivateAttr(False)  # as DataConfig's

    @model_validator(mode="after")
    def _head_fits_task(self, info: ValidationInfo) -> ExperimentConfig:
        if not (self._checked or stored(info)):
            self.head()  # raises with the allowed pairs
            if OPTIMIZERS[self.training.optimizer].gradient_free:
                self._genetic_fits()
        self._checked = True
        return self

    def _genetic_fits(self) -> None:
        """The genetic trainer scores networks as they predict (no dropout), and a generation
        is one unit of work: its population and cost are bounded."""
        if any(layer.dropout for layer in self.network.layers()):
            raise ValueError(ENGINE.say("genetic.dropout"))
        population, parameters = self.training.population, self.n_parameters()
        weights = population * parameters
        if weights > GENETIC_MAX_WEIGHTS:
            raise ValueError(
                ENGINE.say(
                    "genetic.weights",
                    population=population,
                    parameters=parameters,
                    weights=weights,
                    limit=GENETIC_MAX_WEIGHTS,
                )
            )
        work = weights * self.data.training_points()
        if work > GENETIC_MAX_WORK:
            said = ENGINE.say(
                "genetic.work", population=population, work=work, limit=GENETIC_MAX_WORK
            )
            raise ValueError(said)

    @classmethod
    def from_stored(cls, text: str | bytes) -> ExperimentConfig:
        """A config this program validated and stored (a run's), read back without parsing
        its user data again: listing runs with large CSVs costs their JSON, not their data."""
        return cls.model_validate_json(text, context=STORED)

    def n_outputs(self) -> int:
        """Output units: one, or one per class."""
        if self.data.task() != "multiclass":
            return 1
        user = self.data.user_dataset()
        return n_classes(user.y) if user is not None else self.data.classes

    def n_parameters(self) -> int:
        """Weights and biases of the network this config builds."""
        sizes = [
            len(self.data.features),
            *(layer.units for layer in self.network.layers()),
            self.n_outputs(),
        ]
        return sum((a + 1) * b for a, b in itertools.pairwise(sizes))

    def with_live(self, live: LiveChanges) -> ExperimentConfig:
        """This config with live changes applied (what the trainer trains after a ``set``):
        dropout is written per layer, each layer as an object."""
        training = live.model_dump(exclude_none=True, exclude={"dropout"})
        network = self.network
        if live.dropout is not None:
            layers = network.layers()
            rates = live.dropout if isinstance(live.dropout, list) else [live.dropout] * len(layers)
            if len(rates) != len(layers):
                raise ValueError(ENGINE.say("config.dropout_rates", count=len(layers)))
            pairs = zip(layers, rates, strict=True)
            hidden = [layer.model_copy(update={"dropout": rate}) for layer, rate in pairs]
            network = network.model_copy(update={"hidden": hidden})
        return self.model_copy(
            update={"network": network, "training": self.training.model_copy(update=training)}
        )

    def head(self) -> tuple[str, str, str]:
        """(task, output activation, loss), with "auto" resolved."""
        task = self.data.task()
        output = OUTPUT_ALIASES.get(self.network.output_activation, self.network.output_activation)
        return (task, *resolve_pair(task, output, self.training.loss))


class LiveChanges(Strict):
    """Settings that change mid-training, without a reset (the websocket's ``set``)."""

    learning_rate: float | None = Field(None, gt=0.0, le=10.0)
    batch_size: int | None = Field(None, ge=1, le=MAX_BATCH_SIZE)
    regularization: Annotated[str, member_of(REGULARIZERS)] | None = None
    regularization_rate: float | None = Field(None, ge=0.0, le=10.0)
    dropout: Dropout | list[Dropout] | None = Field(None, description="one rate, or one per layer")
