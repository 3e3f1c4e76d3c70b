"""Losses, each value with its gradient beside it: ``(t, a) -> terms`` and ``(t, a) -> dL/da``.

``t`` and ``a`` are (B, outputs): targets and the output layer's activations. ``terms`` is the
loss of each example and output, (B, outputs) (or (R, B, outputs) for R networks' outputs at
once, ``engine.population``); a value is their mean over the B examples, summed over outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry

Array = np.ndarray
PROB_EPS = 1e-12
HUBER_DELTA = 1.0


@dataclass(frozen=True)
class Loss:
    name: str
    terms: Callable[[Array, Array], Array]
    grad: Callable[[Array, Array], Array]
    formula: str

    def value(self, t: Array, a: Array) -> float:
        """The mean over the batch of the per-example loss (summed over outputs)."""
        return _mean(self.terms(t, a))


LOSSES: Registry[Loss] = Registry("loss")


def _mean(per_element: Array) -> float:
    """Sum over outputs, mean over the batch."""
    return float(np.sum(per_element) / per_element.shape[0])


def _grad(values: Array, batch: int) -> Array:
    grad: Array = values / batch
    return grad


def _huber(r: Array) -> Array:
    small = np.abs(r) <= HUBER_DELTA
    out: Array = np.where(small, 0.5 * r * r, HUBER_DELTA * (np.abs(r) - 0.5 * HUBER_DELTA))
    return out


def _clip(a: Array) -> Array:
    out: Array = np.clip(a, PROB_EPS, 1.0 - PROB_EPS)
    return out


for loss in (
    Loss(
        "half_mse",
        lambda t, a: 0.5 * (a - t) ** 2,
        lambda t, a: _grad(a - t, len(a)),
        "J = 1/n Σ ½(ŷ − y)²  (TF Playground)",
    ),
    Loss(
        "mse",
        lambda t, a: (a - t) ** 2,
        lambda t, a: _grad(2.0 * (a - t), len(a)),
        "J = 1/n Σ (y − ŷ)²",
    ),
    Loss(
        "mae",
        lambda t, a: np.abs(a - t),
        lambda t, a: _grad(np.sign(a - t), len(a)),
        "J = 1/n Σ |y − ŷ|",
    ),
    Loss(
        "huber",
        lambda t, a: _huber(a - t),
        lambda t, a: _grad(np.clip(a - t, -HUBER_DELTA, HUBER_DELTA), len(a)),
        "½r² (|r| ≤ 1);  |r| − ½ (|r| > 1);  r = ŷ − y",
    ),
    Loss(
        "bce",
        lambda t, a: -(t * np.log(_clip(a)) + (1 - t) * np.log(_clip(1 - a))),
        lambda t, a: _grad((a - t) / (_clip(a) * _clip(1 - a)), len(a)),
        "J = −1/n Σ [y ln ŷ + (1 − y) ln(1 − ŷ)]",
    ),
    Loss(
        "cross_entropy",
        lambda t, a: -t * np.log(_clip(a)),
        lambda t, a: _grad(-t / _clip(a), len(a)),
        "J = −1/n Σ Σ_k y_k ln ŷ_k",
    ),
):
    LOSSES.register(loss.name, loss)
