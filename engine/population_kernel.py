"""The population pass compiled (numba): every member of a population over the training set,
float32, in one call (``engine.population``; the genetic trainer scores a generation with it).

A member is a whole parameter vector of one network. NumPy evaluates a population as one
matrix product and one activation pass a layer over all members at once; each pass streams
(members × units × points) values through memory, and its exact float64 tanh costs a few ns
a value. Here one loop takes a member and a block of points through every layer, four units
at a time (``kernels.layer_block``, the picture pass's loop), so a layer's inputs stay in the
first-level cache and LLVM vectorises them; a squared-error loss is summed by compiled code
too (``squared_errors``): nothing of a member leaves but its outputs and its loss.

These numbers only rank members (the user sees the best one through the engine's exact
forward pass), so they are float32 with ``kernels.tanh_approx``, a rational tanh within
1.2e-6 of tanh: a member's loss is within ``engine.population.FAST_TOLERANCE`` of the exact
one (tests check it). The tanh-based activations are written as ``engine.activations``
writes them. A network with an activation that has no code here (ELU, SELU, softplus, sine)
takes NumPy's stacked pass; so does everything without numba (``kernels.AVAILABLE`` false).
``breed`` makes a generation's children from the draws ``engine.genetic`` takes (without
numba it runs as Python: the same children, slowly).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from engine.activations import GELU_C, LEAKY_SLOPE
from engine.kernels import (
    AVAILABLE,
    FROM_GRID,
    ONE,
    SOURCE,
    TARGET,
    UNITS,
    ZERO,
    _jit,
    layer_block,
    tanh_approx,
)

Array = np.ndarray

LINEAR, RELU, LEAKY_RELU, TANH, SIGMOID, SWISH, GELU = range(7)
CODES = {
    "linear": LINEAR,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "tanh": TANH,
    "sigmoid": SIGMOID,
    "swish": SWISH,
    "gelu": GELU,
}
LANES = 16  # the pass's points come in multiples of this (a vector's floats): no scalar tail
BLOCK = 256  # points per block: a hidden layer of 8 units holds 8 kB of it
TO_OUTPUT = -1  # TARGET of the last layer: the member's row of ``out``, not the work block
# float32 constants: one float64 constant would widen the arithmetic around it to float64
HALF, GELU_CUBE = np.float32(0.5), np.float32(0.044715)
ROOT_2_OVER_PI, LEAK = np.float32(GELU_C), np.float32(LEAKY_SLOPE)


@_jit(inline="always")
def _by_tanh(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = TANH, SIGMOID, SWISH or GELU of acc[:n], written as ``engine.activations``
    writes them, by ``tanh_approx``."""
    if code == TANH:
        for i in range(n):
            out[i] = tanh_approx(acc[i])
    elif code == SIGMOID:  # ½(1 + tanh(z/2))
        for i in range(n):
            out[i] = HALF * (ONE + tanh_approx(HALF * acc[i]))
    elif code == SWISH:  # z·σ(z)
        for i in range(n):
            z = acc[i]
            out[i] = z * (HALF * (ONE + tanh_approx(HALF * z)))
    else:  # GELU: ½z(1 + tanh(√(2/π)(z + 0.044715z³)))
        for i in range(n):
            z = acc[i]
            out[i] = HALF * z * (ONE + tanh_approx(ROOT_2_OVER_PI * (z + GELU_CUBE * z * z * z)))


