"""Weight initializers: ``(fan_in, fan_out, rng) -> (weights (fan_in, fan_out), bias value)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.registry import Registry

Initializer = Callable[[int, int, np.random.Generator], tuple[np.ndarray, float]]
INITIALIZERS: Registry[Initializer] = Registry("initializer")


def tf_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """TF Playground's: U(−0.5, 0.5) with no fan scaling, every bias 0.1 (the parity default)."""
    return rng.uniform(-0.5, 0.5, (fan_in, fan_out)), 0.1


def glorot(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Glorot & Bengio 2010: U(±√(6 / (fan_in + fan_out))), biases 0."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)), 0.0


def he(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """He et al. 2015, for ReLU: N(0, 2 / fan_in), biases 0."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)), 0.0


def lecun(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """LeCun normal, for SELU (Klambauer et al. 2017): N(0, 1 / fan_in), biases 0."""
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), (fan_in, fan_out)), 0.0


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Everything 0 (TF Playground's initZero): every neuron of a layer stays the same."""
    return np.zeros((fan_in, fan_out)), 0.0


for _name, _init in (
    ("tf_uniform", tf_uniform),
    ("glorot", glorot),
    ("he", he),
    ("lecun", lecun),
    ("zeros", zeros),
):
    INITIALIZERS.register(_name, _init)
AUTO_INIT = "tf_uniform"
