"""Activation functions, each with its derivative beside it.

``forward(z) -> a`` and ``derivative(z, a) -> da/dz``; the derivative gets both the
pre-activation and the output so each can use whichever is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    formula: str


ACTIVATIONS: Registry[Activation] = Registry("activation")


def _register(activation: Activation) -> None:
    ACTIVATIONS.register(activation.name, activation)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


_register(Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a, "tanh(z)"))
_register(
    Activation(
        "relu",
        lambda z: np.maximum(z, 0.0),
        lambda z, a: (z > 0).astype(z.dtype),  # 0 at the kink, as TF Playground
        "max(0, z)",
    )
)
_register(Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a), "1 / (1 + e^-z)"))
_register(Activation("linear", lambda z: z, lambda z, a: np.ones_like(z), "z"))