@_jit(inline="always")
def _activate(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = activation ``code`` of acc[:n]."""
    if code >= TANH:
        _by_tanh(acc, out, n, code)
    elif code == RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > ZERO else ZERO
    elif code == LEAKY_RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > ZERO else LEAK * acc[i]
    else:
        for i in range(n):
            out[i] = acc[i]


# 'ninf' (no inf, so a division may be a reciprocal estimate and a refining step): the
# caller gives only finite weights, and tanh_approx clamps what it divides
@_jit(fastmath_extra=("ninf",))
def population_pass(population: Array, plan: Array, x: Array, out: Array, points: int) -> None:
    """Every member of ``population`` (M, params) through the layers of ``plan`` over
    ``points`` points (a multiple of ``LANES``): ``x`` flat (inputs + 1, points),
    feature-major; ``out`` (M, outputs × points) gets each member's last layer,
    feature-major, after its ``plan`` activation. All float32; every weight finite."""
    hidden = 0
    for layer in range(plan.shape[0] - 1):
        hidden += plan[layer, UNITS]
    work = np.empty(max(hidden, 1) * BLOCK, np.float32)
    accumulators = (
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
    )
    for m in range(population.shape[0]):
        w, dest = population[m], out[m]
        for start in range(0, points, BLOCK):
            n = min(BLOCK, points - start)
            for layer in range(plan.shape[0]):
                spec = plan[layer]
                first = spec[SOURCE] == FROM_GRID
                src = x if first else work[spec[SOURCE] * BLOCK :]
                at, stride = (start, points) if first else (0, BLOCK)
                last = spec[TARGET] == TO_OUTPUT
                dst = dest if last else work[spec[TARGET] * BLOCK :]
                base, step = (start, points) if last else (0, BLOCK)
                layer_block(accumulators, w, src, spec, at, n, stride, dst, base, step, _activate)


@_jit()
def squared_errors(out: Array, t: Array, members: Array, scale: float, losses: Array) -> None:
    """losses[m] = scale · Σ (out[m] − t)² / points: ``out`` (M, outputs, padded) from
    ``population_pass``, ``t`` (outputs, points); inf for a member with a weight that is not
    finite (the pass assumes none: what it gives for such a member means nothing)."""
    points = t.shape[1]
    for m in range(out.shape[0]):
        total = 0.0  # float64
        for o in range(t.shape[0]):
            row, target = out[m, o], t[o]
            part = ZERO  # float32 in the compiled code
            for i in range(points):
                d = row[i] - target[i]
                part += d * d
            total += float(part)
        losses[m] = scale * total / points
        for w in members[m]:
            if not np.isfinite(w):
                losses[m] = np.inf


@_jit(inline="always")
def _fittest(fitness: Array, drawn: Array) -> int:
    """The member of ``drawn`` with the lowest ``fitness``, the first of equals."""
    best: int = drawn[0]
    for k in drawn[1:]:
        if fitness[k] < fitness[best]:
            best = k
    return best


@_jit()
def breed(  # noqa: PLR0917 - a compiled kernel takes flat arguments
    population: Array,
    fitness: Array,
    contenders: Array,
    crossed: Array,
    swap: Array,
    units: Array,
    sites: Array,
    noise: Array,
    children: Array,
) -> None:
    """``children`` (C, params) bred from ``population`` (M, params) by its ``fitness``
    (M,): child c's parents are the fittest of ``contenders[c, 0]`` and of
    ``contenders[c, 1]`` (C, 2, draws; the first of equals); it copies the first, and if
    ``crossed[c]`` takes unit u (``units``: the unit of each parameter) from the second where
    ``swap[c, u]``; then ``noise`` is added at ``sites``, flat indices into ``children``."""
    for c in range(children.shape[0]):
        first = population[_fittest(fitness, contenders[c, 0])]
        second, child = population[_fittest(fitness, contenders[c, 1])], children[c]
        for i in range(child.size):
            child[i] = second[i] if crossed[c] and swap[c, units[i]] else first[i]
    flat = children.reshape(-1)
    for k in range(sites.size):
        flat[sites[k]] += noise[k]


def plan_for(sizes: Sequence[int], activations: Sequence[str], output: str) -> Array | None:
    """The pass's plan for a network (layer sizes, hidden activations by name, the code of its
    last layer: ``output``, or "linear" for z), or None where an activation has no code here:
    per layer its parameters' offset in the flat vector, units, fan-in, the work rows it reads
    and writes, its activation's code."""
    names = [*activations, output]
    if not AVAILABLE or any(name not in CODES for name in names):
        return None
    rows, offset, row = [], 0, 0
    for k, (fan_in, units) in enumerate(itertools.pairwise(sizes)):
        source = FROM_GRID if k == 0 else row - fan_in
        target = TO_OUTPUT if k == len(sizes) - 2 else row
        rows.append((offset, units, fan_in, source, target, CODES[names[k]]))
        offset += (fan_in + 1) * units
        row += units if target != TO_OUTPUT else 0
    return np.array(rows, np.int64)


def warm() -> None:
    """Compile (or load from numba's cache) the pass now, not in a run's first generation."""
    if not AVAILABLE:
        return
    plan = plan_for([1, 1, 1], ["tanh"], "linear")
    assert plan is not None
    members, out = np.ones((1, 4), np.float32), np.ones((1, 1, LANES), np.float32)
    population_pass(members, plan, np.ones(2 * LANES, np.float32), out[:, 0], LANES)
    squared_errors(out, np.ones((1, 1), np.float32), members, 0.5, np.empty(1))
