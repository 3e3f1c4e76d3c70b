"""The population pass compiled (numba): every member of a population over the training set,
float64, in one call (``engine.population``; the genetic trainer scores a generation with it).

A member is a whole parameter vector of one network. NumPy evaluates a population as one
matrix product and one activation pass a layer over all members at once; each pass streams
(members × units × points) values through memory, and NumPy's float64 tanh without AVX-512
costs ~8 ns a value. Here one loop takes a member and a block of points through every layer,
four units at a time (``kernels.layer_block``, the picture pass's loop with the activations
below), so a layer's inputs stay in the first-level cache and LLVM vectorises them.

Unlike the picture pass, these numbers choose which networks survive and are compared with
the engine's own forward pass: ``tanh`` is good to ~1e-15 relative (``tests`` check it against
NumPy's), and the tanh-based activations are written as ``engine.activations`` writes them.
A network with an activation that has no code here (ELU, SELU, softplus, sine) takes NumPy's
stacked pass; so does everything without numba (``kernels.AVAILABLE`` false).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from engine.activations import GELU_C, LEAKY_SLOPE
from engine.kernels import AVAILABLE, FROM_GRID, SOURCE, TARGET, UNITS, _jit, layer_block

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
BLOCK = 256  # points per block: a hidden layer of 8 units holds 16 kB of it
TO_OUTPUT = -1  # TARGET of the last layer: the member's row of ``out``, not the work block
# tanh |x| = e / (e + 2) with e = eᵘ − 1, u = 2|x|: e from the series of e^(u/64) − 1, then six
# doublings of the argument, eᵘ − 1 = e·(e + 2) with e for u/2: no cancellation near 0, and
# ~1e-15 relative over the whole line. Beyond |x| = 20, tanh is ±1 in float64.
SQUARINGS = 6
SHRINK = 2.0 / 2**SQUARINGS
LIMIT = 20.0
# 1/(j + 1)! for j = 0 … 13: e^v − 1 = v·Σ vʲ/(j + 1)!, for v ≤ 0.625 (truncated at ~1e-17)
C0, C1, C2, C3, C4, C5, C6 = (1.0, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040)
C7, C8, C9, C10 = (1 / 40320, 1 / 362880, 1 / 3628800, 1 / 39916800)
C11, C12, C13 = (1 / 479001600, 1 / 6227020800, 1 / 87178291200)
HALF = 0.5
GELU_CUBE = 0.044715


@_jit(inline="always")
def tanh_exact(x: float) -> float:
    """tanh x to ~1e-15 relative, in a form LLVM vectorises (no call, no branch)."""
    a = abs(x)
    a = LIMIT if a > LIMIT else a  # NaN compares false: it stays NaN
    v = a * SHRINK
    p = ((((((C13 * v + C12) * v + C11) * v + C10) * v + C9) * v + C8) * v + C7) * v + C6
    p = (((((p * v + C5) * v + C4) * v + C3) * v + C2) * v + C1) * v + C0
    e = p * v
    for _ in range(SQUARINGS):
        e = e * (e + 2.0)
    t: float = e / (e + 2.0)
    return t if x >= 0.0 else -t


@_jit(inline="always")
def _by_tanh(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = TANH, SIGMOID, SWISH or GELU of acc[:n], written as ``engine.activations``
    writes them."""
    if code == TANH:
        for i in range(n):
            out[i] = tanh_exact(acc[i])
    elif code == SIGMOID:  # ½(1 + tanh(z/2))
        for i in range(n):
            out[i] = HALF * (1.0 + tanh_exact(HALF * acc[i]))
    elif code == SWISH:  # z·σ(z)
        for i in range(n):
            z = acc[i]
            out[i] = z * (HALF * (1.0 + tanh_exact(HALF * z)))
    else:  # GELU: ½z(1 + tanh(√(2/π)(z + 0.044715z³)))
        for i in range(n):
            z = acc[i]
            out[i] = HALF * z * (1.0 + tanh_exact(GELU_C * (z + GELU_CUBE * z * z * z)))


@_jit(inline="always")
def _activate(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = activation ``code`` of acc[:n]."""
    if code >= TANH:
        _by_tanh(acc, out, n, code)
    elif code == RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > 0.0 else 0.0
    elif code == LEAKY_RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > 0.0 else LEAKY_SLOPE * acc[i]
    else:
        for i in range(n):
            out[i] = acc[i]


@_jit()
def population_pass(population: Array, plan: Array, x: Array, out: Array, points: int) -> None:
    """Every member of ``population`` (M, params) through the layers of ``plan`` over
    ``points`` points: ``x`` flat (inputs + 1, points), feature-major; ``out`` (M, outputs ×
    points) gets each member's last layer, feature-major, after its ``plan`` activation."""
    hidden = 0
    for layer in range(plan.shape[0] - 1):
        hidden += plan[layer, UNITS]
    work = np.empty(max(hidden, 1) * BLOCK)
    accumulators = (np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK))
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


@_jit()
def tanh_array(x: Array, out: Array) -> None:
    """out = ``tanh_exact`` of each x (flat arrays): for tests and benchmarks."""
    for i in range(x.size):
        out[i] = tanh_exact(x[i])


def warm() -> None:
    """Compile (or load from numba's cache) the pass now, not in a run's first generation."""
    if not AVAILABLE:
        return
    plan = plan_for([1, 1, 1], ["tanh"], "linear")
    assert plan is not None
    population_pass(np.ones((1, 4)), plan, np.ones(2), np.ones((1, 1)), 1)
