"""Many parameter vectors of one network evaluated at once: stacked, never one call per member.

``stacked_forward`` is the forward pass of R networks of one shape as one set of NumPy calls
(``engine.batch`` trains same-shaped runs with it; the genetic trainer scores a population).
``population_objective`` is the loss J = data loss + λ·R(w) of every member of a population
(M, params) on a data set: by the compiled population pass (``engine.population_kernel``)
where the network's activations have a compiled form, else by ``stacked_forward`` in chunks of
members. The compiled pass is float32 with a rational tanh (``kernels.tanh_approx``): a
fitness only ranks members, and the user sees the best member through the engine's exact
forward pass. Each member's J is within ``FAST_TOLERANCE`` (relative) of what
``Trainer.objective`` gives for that member alone; NumPy's stacked pass, to 1e-12.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.activations import Activation
from engine.heads import Head
from engine.network import Network
from engine.population_kernel import (
    LANES,
    mark_overflowed,
    plan_for,
    population_pass,
    squared_errors,
)
from engine.regularizers import Regularizer

Array = np.ndarray
FAST_TOLERANCE = 1e-4  # the compiled pass's losses, relative to the exact ones (tests check)
SQUARED_ERRORS = {"half_mse": 0.5, "mse": 1.0}  # losses the compiled pass sums itself: scale
CHUNK_BYTES = 16 * 2**20  # NumPy's pass: the work arrays of one chunk of members


def stacked_forward(
    layers_t: Sequence[Array], activations: Sequence[Activation], x: Array
) -> tuple[list[Array], list[Array], Array]:
    """R networks of one shape at once. ``layers_t[k]`` (R, fan_out, fan_in + 1) is layer k of
    each, transposed; ``x`` (R, features + 1, B), or (features + 1, B) shared by all,
    feature-major with a last row of ones. Returns what entered each layer (R, fan_in + 1, B),
    each hidden layer's z (R, units, B) and the output z (R, B, outputs)."""
    count, dtype = len(layers_t[0]), layers_t[0].dtype
    inputs, pre = [x], []
    for w, activation in zip(layers_t, activations, strict=False):
        z = np.matmul(w, inputs[-1])
        fed = np.ones((count, z.shape[1] + 1, z.shape[2]), dtype)
        activation.forward(z, fed[:, :-1])
        pre.append(z)
        inputs.append(fed)
    out = np.matmul(layers_t[-1], inputs[-1]).transpose(0, 2, 1)
    return inputs, pre, out


@dataclass(frozen=True)
class Objective:
    """What a member is scored on: the network's shape, its head, the data (``x`` augmented,
    feature-major (features + 1, B); ``t`` (B, outputs)) and the weight penalty."""

    network: Network
    head: Head
    x: Array
    t: Array
    regularizer: Regularizer
    rate: float

    def made_of(self, parts: tuple[object, ...]) -> bool:
        """Whether ``parts`` (the fields, in order) are the objects this is made of (so what
        is cached here holds)."""
        return all(map(operator.is_, parts, (getattr(self, name) for name in OBJECTIVE_FIELDS)))

    @cached_property
    def plan(self) -> Array | None:
        """The compiled pass's plan for the network and head, or None: NumPy's pass."""
        output = "linear" if self.head.fused else self.head.output
        names = [activation.name for activation in self.network.activations]
        return plan_for(self.network.sizes, names, output)

    @cached_property
    def data32(self) -> tuple[Array, Array]:
        """The compiled pass's data: x in float32, padded with zeros to whole vectors
        (features + 1, padded), and t in float32, output-major (outputs, B)."""
        points = self.x.shape[1]
        x32 = np.zeros((len(self.x), -(-points // LANES) * LANES), np.float32)
        x32[:, :points] = self.x
        return x32, np.ascontiguousarray(self.t.T, np.float32)

    @cached_property
    def compiled(self) -> tuple[Array, Array, Array, float] | None:
        """Where the compiled pass gives J whole (a squared error, no weight penalty): its
        plan, x and t in float32 (``data32``) and the loss's scale; else None."""
        scale = None if self.head.fused else SQUARED_ERRORS.get(self.head.loss.name)
        if self.plan is None or scale is None or self.penalised:
            return None
        return (self.plan, *self.data32, scale)

    @property
    def penalised(self) -> bool:
        return self.rate > 0 and self.regularizer.name != "none"


OBJECTIVE_FIELDS = ("network", "head", "x", "t", "regularizer", "rate")


def population_objective(objective: Objective, population: Array) -> Array:
    """J of each member of ``population`` (M, params) -> (M,): its data loss on the data plus
    λ·R of its weights, without dropout. A member whose numbers overflow scores inf. By the
    compiled pass, the data loss is float32 (within ``FAST_TOLERANCE`` of the engine's)."""
    network, plan = objective.network, objective.plan
    with np.errstate(all="ignore"):  # a diverging member scores inf or NaN: it loses
        if plan is not None:
            losses = _compiled(objective, population, plan)
        else:
            losses = _stacked(objective, population)
        if objective.penalised:
            weights = population[:, network.weight_mask]
            losses += objective.rate * objective.regularizer.penalty(weights)
    return np.where(np.isnan(losses), np.inf, losses)


def _compiled(objective: Objective, population: Array, plan: Array) -> Array:
    """The data loss of each member by the float32 pass, over the points padded with zeros
    to whole vectors (the padding's outputs are left out of the loss); a squared error's
    mean in the same compiled code, any other loss by the head."""
    head, (x32, t32) = objective.head, objective.data32
    (outputs, points), padded = t32.shape, x32.shape[1]
    members = population.astype(np.float32)
    losses = np.empty(len(members))
    scale = None if head.fused else SQUARED_ERRORS.get(head.loss.name)
    if scale is not None:
        squared_errors(members, plan, x32.ravel(), t32, scale, losses)
    else:
        out = np.empty((len(members), outputs, padded), np.float32)
        population_pass(members, plan, x32.ravel(), out.reshape(len(members), -1), padded)
        values = out[:, :, :points].transpose(0, 2, 1)  # (M, B, outputs)
        losses[:] = head.loss_values(values, values, t32.T)
    mark_overflowed(members, losses)  # the pass assumes no inf
    return losses


def _stacked(objective: Objective, population: Array) -> Array:
    network, head, x, t = objective.network, objective.head, objective.x, objective.t
    per_member = 2 * x.shape[1] * sum(n + 1 for n in network.sizes) * population.itemsize
    chunk = max(1, CHUNK_BYTES // per_member)
    losses = np.empty(len(population), population.dtype)
    for start in range(0, len(population), chunk):
        members = population[start : start + chunk]
        layers_t = [layer.transpose(0, 2, 1) for layer in network.views(members)]
        z = stacked_forward(layers_t, network.activations, x.astype(members.dtype))[2]
        a = None if head.fused else head.activate(z)
        losses[start : start + len(members)] = head.loss_values(z, a, t)
    return losses
