"""What the engine tells a person, as a code with parameters.

A ``Message`` is a code (``"diverged"``), its parameters (numbers, names, other messages —
``what`` in a divergence is the message ``"part.weights"`` — or a tuple of messages, read as a
list) and the English template it reads in. ``str(message)`` is the English sentence, so an
exception raised with a message as its one argument reads as before (``str(error)``); the wire
form (``{"code", "params"}``) lets the page say the same in the student's language (its tables
hold one template per code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

Param = Union[str, int, float, "Message", tuple["Message", ...]]


@dataclass(frozen=True)
class Message:
    """A sentence for a person: ``code`` names its template, ``params`` fill it."""

    code: str
    template: str = field(repr=False, compare=False)
    params: Mapping[str, Param] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**{k: _text(v) for k, v in self.params.items()})

    def wire(self) -> dict[str, object]:
        """``{"code": …, "params": {…}}``; a parameter that is a message in its wire form, a
        tuple of them as a list."""
        return {"code": self.code, "params": {k: _wire(v) for k, v in self.params.items()}}


def _text(value: Param) -> str | int | float:
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value) if isinstance(value, Message) else value


def _wire(value: Param) -> object:
    if isinstance(value, tuple):
        return [part.wire() for part in value]
    return value.wire() if isinstance(value, Message) else value


class Catalog:
    """One layer's templates by code; ``say(code, **params)`` makes a message."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        self.templates = dict(templates)

    def say(self, code: str, /, **params: Param) -> Message:
        return Message(code, self.templates[code], params)


def message_of(error: BaseException) -> Message | None:
    """The message an exception was raised with (its one argument), if it was."""
    found = error.args[0] if len(error.args) == 1 else None
    return found if isinstance(found, Message) else None


ENGINE = Catalog(
    {
        "part.loss": "the loss",
        "part.weights": "the weights",
        "task.binary": "binary",
        "task.multiclass": "multiclass",
        "task.regression": "regression",
        "split.training": "training",
        "split.test": "test",
        "split.validation": "validation",
        "diverged.rate_high": "{what} stopped being finite numbers at epoch {epoch}, step {step}: "
        "the learning rate {rate:g} is probably too high; try a smaller one",
        "diverged.rate_low": "{what} stopped being finite numbers at epoch {epoch}, step {step}: "
        "try a smaller learning rate, fewer layers or a bounded output activation",
        "data.not_finite": "the {split} data gives a loss that is not a finite number at epoch "
        "{epoch} (its largest |label| is {top:.3g}): that is the data, not the learning rate; "
        "fix or remove the rows with huge values",
        "points.count": "need {low} to {high:,} points, got {count:,}",
        "points.width": "row {row}: expected 3 values (x1, x2, label), got {count}",
        "cell.not_number": "row {row}, column {column} ({name}): {value} is not a number",
        "cell.not_finite": "row {row}, column {column} ({name}): {value} is not finite",
        "cell.outside": "row {row}, column {column} ({name}): {value} lies outside [-6, 6]",
        "cell.beyond": "row {row}, column {column} ({name}): {value} is beyond ±{limit:g}",
        "csv.too_long": "the CSV is over {limit:,} characters",
        "csv.too_many_lines": "the CSV has {count:,} lines; at most {limit:,} are read",
        "csv.too_many_points": "row {row}: the CSV has more than {limit:,} points",
        "csv.value_too_long": "row {row}: a value is over {limit:,} characters",
        "csv.malformed": "row {row}: {error} (a quote left open?)",
        "config.feature_twice": "each feature may appear once",
        "config.needs_field": 'dataset "{name}" needs the field "{name}"',
        "config.field_unread": '"{name}" is only read when dataset is "{name}"',
        "config.train_ratio": "train_ratio {ratio} of {count} points leaves {train} to train and "
        "{test} to test; each needs at least one",
        "config.validation_ratio": "validation_ratio {ratio} of {count} training points leaves "
        "{validation} to validate and {train} to train; each needs at least one",
        "config.dropout_rates": "dropout: expected {count} rates, one per hidden layer",
        "head.misfit": "the output activation {output} with the loss {loss} does not fit a "
        "{task} task, which takes {allowed}",
        "weight.layer": "layer: the network has weight layers 0 … {last}",
        "weight.unit": "layer {layer} connects {inputs} inputs to {units} units",
        "weight.not_finite": "value: a weight must be a finite number",
        "genetic.tournament": "a tournament draws at most the population ({population})",
        "genetic.elites": "elites must leave room for children: fewer than {population}",
        "genetic.dropout": "network.dropout: the genetic trainer scores each network without "
        "dropout; set every layer's dropout to 0",
        "genetic.dropout_live": "dropout: the genetic trainer scores networks without dropout",
        "genetic.weights": "training.population: {population} networks of {parameters} "
        "parameters is {weights:,} weights; at most {limit:,}",
        "genetic.work": "training.population: a generation of {population} networks over the "
        "training points is ~{work:.1e} multiply-adds; at most {limit:.0e}",
        "genetic.no_step": "the genetic trainer takes no gradient step: its next generation is "
        "bred at random from the fittest networks",
    }
)
