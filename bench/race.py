"""A 4-lane race's frame rate against 4 separate runs', for ``bench/compare.py``.

One worker loop (``server.scheduler.Scheduler``, in a thread, as a thread worker runs it)
holds four [8, 8] runs of the optimizer race (SGD, momentum, RMSProp, Adam) on the circle,
each watched at ``FPS`` frames and epochs a second, more than one core can give them all:
the worker is saturated, and the frames it sends a second measure what lockstep costs. Once
as a race (``RaceStart``, ``RaceControl`` play: every lane trains to the same epoch before
the next), once as four runs played on their own; rounds alternate, each the median of its
kind.
"""

from __future__ import annotations

import queue
import statistics
import threading
import time

from engine import ExperimentConfig, kernels, population_kernel
from server import protocol as p
from server.scheduler import Scheduler

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
FPS = 2000.0  # asked of every lane: more than one core draws and trains for four
WARM_UP = 0.5  # seconds before counting: the first frames, the first epochs


def lane_configs(hidden: list[int]) -> list[ExperimentConfig]:
    return [
        ExperimentConfig.model_validate(
            {"seed": 0, "network": {"hidden": hidden}, "training": {"optimizer": name}}
        )
        for name in OPTIMIZERS
    ]


def frames_per_second(race: bool, seconds: float, hidden: list[int]) -> float:
    """The frames a second one worker sends for the four runs, raced or separate."""
    commands: queue.Queue[p.Command] = queue.Queue()
    frames = [0]

    def deliver(results: list[p.Result]) -> None:
        frames[0] += sum(isinstance(result, p.Frame) for result in results)

    scheduler = Scheduler(deliver, FPS, commands)
    ids = tuple(f"lane{k}" for k in range(len(OPTIMIZERS)))
    view = (p.ViewKey(),)
    for run_id, config in zip(ids, lane_configs(hidden), strict=True):
        commands.put(p.Create(run_id, config))
        commands.put(p.Watch(run_id, view, fps=FPS, interactive=True, pace=FPS))
    if race:
        commands.put(p.RaceStart("race", ids))
        commands.put(p.RaceControl("race", "play"))
    else:
        for run_id in ids:
            commands.put(p.Play(run_id))
    worker = threading.Thread(target=scheduler.run, daemon=True)
    worker.start()
    time.sleep(WARM_UP)
    counted, start = frames[0], time.perf_counter()
    time.sleep(seconds)
    rate = (frames[0] - counted) / (time.perf_counter() - start)
    commands.put(p.Stop())
    worker.join()
    return rate


def bench_race(repeats: int, hidden: list[int]) -> dict[str, float]:
    """Median frames a second of each kind over a few alternating rounds."""
    kernels.warm()  # compiled or loaded before any round, not during the first
    population_kernel.warm()
    rounds, seconds = (2, 1.5) if repeats < 20 else (5, 2.0)
    rates: dict[str, list[float]] = {"race": [], "separate": []}
    for _ in range(rounds):
        for kind, values in rates.items():
            values.append(frames_per_second(kind == "race", seconds, hidden))
    return {kind: statistics.median(values) for kind, values in rates.items()}
