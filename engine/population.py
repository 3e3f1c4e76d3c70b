"""Many parameter vectors of one network evaluated at once: stacked, never one call per member.

``stacked_forward`` is the forward pass of R networks of one shape as one set of NumPy calls
(``engine.batch`` trains same-shaped runs with it; the genetic trainer scores a population).
``population_objective`` is the loss J = data loss + λ·R(w) of every member of a population
(M, params) on a data set: by the compiled population pass (``engine.population_kernel``)
where the network's activations have a compiled form, else by ``stacked_forward`` in chunks of
members. Each member's J equals what ``Trainer.objective`` gives for that member alone
(tests check both paths to 1e-12).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.activations import Activation
from engine.heads import Head
from engine.network import Network
from engine.population_kernel import plan_for, population_pass
from engine.regularizers import Regularizer

Array = np.ndarray
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


def population_objective(objective: Objective, population: Array) -> Array:
    """J of each member of ``population`` (M, params) -> (M,): its data loss on the data plus
    λ·R of its weights, without dropout. A member whose numbers overflow scores inf."""
    network, head = objective.network, objective.head
    output = "linear" if head.fused else head.output
    names = [activation.name for activation in network.activations]
    plan = plan_for(network.sizes, names, output) if population.dtype == np.float64 else None
    with np.errstate(all="ignore"):  # a diverging member scores inf or NaN: it loses
        if plan is not None:
            losses = _compiled(objective, population, plan)
        else:
            losses = _stacked(objective, population)
        if objective.rate > 0 and objective.regularizer.name != "none":
            weights = population[:, network.weight_mask]
            losses += objective.rate * objective.regularizer.penalty(weights)
    return np.where(np.isnan(losses), np.inf, losses)


def _compiled(objective: Objective, population: Array, plan: Array) -> Array:
    head, x, t = objective.head, objective.x, objective.t
    points, outputs = x.shape[1], t.shape[1]
    out = np.empty((len(population), outputs * points))
    population_pass(
        np.ascontiguousarray(population), plan, np.ascontiguousarray(x).ravel(), out, points
    )
    values = out.reshape(len(population), outputs, points).transpose(0, 2, 1)  # (M, B, outputs)
    return head.loss_values(values, values, t)


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
