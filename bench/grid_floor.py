"""How fast any float32 picture pass can be on this CPU, beside PyTorch's grid forward.

`bench/engine.py`'s grid_vs_torch asks the picture pass (every neuron of the [8]×6 tanh net
over the 100×100 grid) to be 8× PyTorch's forward of the same grid. This bench measures, in
the same run and beside the same PyTorch, two passes that do less than a picture needs, so
that no float32 picture pass can be faster than they are, and beside them the same unrolled
pass with a tanh after each hidden layer, to show what the activations cost:

- **products only**: every unit's weighted sum over the grid and nothing else (no activation,
  not even a clamp), each layer's multiply-adds for a vector of points kept in registers (the
  layer's code unrolled for its shape): the picture pass without its activations;
- **peak rate**: the net's 344 multiply-adds a point, at the fastest rate this CPU does fused
  multiply-adds (independent chains in registers, no memory): a bound no code can beat;
- **unrolled + tanh**: products only, then each hidden unit's tanh: the engine's
  (``kernels.tanh_approx``, within 2e-6) or the cheapest rational within 5e-5 (``tanh_22``:
  degree 2 over 2 in x², clamped at ±5), the least a picture's 31 shades could do with.

Run: .venv/bin/python bench/grid_floor.py   (needs torch==2.13.0, as bench/engine.py)
Measures this CPU, then the AVX2 path in a subprocess (bench/engine.py's environment). Prints
a table, then `RESULT ours_vs_torch=… unrolled_tanh_vs_torch=… unrolled_tanh22_vs_torch=…
products_vs_torch=… peak_vs_torch=… …_avx2=…`, each
PyTorch's time divided by the pass's (higher is better).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cpu_paths import avx2_env, measure_in_child
from bench.engine import PLAYGROUND_NET, bench_grid, median_time
from engine.kernels import BLOCK, tanh_approx

SIZES = [2, *PLAYGROUND_NET, 1]
POINTS = 100 * 100
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}


CLAMP_22 = np.float32(5.0)


@numba.njit(fastmath=FAST, inline="always")
def tanh_22(x: np.float32) -> np.float32:
    """tanh within 4.8e-5 (fitted as ``kernels.tanh_approx``, a degree lower)."""
    x = CLAMP_22 if x > CLAMP_22 else x
    x = -CLAMP_22 if x < -CLAMP_22 else x
    s = x * x
    p = (np.float32(6.54935319e-4) * s + np.float32(0.101722728)) * s + np.float32(0.999810123)
    q = (np.float32(0.01263907) * s + np.float32(0.43450358)) * s + np.float32(1.0)
    return x * p / q


def layer_source(index: int, fan_in: int, units: int, activation: str = "") -> str:
    """A function for one layer's products over a block of points: its weights read into
    locals once, then for each point every unit's sum of ``fan_in`` products, unrolled, through
    ``activation`` (a function's name; "": none)."""
    weights = ", ".join(f"w{k}_{j}" for k in range(fan_in + 1) for j in range(units))
    reads = ", ".join(f"w[o + {k * units + j}]" for k in range(fan_in + 1) for j in range(units))
    lines = [f"def layer{index}(w, o, src, s_row, dst, d_row, at, n, stride):"]
    lines.append(f"    {weights} = {reads}")
    lines += [f"    s{k} = src[(s_row + {k}) * stride + at:][:n]" for k in range(fan_in)]
    lines += [f"    d{j} = dst[(d_row + {j}) * stride + at:][:n]" for j in range(units)]
    lines.append("    for i in range(n):")
    lines += [f"        x{k} = s{k}[i]" for k in range(fan_in)]
    for j in range(units):
        terms = " + ".join(f"w{k}_{j} * x{k}" for k in range(fan_in))
        lines.append(f"        d{j}[i] = {activation}(w{fan_in}_{j} + {terms})")
    return "\n".join(lines)


def unrolled_pass(activation: str = "") -> Any:
    """The compiled pass (weights, grid (2, points), out (Σ units, points)): every layer
    unrolled, the hidden ones through ``activation`` (a name in ``ACTIVATIONS``; "": none)."""
    shapes = list(itertools.pairwise(SIZES))
    last = len(shapes) - 1
    parts = [layer_source(i, k, u, activation * (i < last)) for i, (k, u) in enumerate(shapes)]
    calls, offset, row = [], 0, 0
    for i, (k, u) in enumerate(shapes):
        src, s_row = ("grid", 0) if i == 0 else ("out", row - k)
        calls.append(f"        layer{i}(w, {offset}, {src}, {s_row}, out, {row}, at, n, points)")
        offset, row = offset + (k + 1) * u, row + u
    parts.append(
        "def products(w, grid, out, points):\n"
        f"    for at in range(0, points, {BLOCK}):\n"
        f"        n = min({BLOCK}, points - at)\n" + "\n".join(calls)
    )
    scope: dict[str, Any] = dict(ACTIVATIONS)
    for part in parts:  # each compiled, the later ones calling the earlier by name
        exec(part, scope)  # our own generated source, nothing from outside
        name = part.split("(", 1)[0].removeprefix("def ")
        scope[name] = numba.njit(fastmath=FAST, error_model="numpy")(scope[name])
    return scope["products"]


ACTIVATIONS = {"tanh_approx": tanh_approx, "tanh_22": tanh_22}


@numba.njit(fastmath=FAST, error_model="numpy")
def fma_chains(a: np.ndarray, out: np.ndarray, reps: int) -> None:
    """8 dependent multiply-adds on each of ``a``'s values: the values are independent, so
    the CPU runs as many chains at once as it can."""
    for _ in range(reps):
        for i in range(a.size):
            x = a[i]
            y = x * np.float32(0.999) + np.float32(0.5)
            y = y * x + np.float32(0.25)
            y = y * x + np.float32(0.125)
            y = y * x + np.float32(0.0625)
            y = y * x + np.float32(0.03125)
            y = y * x + np.float32(0.015625)
            y = y * x + np.float32(0.0078125)
            y = y * x + np.float32(0.00390625)
            out[i] = y


def peak_rate(repeats: int) -> float:
    """Fused multiply-adds a second at this CPU's fastest (one core, in registers)."""
    a = np.random.default_rng(0).random(1024, dtype=np.float32)
    out = np.empty_like(a)
    reps = 2000
    seconds = median_time(lambda: fma_chains(a, out, reps), repeats)
    return a.size * reps * 8 / seconds


def measure(quick: bool) -> dict[str, float]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    repeats = 15 if quick else 45
    grid = bench_grid(torch, repeats)
    rng = np.random.default_rng(0)
    weights = rng.standard_normal(sum((k + 1) * u for k, u in itertools.pairwise(SIZES))) * 0.3
    w = weights.astype(np.float32)
    inputs = rng.uniform(-6, 6, (2, POINTS)).astype(np.float32).reshape(-1)
    out = np.empty(sum(SIZES[1:]) * POINTS, np.float32)
    times = {"torch": grid["torch"], "ours": grid["ours"]}
    for name in ("", *ACTIVATIONS):
        run = functools.partial(unrolled_pass(name), w, inputs, out, POINTS)
        times[name or "products"] = median_time(run, repeats)
    mads = POINTS * sum(k * u for k, u in itertools.pairwise(SIZES))
    return {**times, "peak": mads / peak_rate(repeats)}


NAMES = {  # a row each: its label, and its RESULT key before _vs_torch
    "ours": ("the picture pass (bench/engine.py's grid)", "ours"),
    "tanh_approx": ("unrolled + the engine's tanh (2e-6)", "unrolled_tanh"),
    "tanh_22": ("unrolled + the cheapest tanh (5e-5)", "unrolled_tanh22"),
    "products": ("products only: no activation", "products"),
    "peak": ("peak rate: the multiply-adds alone", "peak"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke run")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.quick)))
        return
    native = measure_in_child(args.quick, {}, __file__)
    avx2 = measure_in_child(args.quick, avx2_env(), __file__)
    print(f"{'pass over the 100×100 grid, [8]×6 net':<46} {'ms':>8} {'torch ms':>9}  torch ÷ pass")
    result: dict[str, float] = {}
    for title, m, suffix in (("this CPU", native, ""), ("without AVX-512", avx2, "_avx2")):
        print(f"-- {title}")
        for name, (label, key) in NAMES.items():
            ratio = m["torch"] / m[name]
            print(f"{label:<46} {m[name] * 1e3:>8.4f} {m['torch'] * 1e3:>9.3f}  {ratio:.1f}×")
            result[f"{key}_vs_torch{suffix}"] = ratio
    print("RESULT " + " ".join(f"{k}={v:.2f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
