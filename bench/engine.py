"""Engine speed against PyTorch 2.13 CPU eager (1 thread) and scikit-learn, same nets and data.

Run: .venv/bin/python bench/engine.py   (needs `pip install torch==2.13.0 scikit-learn`)
Measures twice: as this CPU runs, then in a subprocess as a CPU without AVX-512 would (many
classroom servers and laptops): NumPy with its AVX-512 loops disabled
(NPY_DISABLE_CPU_FEATURES), numba compiling for Haswell without AVX-512 (the picture pass),
OpenBLAS on its Haswell (AVX2) kernels, PyTorch and MKL on AVX2.
On a CPU without AVX-512 both are the same path. Prints a table, then
`RESULT step_vs_torch=… grid_vs_torch=… scripted_vs_torch=… step_vs_torch_avx2=… …`, each
PyTorch's time divided by ours (higher is better).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cpu_paths import avx2_env, measure_in_child, path_name
from engine import ExperimentConfig, Trainer
from engine.features import feature_matrix
from engine.frames import grid_points

PLAYGROUND_NET = [8] * 6


def median_time(run: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``repeats`` calls, after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- 1. SGD steps: 2 inputs, [8]×6 tanh, batch 10, 500 training points --------------------


def playground_trainer() -> Trainer:
    return Trainer(
        ExperimentConfig.model_validate(
            {
                "seed": 0,
                "data": {"dataset": "circle", "n_samples": 1000, "train_ratio": 0.5},
                "network": {"hidden": PLAYGROUND_NET},
                "training": {"learning_rate": 0.03, "batch_size": 10},
            }
        )
    )


def torch_mlp(torch: object, sizes: list[int], activation: str, head: str | None) -> object:
    nn = torch.nn  # type: ignore[attr-defined]
    act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    layers: list[object] = []
    for k, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(act())
    if head == "tanh":
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def bench_steps(torch: object, epochs: int, repeats: int) -> dict[str, float]:
    ours = playground_trainer()
    x, t = ours.data.train_x, ours.data.train_t
    steps = epochs * len(t) // 10

    def our_epochs() -> None:  # as the server drives a run: epoch after epoch
        for _ in range(epochs):
            ours.train_epoch()

    our_time = median_time(our_epochs, repeats) / steps

    model = torch_mlp(torch, [2, *PLAYGROUND_NET, 1], "tanh", "tanh")
    opt = torch.optim.SGD(model.parameters(), lr=0.03)  # type: ignore[attr-defined]
    xt, tt = torch.tensor(x, dtype=torch.float32), torch.tensor(t, dtype=torch.float32)  # type: ignore[attr-defined]

    def torch_epochs() -> None:
        for _ in range(epochs):
            order = torch.randperm(len(xt))  # type: ignore[attr-defined]
            for i in range(0, len(xt), 10):
                batch = order[i : i + 10]
                opt.zero_grad()
                loss = 0.5 * ((model(xt[batch]) - tt[batch]) ** 2).mean()  # type: ignore[operator]
                loss.backward()
                opt.step()

    torch_time = median_time(torch_epochs, repeats) / steps
    sk_time = bench_sklearn_steps(x, t, epochs, repeats) / steps
    return {"ours": our_time, "torch": torch_time, "sklearn": sk_time}


def bench_sklearn_steps(x: np.ndarray, t: np.ndarray, epochs: int, repeats: int) -> float:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    def fit() -> None:
        model = MLPRegressor(
            hidden_layer_sizes=tuple(PLAYGROUND_NET),
            activation="tanh",
            solver="sgd",
            batch_size=10,
            learning_rate_init=0.03,
            momentum=0.0,
            max_iter=epochs,
            n_iter_no_change=10**6,
            tol=0.0,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, t[:, 0])

    return median_time(fit, repeats)


# -- 2. Every neuron over the 100×100 grid, same net ------------------------------------


def bench_grid(torch: object, repeats: int) -> dict[str, float]:
    """The pass that records every neuron over the grid (as PyTorch's below: the frame's
    float32 picture pass), and beside it the whole frame: that pass plus the output's head,
    quantising and the weights."""
    ours = playground_trainer()
    ours.frame(resolution=100)  # builds and caches the grid's inputs
    grid_inputs = next(iter(ours._grids.values()))
    forward = median_time(lambda: ours.network.forward_picture(grid_inputs), repeats)
    frame = median_time(lambda: ours.frame(resolution=100), repeats)
    model = torch_mlp(torch, [2, *PLAYGROUND_NET, 1], "tanh", "tanh")
    points = feature_matrix(grid_points(100), ["x1", "x2"])
    grid = torch.tensor(points, dtype=torch.float32)  # type: ignore[attr-defined]

    def torch_grid() -> None:
        with torch.no_grad():  # type: ignore[attr-defined]
            h, outputs = grid, []
            for layer in model:  # type: ignore[attr-defined]
                h = layer(h)
                outputs.append(h)

    return {"ours": forward, "frame": frame, "torch": median_time(torch_grid, repeats)}


# -- 3. A scripted run: 20,000 × 10 features, [64, 64, 64] ReLU, 5-class softmax, Adam 64 ----


def scripted_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(20_000, 10))
    w = rng.normal(size=(10, 5))
    return x, np.argmax(np.tanh(x @ w) + 0.3 * rng.normal(size=(20_000, 5)), axis=1)


def bench_scripted(torch: object, epochs: int) -> dict[str, float]:
    from engine.activations import ACTIVATIONS
    from engine.heads import Head
    from engine.initializers import he
    from engine.network import Network, init_network
    from engine.optimizers import Adam, Hyper

    rng = np.random.default_rng(0)
    x, labels = scripted_data(rng)
    head = Head.build("multiclass", "softmax", "cross_entropy", 5)
    t = head.targets(labels.astype(float)).astype(np.float32)
    # training.precision = "float32", as PyTorch trains
    net = Network([10, 64, 64, 64, 5], [ACTIVATIONS["relu"]] * 3, [0.0] * 3, np.float32)
    init_network(net, he, rng)
    adam = Adam(net.params.size, Hyper(), np.float32)
    x_aug = net.augment(x.astype(np.float32))

    def our_epoch() -> None:
        order = rng.permutation(len(x))
        shuffled_x, shuffled_t = x_aug[:, order], t[order]
        for i in range(0, len(x), 64):
            batch = slice(i, i + 64)
            trace = net.forward(shuffled_x[:, batch], augmented=True)
            z = trace.output
            net.backward(trace, head.loss_grad(z, shuffled_t[batch]))
            adam.step(net.params, net.grads, 0.001)

    model = torch_mlp(torch, [10, 64, 64, 64, 5], "relu", None)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)  # type: ignore[attr-defined]
    xt = torch.tensor(x, dtype=torch.float32)  # type: ignore[attr-defined]
    yt = torch.tensor(labels)  # type: ignore[attr-defined]
    loss_fn = torch.nn.CrossEntropyLoss()  # type: ignore[attr-defined]

    def torch_epoch() -> None:
        order = torch.randperm(len(xt))  # type: ignore[attr-defined]
        for i in range(0, len(xt), 64):
            batch = order[i : i + 64]
            opt.zero_grad()
            loss_fn(model(xt[batch]), yt[batch]).backward()  # type: ignore[operator]
            opt.step()

    return {"ours": median_time(our_epoch, epochs), "torch": median_time(torch_epoch, epochs)}


def playground_memory() -> int:
    """Bytes a playground-size run holds after 1000 epochs and a frame: data, network,
    optimizer, work buffers, history. Not the compiled picture pass: one per process, shared
    by every run (loaded first)."""
    from engine import kernels

    kernels.warm()
    tracemalloc.start()
    trainer = Trainer(ExperimentConfig(seed=0))
    trainer.fit(1000)
    trainer.frame()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current


def measure(quick: bool) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    repeats = 3 if quick else 9
    steps = bench_steps(torch, epochs=4, repeats=repeats)
    grid = bench_grid(torch, repeats=repeats * 5)
    scripted = bench_scripted(torch, epochs=2 if quick else 5)
    return {"steps": steps, "grid": grid, "scripted": scripted, "path": path_name(torch)}


def ratios_of(m: dict[str, Any], suffix: str = "") -> dict[str, float]:
    steps, grid, scripted = m["steps"], m["grid"], m["scripted"]
    return {
        f"step_vs_torch{suffix}": steps["torch"] / steps["ours"],
        f"grid_vs_torch{suffix}": grid["torch"] / grid["ours"],
        f"scripted_vs_torch{suffix}": scripted["torch"] / scripted["ours"],
    }


def rows_of(m: dict[str, Any]) -> list[tuple[str, float, float, str, str, str]]:
    steps, grid, scripted = m["steps"], m["grid"], m["scripted"]
    ratios = ratios_of(m)
    return [
        (
            "SGD step, [8]×6 tanh, batch 10",
            steps["ours"] * 1e6,
            steps["torch"] * 1e6,
            "µs",
            f"{ratios['step_vs_torch']:.1f}× (sklearn {steps['sklearn'] * 1e6:.0f} µs)",
            "≥ 10×",
        ),
        (
            "all-neuron 100×100 grid forward, same net",
            grid["ours"] * 1e3,
            grid["torch"] * 1e3,
            "ms",
            f"{ratios['grid_vs_torch']:.1f}×",
            "≥ 8×",
        ),
        (
            "  the whole frame (+ head, quantising, weights)",
            grid["frame"] * 1e3,
            grid["torch"] * 1e3,
            "ms",
            f"{grid['torch'] / grid['frame']:.1f}×",
            "",
        ),
        (
            "scripted epoch, 20k×10, [64]×3 ReLU, Adam 64",
            scripted["ours"],
            scripted["torch"],
            "s",
            f"{ratios['scripted_vs_torch']:.1f}×",
            "≥ 4×",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke run")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:  # the AVX2 subprocess: numbers only, as JSON
        print(json.dumps(measure(args.quick)))
        return
    native = measure_in_child(args.quick, {}, __file__)
    avx2 = measure_in_child(args.quick, avx2_env(), __file__)
    memory = playground_memory()
    print(f"{'measure':<48} {'ours':>10} {'torch':>10} {'unit':>5}  {'torch ÷ ours':<28} target")
    for title, m in (("this CPU", native), ("without AVX-512", avx2)):
        print(f"-- {title}: {m['path']}")
        for name, ours, theirs, unit, ratio, target in rows_of(m):
            print(f"{name:<48} {ours:>10.3f} {theirs:>10.3f} {unit:>5}  {ratio:<28} {target}")
    name = "memory of a playground run (1000 epochs)"
    print(f"{name:<48} {memory / 1e6:>10.3f} {'':>10} {'MB':>5}  {'':<28} ≤ 2 MB")
    ratios = {**ratios_of(native), **ratios_of(avx2, "_avx2")}
    print(
        "RESULT "
        + " ".join(f"{k}={v:.2f}" for k, v in ratios.items())
        + f" memory_mb={memory / 1e6:.3f}"
    )


if __name__ == "__main__":
    main()
