"""Issue #15's comparisons: a generation of the genetic trainer against its references.

Run: .venv/bin/python bench/compare.py [--quick]   (needs `pip install torch==2.13.0`)
A generation of population 64 (2 elites: 62 networks scored), [8, 8] tanh, circle's 250
training points, as the trainer runs it (breeding, the stacked scoring, the epoch's end),
timed alone between the other measures (its caches cold), and for information within 8
generations in a row, as a run trains them; against scoring the same 62 networks one at a
time with the same engine (``Trainer.objective``) and against PyTorch 2.13 scoring them as
one batched computation (``baddbmm``, float64, one thread; float32 too, for information: the
generation scores its members in float32, with a rational tanh, ``engine.population_kernel``).
Beside them, the floor of any evaluation that computes each tanh as NumPy does: NumPy's tanh
of the 248,000 hidden activations, one call. Measured twice, as bench/engine.py does: as this
CPU runs, then in a subprocess as a CPU without AVX-512 would. Prints a table, then
`RESULT ga_vs_loop=… ga_vs_torch=… ga_vs_loop_avx2=… ga_vs_torch_avx2=…`, each the
reference's time divided by ours (targets ≥ 8 and ≥ 3 on both paths); and last
`race_over_separate=…`: a 4-lane race's frames a second over 4 separate runs' on one
saturated worker (``bench/race.py``; target ≥ 0.9), as this CPU runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cpu_paths import avx2_env, measure_in_child
from bench.race import bench_race
from engine import ExperimentConfig, Trainer
from engine.genetic import Genetic

POPULATION, HIDDEN = 64, [8, 8]
IN_A_ROW = 8  # generations timed one after another (a round times every measure once, cold)
Row = tuple[str, float, float, str, str]  # what, ours (s), reference (s), ratio text, target


def genetic_trainer() -> Trainer:
    """The default circle (250 training points) with a [8, 8] tanh net and population 64."""
    config = {
        "seed": 0,
        "network": {"hidden": HIDDEN},
        "training": {"optimizer": "genetic", "population": POPULATION},
    }
    return Trainer(ExperimentConfig.model_validate(config))


# -- 1. a generation of the genetic trainer --------------------------------------------------


def bench_generation(repeats: int) -> dict[str, float]:
    """Each measure's median over ``repeats`` rounds, every round timing each once, in turn:
    a machine whose load changes while it runs slows them all alike."""
    trainer = genetic_trainer()
    genetic = trainer.optimizer
    assert isinstance(genetic, Genetic)
    trainer.train_epoch()  # generation 1 scores the first population too: not a typical one
    scored = genetic.population[genetic.hyper.elites :].copy()  # the children it scored
    x, t = trainer.data.train_x, trainer.data.train_t

    def one_at_a_time() -> None:
        for member in scored:
            trainer.network.params[:] = member
            trainer.objective(x, t)

    activations = np.random.default_rng(0).normal(size=(len(scored), sum(HIDDEN), len(t)))
    tanh_out = np.empty_like(activations)  # allocated once: the floor is the tanh alone

    def in_a_row() -> None:  # as a run trains them: one after another
        for _ in range(IN_A_ROW):
            trainer.train_epoch()

    measures: dict[str, Callable[[], object]] = {
        "generation": trainer.train_epoch,
        "in_a_row": in_a_row,
        "stacked": lambda: trainer.population_objective(scored),
        "loop": one_at_a_time,
        "torch": torch_batched(trainer, scored),
        "torch32": torch_batched(trainer, scored.astype(np.float32)),
        "floor": lambda: np.tanh(activations, tanh_out),
    }
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(repeats + 1):  # the first round warms up
        for name, run in measures.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(taken[1:]) for name, taken in times.items()}
    return {**medians, "in_a_row": medians["in_a_row"] / IN_A_ROW}


def torch_batched(trainer: Trainer, members: np.ndarray) -> Callable[[], object]:
    """PyTorch scoring the members as one computation: a ``baddbmm`` and a tanh a layer."""
    import torch

    torch.set_num_threads(1)
    views = trainer.network.views(members)  # (M, fan_in + 1, fan_out) each
    weights = [torch.tensor(v[:, :-1]) for v in views]
    biases = [torch.tensor(v[:, -1:]) for v in views]
    x = torch.tensor(trainer.data.train_x, dtype=weights[0].dtype).expand(len(members), -1, -1)
    t = torch.tensor(trainer.data.train_t, dtype=weights[0].dtype)

    def score() -> object:
        with torch.no_grad():
            h = x
            for w, b in zip(weights, biases, strict=True):
                h = torch.tanh(torch.baddbmm(b, h, w))  # the output's tanh too: TF's head
            return 0.5 * ((h - t) ** 2).sum(dim=(1, 2)) / len(t)

    return score


# -- 2. a 4-lane race against separate runs (race_over_separate): ``bench/race.py``

MEASURES: dict[str, Callable[[int], dict[str, float]]] = {
    "ga": bench_generation,
    "race": lambda repeats: bench_race(repeats, HIDDEN),
}


def measure(quick: bool) -> dict[str, Any]:
    repeats = 11 if quick else 61
    return {name: run(repeats) for name, run in MEASURES.items()}


def ratios_of(m: dict[str, Any], suffix: str = "") -> dict[str, float]:
    ga = m["ga"]
    return {
        f"ga_vs_loop{suffix}": ga["loop"] / ga["generation"],
        f"ga_vs_torch{suffix}": ga["torch"] / ga["generation"],
    }


def rows_of(m: dict[str, Any]) -> list[Row]:
    ga, ratios = m["ga"], ratios_of(m)
    scored = POPULATION - 2
    return [
        (
            f"a generation vs {scored} nets one at a time",
            ga["generation"],
            ga["loop"],
            f"{ratios['ga_vs_loop']:.1f}×",
            "≥ 8×",
        ),
        (
            "a generation vs PyTorch bmm of the same",
            ga["generation"],
            ga["torch"],
            f"{ratios['ga_vs_torch']:.1f}×",
            "≥ 3×",
        ),
        (
            f"  one of {IN_A_ROW} generations in a row vs the loop",
            ga["in_a_row"],
            ga["loop"],
            f"{ga['loop'] / ga['in_a_row']:.1f}×",
            "",
        ),
        (
            "  its stacked scoring alone vs the loop",
            ga["stacked"],
            ga["loop"],
            f"{ga['loop'] / ga['stacked']:.1f}×",
            "",
        ),
        (
            "  PyTorch bmm in float32, as ours scores",
            ga["generation"],
            ga["torch32"],
            f"{ga['torch32'] / ga['generation']:.1f}×",
            "",
        ),
        (
            "  floor: NumPy's tanh of the 248,000 values",
            ga["floor"],
            ga["loop"],
            f"{ga['loop'] / ga['floor']:.1f}× at most",
            "",
        ),
        race_row(m["race"]),
    ]


def race_row(race: dict[str, float]) -> Row:
    """Frames a second, as seconds a frame (the table's unit): theirs ÷ ours is race ÷ separate."""
    ratio = race["race"] / race["separate"]
    rates = f"{ratio:.2f}× ({race['race']:.0f} vs {race['separate']:.0f} frames/s)"
    return ("4-lane race vs 4 separate runs, per frame", 1 / race["race"], 1 / race["separate"],
            rates, "≥ 0.9×")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke run")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:  # a subprocess: numbers only, as JSON
        print(json.dumps(measure(args.quick)))
        return
    native = measure_in_child(args.quick, {}, __file__)
    avx2 = measure_in_child(args.quick, avx2_env(), __file__)
    print(f"{'measure':<46} {'ours':>9} {'theirs':>9} {'unit':>4}  {'theirs ÷ ours':<16} target")
    for title, m in (("this CPU", native), ("without AVX-512", avx2)):
        print(f"-- {title}")
        for name, ours, theirs, ratio, target in rows_of(m):
            times = f"{ours * 1e3:>9.3f} {theirs * 1e3:>9.3f} {'ms':>4}"
            print(f"{name:<46} {times}  {ratio:<16} {target}")
    ratios = {**ratios_of(native), **ratios_of(avx2, "_avx2")}
    ratios["race_over_separate"] = native["race"]["race"] / native["race"]["separate"]
    print("RESULT " + " ".join(f"{k}={v:.2f}" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
