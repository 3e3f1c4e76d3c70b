"""Sweeps: trials a second on this machine's cores, against what a user would write instead.

Run: .venv/bin/python bench/sweep.py [--trials 500] [--torch-trials 100] [--live-only]
The sweep: spiral, [8, 8] tanh, Adam, 200 epochs; learning rate × batch size × seed (5 × 4
× 25 = 500 trials). Measured in one run, each on the same 2 cores:

- local: `nnplayground serve` (a worker process per core) runs it with `"executor": "local"`;
- ray: `nnplayground serve --ray local` (a Ray cluster on this machine, a CPU per core) runs
  it as Ray tasks;
- torch: the same trials in PyTorch 2.13, one process per core (a multiprocessing pool, one
  thread each), the same data, network, batches and Adam: what a script would do. Every
  ``len // torch-trials``-th trial of the grid (each batch size equally), as trials a second.

And the live runs' knee (bench/serve.py's: the runs held at 20 fps, one viewer each) with
the local worker host (2 worker processes) and with the Ray one (2 scheduler actors on a
cluster started on this machine), taking turns, ``--rounds`` times each: the ratio is the
median of each round's (Ray's knee ÷ the local one's, measured one after the other). Each
server's first few turns (its workers warming up) are played before, not counted.

Each rate counts from the request to the last trial's end, after a warm-up sweep of four
trials on the same server (its workers have imported and run the engine once); the
executors take turns, ``--rounds`` times each, and each one's fastest round counts (the
machine is shared: a neighbour's burst should not decide the ratio). Prints a table and
`RESULT sweep_vs_torch=… ray_over_local=… live_ray_over_local=…` (local ÷ torch, ray ÷
local for sweeps, and the Ray host's knee ÷ the local one's); ``--live-only``: the last.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serve import find_knee, knee_of  # noqa: E402
from bench.serve_kit import (  # noqa: E402
    RAISED_LIMITS,
    free_port,
    measure_runs,
    start_server,
)
from nnplayground import Client  # noqa: E402
from server.workers import ONE_THREAD  # noqa: E402

RATES = [0.001, 0.003, 0.01, 0.03, 0.1]
BATCHES = [10, 25, 50, 125]
EPOCHS = 200
START_WAIT = 300.0  # seconds: a Ray cluster and its actors start slowly on a loaded machine
BASE = {
    "data": {"dataset": "spiral", "noise": 0.1},
    "network": {"hidden": [8, 8], "activation": "tanh"},
    "training": {"optimizer": "adam", "max_epochs": EPOCHS},
}


def spec(trials: int) -> dict[str, Any]:
    seeds = max(1, trials // (len(RATES) * len(BATCHES)))
    grid = {"training.learning_rate": RATES, "training.batch_size": BATCHES}
    return {"config": BASE, "grid": grid, "seeds": seeds, "trials": trials}


def served(trials: int, ray: bool) -> tuple[float, dict[str, Any]]:
    """Seconds for the sweep on a fresh server, and the sweep."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {"NNPG_DATABASE": str(Path(folder) / "runs.db"), "NNPG_WORKERS": "2"}
        if ray:
            env["NNPG_RAY_ADDRESS"] = "local"
        settings = {**env, "NNPG_MAX_SWEEP_TRIALS": str(trials)}
        server = start_server(port, None, settings, wait=START_WAIT)
        try:
            with Client(f"http://127.0.0.1:{port}", timeout=120) as client:
                warm = {"config": BASE, "grid": {"training.batch_size": BATCHES}}
                client.wait_sweep(client.sweep(**warm, executor=body_executor(ray))["id"])
                start = time.perf_counter()
                body = {**spec(trials), "executor": body_executor(ray)}
                sweep = client.sweep(**body)
                done = client.wait_sweep(sweep["id"], poll=0.25)
                return time.perf_counter() - start, done
        finally:
            server.terminate()
            server.wait(60)


def body_executor(ray: bool) -> str:
    return "ray" if ray else "local"


