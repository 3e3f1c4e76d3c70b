"""Optimizers over one flat parameter vector; each keeps its own state.

One general class per update rule, ``step(params, grads, lr)`` updating ``params`` in place.
Conventions follow PyTorch (momentum buffers, Adam's bias correction, AdamW's decoupled decay),
so hand-worked and PyTorch steps agree. Every rule is element-wise, so one optimizer can also
hold R runs' state stacked, ``size=(R, P)``, with ``lr`` an (R, 1) column (``engine.batch``):
each row gets the same numbers as alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from engine.registry import Registry

Array = np.ndarray
Size = int | tuple[int, ...]  # P, or (R, P) for R runs stacked
Rate = float | Array  # a learning rate, or one per stacked run as an (R, 1) column
STATE = ("velocity", "sum_sq", "mean_sq", "m", "v")  # the optimizers' state arrays, by name


@dataclass(frozen=True)
class Hyper:
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.9
    epsilon: float = 1e-8
    weight_decay: float = 0.01
    # the genetic trainer's (``engine.genetic``)
    population: int = 64
    tournament: int = 3
    crossover_rate: float = 0.5
    mutation_rate: float = 0.1
    mutation_scale: float = 0.3
    elites: int = 2


HYPER_FIELDS = tuple(f.name for f in fields(Hyper))  # each a field of ``TrainingConfig`` too


class Optimizer:
    formula = ""
    hypers: tuple[str, ...] = ()  # the ``Hyper`` fields this rule reads (the page's fields)
    gradient_free = False  # True: no ``step``; it breeds generations (``engine.genetic``)

    def __init__(self, size: Size, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        self.hyper = hyper
        self.t = 0
        self.size, self.dtype = size, np.dtype(dtype)
        self._tmp = self._zeros()

    def _zeros(self) -> Array:
        return np.zeros(self.size, self.dtype)

    def step(self, params: Array, grads: Array, lr: Rate) -> None:
        self.t += 1
        self._update(params, grads, lr)

    def _update(self, params: Array, grads: Array, lr: Rate) -> None:
        raise NotImplementedError

    def refit(self, params: Array) -> None:
        """The weights were edited or the loss changed outside training (new data, a new
        penalty): a gradient step starts from wherever ``params`` are, so nothing to do."""


class SGD(Optimizer):
    formula = "w ← w − η·g"

    def step(self, params: Array, grads: Array, lr: Rate) -> None:  # the hot path: no detour
        np.multiply(grads, lr, self._tmp)
        params -= self._tmp


class Momentum(Optimizer):
    """Polyak's heavy ball, as PyTorch: v ← μv + g; w ← w − ηv (Nesterov: w ← w − η(g + μv))."""

    formula = "v ← μ·v + g;  w ← w − η·v"
    hypers: tuple[str, ...] = ("momentum",)
    nesterov = False

    def __init__(self, size: Size, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        super().__init__(size, hyper, dtype)
        self.velocity = self._zeros()

    def _update(self, params: Array, grads: Array, lr: Rate) -> None:
        self.velocity *= self.hyper.momentum
        self.velocity += grads
        if self.nesterov:
            np.multiply(self.velocity, self.hyper.momentum, self._tmp)
            self._tmp += grads
        else:
            np.copyto(self._tmp, self.velocity)
        self._tmp *= lr
        params -= self._tmp


class Nesterov(Momentum):
    formula = "v ← μ·v + g;  w ← w − η·(g + μ·v)"
    nesterov = True


class AdaGrad(Optimizer):
    """Duchi et al. 2011: s ← s + g²; w ← w − η g / (√s + ε)."""

    formula = "s ← s + g²;  w ← w − η·g / (√s + ε)"
    hypers: tuple[str, ...] = ("epsilon",)

    def __init__(self, size: Size, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        super().__init__(size, hyper, dtype)
        self.sum_sq = self._zeros()

    def _update(self, params: Array, grads: Array, lr: Rate) -> None:
        tmp = self._tmp
        np.multiply(grads, grads, tmp)
        self.sum_sq += tmp
        _scaled_step(
            params, grads, self.sum_sq, correction=1.0, eps=self.hyper.epsilon, lr=lr, out=tmp
        )


class RMSProp(Optimizer):
    """Hinton's lecture 6e: s ← ρs + (1 − ρ)g²; w ← w − η g / (√s + ε)."""

    formula = "s ← ρ·s + (1 − ρ)·g²;  w ← w − η·g / (√s + ε)"
    hypers: tuple[str, ...] = ("rho", "epsilon")

    def __init__(self, size: Size, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        super().__init__(size, hyper, dtype)
        self.mean_sq = self._zeros()

    def _update(self, params: Array, grads: Array, lr: Rate) -> None:
        rho, tmp = self.hyper.rho, self._tmp
        np.multiply(grads, grads, tmp)
        tmp *= 1.0 - rho
        self.mean_sq *= rho
        self.mean_sq += tmp
        _scaled_step(
            params, grads, self.mean_sq, correction=1.0, eps=self.hyper.epsilon, lr=lr, out=tmp
        )


class Adam(Optimizer):
    """Kingma & Ba 2015, with bias correction; AdamW (Loshchilov & Hutter 2019) decays first."""

    formula = "m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  w ← w − η·m̂ / (√v̂ + ε)"
    hypers: tuple[str, ...] = ("beta1", "beta2", "epsilon")
    decoupled_decay = False

    def __init__(self, size: Size, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        super().__init__(size, hyper, dtype)
        self.m = self._zeros()
        self.v = self._zeros()
        self._denom = self._zeros()

    def _update(self, params: Array, grads: Array, lr: Rate) -> None:
        h, tmp = self.hyper, self._tmp
        if self.decoupled_decay:
            params *= 1.0 - lr * h.weight_decay
        self.m *= h.beta1
        np.multiply(grads, 1.0 - h.beta1, tmp)
        self.m += tmp
        self.v *= h.beta2
        np.multiply(grads, grads, tmp)
        tmp *= 1.0 - h.beta2
        self.v += tmp
        # w ← w − η·m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), as PyTorch computes it
        correction2 = 1.0 - h.beta2**self.t
        step = lr / (1.0 - h.beta1**self.t)
        _scaled_step(
            params, self.m, self.v, correction=correction2, eps=h.epsilon, lr=step, out=self._denom
        )


class AdamW(Adam):
    formula = "w ← w − η·λ·w;  Adam: w ← w − η·m̂ / (√v̂ + ε)"
    hypers: tuple[str, ...] = ("beta1", "beta2", "epsilon", "weight_decay")
    decoupled_decay = True


def _scaled_step(
    params: Array,
    direction: Array,
    second: Array,
    *,
    correction: float,
    eps: float,
    lr: Rate,
    out: Array,
) -> None:
    """params −= lr · direction / (√(second / correction) + eps), in three passes over ``out``."""
    np.sqrt(second, out)
    if correction != 1.0:
        out *= 1.0 / np.sqrt(correction)
    out += eps
    np.divide(direction, out, out)
    out *= lr
    params -= out


OptimizerFactory = type[Optimizer]
OPTIMIZERS: Registry[OptimizerFactory] = Registry("optimizer")
for _name, _cls in (
    ("sgd", SGD),
    ("momentum", Momentum),
    ("nesterov", Nesterov),
    ("adagrad", AdaGrad),
    ("rmsprop", RMSProp),
    ("adam", Adam),
    ("adamw", AdamW),
):
    OPTIMIZERS.register(_name, _cls)

# Below the base class it builds on (``engine.genetic`` imports this module's Optimizer).
from engine.genetic import Genetic  # noqa: E402

OPTIMIZERS.register("genetic", Genetic)
