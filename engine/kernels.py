"""The picture pass compiled (numba): the whole network over the grid, a few hundred points at a
time, so every layer's inputs stay in the CPU's first-level cache.

A frame's pictures evaluate every neuron of the network over ~10⁴ grid points. NumPy does a
layer as one matrix product and one or more element-wise passes; on these skinny products
(8 × 9 by 9 × 10⁴) each pass streams the whole layer through memory, and without AVX-512 its
tanh alone is ~200 µs a layer. Here one loop does the product, the bias and the activation
for a block of points, four units at a time, vectorised by LLVM for the CPU it runs on
(AVX-512, AVX2 or SSE).

tanh-like activations are evaluated by ``tanh_approx``, a rational function good to ~1e-6,
whatever the CPU; a picture needs far less (31 shades). A network with an activation that
has no compiled form (``engine.shading.COMPILED``: not ELU, SELU, softplus or sine) takes
NumPy's pass (``engine.network``); without numba (``AVAILABLE`` false) every network does.
numba caches the compiled code on disk (``__pycache__``): the first process on a machine
compiles it (2-5 s here), later ones load it (~0.4 s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from engine.activations import GELU_C, LEAKY_SLOPE

Array = np.ndarray

LINEAR, RELU, LEAKY_RELU, TANH, SWISH, GELU = range(6)  # piecewise linear, then by tanh
BLOCK = 512  # points per block: a layer's 8 input rows of a block take 16 kB
# A plan's columns: one row a layer (built by ``engine.network``)
W_OFFSET, UNITS, FAN_IN, SOURCE, TARGET, ACTIVATION = range(6)
FROM_GRID = -1  # SOURCE of the first layer: the grid, not an earlier layer

try:
    import numba
except ImportError:  # numba is a dependency; this is for an install without it
    numba = None  # type: ignore[assignment]

AVAILABLE = numba is not None

# tanh x ≈ x·P(x²)/Q(x²) on |x| ≤ 7, ±0.99999940 beyond: P and Q of degree 3, fitted by
# reweighted least squares on [0, 7] to within 1.2e-6 of tanh in float32 (tests check it).
P0, P1, P2, P3 = (np.float32(c) for c in (0.99999569, 0.12302201, 2.2770052e-3, 3.9300912e-6))
Q1, Q2, Q3 = (np.float32(c) for c in (0.45634050, 2.1072255e-2, 1.4235263e-4))
CLAMP = np.float32(7.0)
ONE, ZERO = np.float32(1.0), np.float32(0.0)
LEAK = np.float32(LEAKY_SLOPE)
GELU_K = np.float32(0.044715 / GELU_C**2)


F = TypeVar("F", bound=Callable[..., Any])


def _jit(fastmath_extra: tuple[str, ...] = (), **options: Any) -> Callable[[F], F]:
    """numba's njit, as the pass needs it; without numba, the function as it is (unused).
    ``fastmath_extra``: more of LLVM's fast-math flags for this function."""
    if numba is None:
        return lambda f: f
    # No 'nnan'/'ninf': a diverging network's inf and NaN stay what they are.
    flags = {"nsz", "arcp", "contract", "afn", "reassoc", *fastmath_extra}
    return numba.njit(  # type: ignore[no-any-return]
        fastmath=flags, error_model="numpy", cache=True, nogil=True, **options
    )


@_jit(inline="always")
def tanh_approx(x: np.float32) -> np.float32:
    x = CLAMP if x > CLAMP else x  # NaN stays NaN: a broken network's picture shows it
    x = -CLAMP if x < -CLAMP else x
    x2 = x * x
    p = ((P3 * x2 + P2) * x2 + P1) * x2 + P0
    q = ((Q3 * x2 + Q2) * x2 + Q1) * x2 + ONE
    return x * p / q


@_jit(inline="always")
def _accumulate4(  # noqa: PLR0917 - a compiled kernel takes flat arguments
    a0: Array,
    a1: Array,
    a2: Array,
    a3: Array,
    w: Array,
    src: Array,
    spec: Array,
    j: int,
    start: int,
    n: int,
    rows: int,
) -> None:
    """a_u[:n] = bias + Σ_k w[k, j + u] · src[k, start : start + n] for units j … j + 3
    (src holds ``rows`` points a row): each input row is read once for four units, two rows
    a loop."""
    offset, units, fan_in = spec[W_OFFSET], spec[UNITS], spec[FAN_IN]
    b = offset + fan_in * units + j
    b0, b1, b2, b3 = w[b], w[b + 1], w[b + 2], w[b + 3]
    for i in range(n):
        a0[i], a1[i], a2[i], a3[i] = b0, b1, b2, b3
    pairs = fan_in - fan_in % 2
    for k in range(0, pairs, 2):
        o = offset + k * units + j
        w00, w01, w02, w03 = w[o], w[o + 1], w[o + 2], w[o + 3]
        o += units
        w10, w11, w12, w13 = w[o], w[o + 1], w[o + 2], w[o + 3]
        at = k * rows + start
        x0 = src[at : at + n]
        x1 = src[at + rows : at + rows + n]
        for i in range(n):
            v0, v1 = x0[i], x1[i]
            a0[i] += w00 * v0 + w10 * v1
            a1[i] += w01 * v0 + w11 * v1
            a2[i] += w02 * v0 + w12 * v1
            a3[i] += w03 * v0 + w13 * v1
    for k in range(pairs, fan_in):
        o = offset + k * units + j
        w0, w1, w2, w3 = w[o], w[o + 1], w[o + 2], w[o + 3]
        at = k * rows + start
        x = src[at : at + n]
        for i in range(n):
            v = x[i]
            a0[i] += w0 * v
            a1[i] += w1 * v
            a2[i] += w2 * v
            a3[i] += w3 * v