def torch_trial(setting: tuple[float, int, int]) -> float:
    """One trial as a PyTorch script: the engine's data (the same points), the same
    network, Adam, shuffled mini-batches, ½·MSE on tanh; returns the final test loss."""
    import numpy as np
    import torch

    from engine import ExperimentConfig, Trainer

    rate, batch, seed = setting
    raw = {**BASE, "seed": seed, "training": {**BASE["training"], "learning_rate": rate}}
    data = Trainer(ExperimentConfig.model_validate(raw)).data
    x = torch.tensor(np.asarray(data.train_x), dtype=torch.float64)
    t = torch.tensor(np.asarray(data.train_t), dtype=torch.float64)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 8), torch.nn.Tanh(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
        torch.nn.Linear(8, 1), torch.nn.Tanh(),
    ).double()  # fmt: skip
    optimizer = torch.optim.Adam(net.parameters(), lr=rate)
    for _ in range(EPOCHS):
        order = torch.randperm(len(x))
        for start in range(0, len(x), batch):
            index = order[start : start + batch]
            optimizer.zero_grad()
            loss = 0.5 * ((net(x[index]) - t[index]) ** 2).mean()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        test_x = torch.tensor(np.asarray(data.test_x), dtype=torch.float64)
        return float(0.5 * ((net(test_x) - torch.tensor(data.test_t)) ** 2).mean())


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def torch_pool(trials: int, sample: int) -> tuple[float, int]:
    """Seconds for every ``trials // sample``-th trial of the grid on a pool of 2."""
    seeds = max(1, trials // (len(RATES) * len(BATCHES)))
    grid = [(r, b, s) for r in RATES for b in BATCHES for s in range(seeds)]
    chosen = grid[:: max(1, len(grid) // sample)]
    os.environ.update(ONE_THREAD)
    with multiprocessing.get_context("spawn").Pool(2, initializer=_one_thread) as pool:
        start = time.perf_counter()
        pool.map(torch_trial, chosen, chunksize=1)
        return time.perf_counter() - start, len(chosen)


def live_knee(ray: bool, quick: bool) -> int:
    """bench/serve.py's knee on a server with 2 workers: processes, or Ray actors."""
    seconds, levels = (4.0, [10, 50, 100]) if quick else (6.0, [10, 50, 100, 150, 200])
    port = free_port()
    extra = {"NNPG_RAY_ADDRESS": "local"} if ray else {}
    with tempfile.TemporaryDirectory() as folder:
        env = {**RAISED_LIMITS, **extra, "NNPG_DATABASE": str(Path(folder) / "runs.db")}
        server = start_server(port, 2, env, wait=START_WAIT)
        try:
            print(f"live runs, {'Ray actors' if ray else 'worker processes'}:", flush=True)
            asyncio.run(measure_runs(port, 4, 3.0))  # not counted: the workers' first turns
            return knee_of(asyncio.run(find_knee(port, levels, seconds)))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--torch-trials", type=int, default=100)
    parser.add_argument("--no-torch", action="store_true", help="the executors only")
    parser.add_argument("--rounds", type=int, default=2, help="each executor's best of")
    parser.add_argument("--quick-live", action="store_true", help="fewer knee levels")
    parser.add_argument("--live-only", action="store_true", help="the live knees only")
    return parser.parse_args()


def sweeps(args: argparse.Namespace) -> tuple[float, float]:
    """Prints the sweeps' table; returns local ÷ torch and ray ÷ local (trials a second)."""
    rows: list[tuple[str, int, float]] = []
    torch_seconds, torch_count = (
        (1.0, 0) if args.no_torch else torch_pool(args.trials, args.torch_trials)
    )
    rows.append(("torch (a process per core)", torch_count, torch_seconds))
    timed: dict[bool, list[tuple[float, dict[str, Any]]]] = {False: [], True: []}
    for _ in range(args.rounds):  # alternated: a neighbour's load falls on both alike
        for ray in (False, True):
            timed[ray].append(served(args.trials, ray=ray))
    (local_seconds, local), (ray_seconds, ray) = (
        min(timed[k], key=lambda x: x[0]) for k in (False, True)
    )
    rows.append(("local executor (2 workers)", local["total"], local_seconds))
    rows.append(("ray executor (2 CPUs)", ray["total"], ray_seconds))
    for sweep in (local, ray):
        assert sweep["counts"].get("succeeded") == sweep["total"], sweep["counts"]
    print(f"{'':<28} {'trials':>7} {'seconds':>8} {'trials/s':>9}")
    for name, count, seconds in rows:
        print(f"{name:<28} {count:>7} {seconds:>8.1f} {count / seconds:>9.2f}")
    rate = [count / seconds for _, count, seconds in rows]
    return rate[1] / max(rate[0], 1e-9), rate[2] / rate[1]


def live(args: argparse.Namespace) -> float:
    """Prints each round's knees; returns the median of the rounds' Ray ÷ local."""
    knees: dict[bool, list[int]] = {False: [], True: []}
    for _ in range(args.rounds):  # one after the other: a neighbour's load falls on both
        for ray in (False, True):
            knees[ray].append(live_knee(ray, args.quick_live))
    ratios = [r / max(loc, 1) for loc, r in zip(knees[False], knees[True], strict=True)]
    print(f"{'live runs at 20 fps (knee)':<28} {'local':>7} {'ray':>8} {'ray ÷ local':>12}")
    for number, (loc, r) in enumerate(zip(knees[False], knees[True], strict=True), 1):
        print(f"{f'  round {number}':<28} {loc:>7} {r:>8} {r / max(loc, 1):>12.2f}")
    return statistics.median(ratios)


def main() -> None:
    args = parse()
    if args.live_only:
        print(f"RESULT live_ray_over_local={live(args):.2f}")
        return
    sweep_vs_torch, ray_over_local = sweeps(args)
    print(
        f"RESULT sweep_vs_torch={sweep_vs_torch:.1f} ray_over_local={ray_over_local:.2f} "
        f"live_ray_over_local={live(args):.2f}"
    )


if __name__ == "__main__":
    main()
