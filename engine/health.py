"""Is a run still healthy? Divergence (the weights or the loss stopped being finite numbers)
and data that cannot train, each with a message that says what to do about it."""

from __future__ import annotations

import math

import numpy as np

from engine.datasets import Split
from engine.messages import ENGINE, Message
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


def divergence(part: str, learning_rate: float, epoch: int, step: int) -> Message:
    """Why a run diverged (``part``: "loss" or "weights"), and what to try."""
    what = ENGINE.say(f"part.{part}")
    if learning_rate >= 0.01:
        return ENGINE.say(
            "diverged.rate_high", what=what, epoch=epoch, step=step, rate=learning_rate
        )
    return ENGINE.say("diverged.rate_low", what=what, epoch=epoch, step=step)


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
            split_name = ENGINE.say(f"split.{name}")
            said = ENGINE.say("data.not_finite", split=split_name, epoch=metrics.epoch, top=top)
            raise DataError(said)
