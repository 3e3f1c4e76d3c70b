"""The population pass compiled (numba): every member of a population over the training set,
float32, in one call (``engine.population``; the genetic trainer scores a generation with it).

A member is a whole parameter vector of one network. NumPy evaluates a population as one
matrix product and one activation pass a layer over all members at once; each pass streams
(members × units × points) values through memory, and its exact float64 tanh costs a few ns
a value. Here one loop takes a member and a block of points through every layer, four units
at a time (``kernels.layer_block``, the picture pass's loop), so a layer's inputs stay in the
first-level cache and LLVM vectorises them; a squared-error loss is summed as each member
is evaluated (``squared_errors``): nothing of a member leaves but its loss.

These numbers only rank members (the user sees the best one through the engine's exact
forward pass), so they are float32 with ``kernels.tanh_approx``, a rational tanh within
1.2e-6 of tanh: a member's loss is within ``engine.population.FAST_TOLERANCE`` of the exact
one (tests check it). The tanh-based activations are written as ``engine.activations``
writes them. A network with an activation that has no code here (ELU, SELU, softplus, sine)
takes NumPy's stacked pass; so does everything without numba (``kernels.AVAILABLE`` false).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from engine.activations import GELU_C, LEAKY_SLOPE
from engine.kernels import (
    AVAILABLE,
    FAN_IN,
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


@_jit(inline="always")
def _room(plan: Array) -> tuple[Array, tuple[Array, Array, Array, Array]]:
    """The pass's work rows (every hidden layer of a block) and its four accumulators."""
    hidden = 0
    for layer in range(plan.shape[0] - 1):
        hidden += plan[layer, UNITS]
    accumulators = (
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
        np.empty(BLOCK, np.float32),
    )
    return np.empty(max(hidden, 1) * BLOCK, np.float32), accumulators


@_jit(inline="always")
def _member_pass(  # noqa: PLR0917
    w: Array,
    plan: Array,
    x: Array,
    dest: Array,
    points: int,
    work: Array,
    accumulators: tuple[Array, Array, Array, Array],
) -> None:
    """One member ``w`` through the layers of ``plan`` into ``dest`` (outputs × points)."""
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


# 'ninf' (no inf, so a division may be a reciprocal estimate and a refining step): the
# caller gives only finite weights, and tanh_approx clamps what it divides
@_jit(fastmath_extra=("ninf",))
def population_pass(population: Array, plan: Array, x: Array, out: Array, points: int) -> None:
    """Every member of ``population`` (M, params) through the layers of ``plan`` over
    ``points`` points (a multiple of ``LANES``): ``x`` flat (inputs + 1, points),
    feature-major; ``out`` (M, outputs × points) gets each member's last layer,
    feature-major, after its ``plan`` activation. All float32; every weight finite."""
    work, accumulators = _room(plan)
    for m in range(population.shape[0]):
        _member_pass(population[m], plan, x, out[m], points, work, accumulators)


@_jit(fastmath_extra=("ninf",))
def squared_errors(  # noqa: PLR0917
    population: Array, plan: Array, x: Array, t: Array, scale: float, losses: Array
) -> None:
    """losses[m] = scale · Σ (out − t)² / points, ``out`` member m's outputs by the pass over
    ``x`` (flat (inputs + 1, padded)), ``t`` (outputs, points): each member's outputs stay in
    the first-level cache, only its loss leaves. For finite weights (``mark_overflowed``
    gives the others inf)."""
    outputs, points = t.shape
    padded = x.size // (plan[0, FAN_IN] + 1)
    work, accumulators = _room(plan)
    out = np.empty(outputs * padded, np.float32)
    for m in range(population.shape[0]):
        _member_pass(population[m], plan, x, out, padded, work, accumulators)
        total = 0.0  # float64
        for o in range(outputs):
            row, target = out[o * padded : o * padded + points], t[o]
            part = ZERO  # float32 in the compiled code
            for i in range(points):
                d = row[i] - target[i]
                part += d * d
            total += float(part)
        losses[m] = scale * total / points


@_jit()
def mark_overflowed(members: Array, losses: Array) -> None:
    """inf for a member with a weight that is not finite (the pass assumes none: what it
    gives for such a member means nothing) and for a loss that is NaN."""
    for m in range(members.shape[0]):
        if np.isnan(losses[m]):
            losses[m] = np.inf
        for w in members[m]:
            if not np.isfinite(w):
                losses[m] = np.inf


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
    members, out = np.ones((1, 4), np.float32), np.ones((1, LANES), np.float32)
    x, losses = np.ones(2 * LANES, np.float32), np.empty(1)
    population_pass(members, plan, x, out, LANES)
    squared_errors(members, plan, x, np.ones((1, LANES), np.float32), 0.5, losses)
    mark_overflowed(members, losses)