@_jit(inline="always")
def _accumulate1(  # noqa: PLR0917
    a: Array, w: Array, src: Array, spec: Array, j: int, start: int, n: int, rows: int
) -> None:
    """a[:n] = bias + Σ_k w[k, j] · src[k, start : start + n], for one unit."""
    offset, units, fan_in = spec[W_OFFSET], spec[UNITS], spec[FAN_IN]
    bias = w[offset + fan_in * units + j]
    for i in range(n):
        a[i] = bias
    for k in range(fan_in):
        wk = w[offset + k * units + j]
        at = k * rows + start
        x = src[at : at + n]
        for i in range(n):
            a[i] += wk * x[i]


@_jit(inline="always")
def _piecewise(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = core(acc[:n]) for LINEAR, RELU and LEAKY_RELU."""
    if code == RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > ZERO else ZERO
    elif code == LEAKY_RELU:
        for i in range(n):
            out[i] = acc[i] if acc[i] > LEAK * acc[i] else LEAK * acc[i]
    else:
        for i in range(n):
            out[i] = acc[i]


@_jit(inline="always")
def _by_tanh(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = core(acc[:n]) for TANH, SWISH (u(1 + tanh u)) and GELU
    (u(1 + tanh(u(1 + K·u²)))), the tanh-based cores of ``engine.shading``."""
    if code == TANH:
        for i in range(n):
            out[i] = tanh_approx(acc[i])
    elif code == SWISH:
        for i in range(n):
            out[i] = acc[i] * (ONE + tanh_approx(acc[i]))
    else:
        for i in range(n):
            u = acc[i]
            out[i] = u * (ONE + tanh_approx(u * (ONE + GELU_K * u * u)))


@_jit(inline="always")
def _activate(acc: Array, out: Array, n: int, code: int) -> None:
    """out[:n] = the core of activation ``code`` of acc[:n] (``engine.shading``'s forms)."""
    if code < TANH:
        _piecewise(acc, out, n, code)
    else:
        _by_tanh(acc, out, n, code)


@_jit(inline="always")
def layer_block(  # noqa: PLR0917
    accumulators: tuple[Array, Array, Array, Array],
    w: Array,
    src: Array,
    spec: Array,
    at: int,
    n: int,
    stride: int,
    dst: Array,
    base: int,
    step: int,
    activate: Callable[[Array, Array, int, int], None],
) -> None:
    """Layer ``spec`` for a block of ``n`` points: each unit's weighted sum of ``src`` (its
    input rows ``stride`` apart, from ``at``) through ``activate(sum, out, n, code)`` into
    ``dst`` (a row a unit, ``step`` apart, from ``base``), four units at a time."""
    a0, a1, a2, a3 = accumulators
    units, code = spec[UNITS], spec[ACTIVATION]
    fours = units - units % 4
    for j in range(0, fours, 4):
        _accumulate4(a0, a1, a2, a3, w, src, spec, j, at, n, stride)
        row = base + j * step
        activate(a0, dst[row : row + n], n, code)
        activate(a1, dst[row + step : row + step + n], n, code)
        activate(a2, dst[row + 2 * step : row + 2 * step + n], n, code)
        activate(a3, dst[row + 3 * step : row + 3 * step + n], n, code)
    for j in range(fours, units):
        _accumulate1(a0, w, src, spec, j, at, n, stride)
        row = base + j * step
        activate(a0, dst[row : row + n], n, code)


@_jit()
def picture_pass(  # noqa: PLR0917
    w: Array, plan: Array, grid: Array, out: Array, points: int, first: int, last: int
) -> None:
    """Every layer of ``plan`` over points ``first`` to ``last`` (of ``points``): ``grid``
    (flat (inputs + 1, points), feature-major) in, ``out`` (flat (Σ units, points)) filled
    there with each layer's core output, row after row, the last layer's z at the end.
    ``w``: the folded float32 parameters."""
    accumulators = (
        np.empty(BLOCK, out.dtype),
        np.empty(BLOCK, out.dtype),
        np.empty(BLOCK, out.dtype),
        np.empty(BLOCK, out.dtype),
    )
    for start in range(first, last, BLOCK):
        n = min(BLOCK, last - start)
        for layer in range(plan.shape[0]):
            spec = plan[layer]
            src = grid if spec[SOURCE] == FROM_GRID else out[spec[SOURCE] * points :]
            base = spec[TARGET] * points + start
            layer_block(accumulators, w, src, spec, start, n, points, out, base, points, _activate)


def warm() -> None:
    """Compile (or load from numba's cache) the pass now, not on a run's first frame."""
    if not AVAILABLE:
        return
    plan = np.array([[0, 1, 1, FROM_GRID, 0, TANH]], np.int64)
    one = np.ones(1, np.float32)
    picture_pass(np.ones(2, np.float32), plan, np.ones(2, np.float32), one, 1, 0, 1)
