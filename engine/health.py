"""Is a run still healthy? Divergence (the weights or the loss stopped being finite numbers)
and data that cannot train, each with a message that says what to do about it."""

from __future__ import annotations

import math

import numpy as np

from engine.datasets import Split
from engine.metrics import Metrics

MAX_WEIGHT = 1e8  # beyond this a weight has exploded (and float32 frames would overflow)
MAX_LOSS = 1e12


class DivergedError(RuntimeError):
    """The loss, the gradients or the weights stopped being finite numbers."""


class DataError(ValueError):
    """The data cannot train: a loss over it is not a finite number, whatever the weights."""


def exploded(params: np.ndarray) -> bool:
    """A weight is NaN, infinite or past ``MAX_WEIGHT`` (NaN fails the comparison too)."""
    return not max(params.max(), -params.min()) <= MAX_WEIGHT


def divergence(what: str, learning_rate: float, epoch: int, step: int) -> str:
    """Why a run diverged, and what to try."""
    hint = (
        f"the learning rate {learning_rate:g} is probably too high; try a smaller one"
        if learning_rate >= 0.01
        else "try a smaller learning rate, fewer layers or a bounded output activation"
    )
    return f"{what} stopped being finite numbers at epoch {epoch}, step {step}: {hint}"


def check_data(metrics: Metrics, split: Split) -> None:
    """A loss that is not finite while the weights are is the data's fault (a label or an
    input too large to compute with), not the learning rate's: raise ``DataError`` saying so."""
    for name, loss, part in (
        ("training", metrics.train_loss, split.train),
        ("test", metrics.test_loss, split.test),
        ("validation", metrics.val_loss, split.validation),
    ):
        if loss is not None and part is not None and not math.isfinite(loss):
            top = float(np.abs(part.y).max()) if len(part.y) else 0.0
            raise DataError(
                f"the {name} data gives a loss that is not a finite number at epoch "
                f"{metrics.epoch} (its largest |label| is {top:.3g}): that is the data, not the "
                "learning rate; fix or remove the rows with huge values"
            )
