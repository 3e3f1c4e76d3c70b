"""A run's state as plain data (arrays and numbers), to persist and to resume from.

``capture`` takes what training needs to go on — weights, the optimizer's moments (the
genetic trainer's population, scores and generator), the random generator, the live
settings, the stopping rule's memory — and ``restore`` puts it
back into a fresh ``Trainer`` built from the same config. Resuming continues at the next
epoch boundary (a half-done epoch starts over with a new shuffle).
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from engine.genetic import Genetic
from engine.optimizers import STATE as _OPTIMIZER_STATE
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer

Snapshot = dict[str, Any]


def capture(trainer: Trainer) -> Snapshot:
    """Everything ``restore`` needs, as arrays and JSON-able values."""
    optimizer = trainer.optimizer
    stopper = trainer.stopper
    state: Snapshot = {
        "epoch": trainer.epoch,
        "step": trainer.step,
        "forward_passes": trainer.forward_passes,
        "params": trainer.network.params.copy(),
        "initial_params": trainer.initial_params.copy(),
        "dead": trainer.dead.copy(),
        "optimizer_t": optimizer.t,
        "rng": trainer.rng.bit_generator.state,
        "live": {
            "learning_rate": trainer.learning_rate,
            "batch_size": trainer.batch_size,
            "regularization": trainer.regularizer.name,
            "regularization_rate": trainer.regularization_rate,
            "dropout": list(trainer.network.dropout),
        },
        "stopper": {
            "best_loss": stopper.best_loss,
            "best_epoch": stopper.best_epoch,
            "waited": stopper._waited,
        },
    }
    for name in _OPTIMIZER_STATE:
        if hasattr(optimizer, name):
            state[f"optimizer_{name}"] = getattr(optimizer, name).copy()
    if isinstance(optimizer, Genetic):
        state["genetic"] = {"best": optimizer.best, "rng": optimizer.rng.bit_generator.state}
        state["optimizer_population"] = optimizer.population.copy()
        if optimizer.fitness is not None:
            state["optimizer_fitness"] = optimizer.fitness.copy()
    return state


def restore(trainer: Trainer, state: Snapshot) -> None:
    """Put a captured state into a trainer built from the same config."""
    params = np.asarray(state["params"])
    if params.shape != trainer.network.params.shape:
        raise ValueError(
            f"the snapshot has {params.size} parameters; this network has "
            f"{trainer.network.params.size}"
        )
    trainer.network.params[:] = params
    trainer.initial_params = np.asarray(state["initial_params"], trainer.dtype).copy()
    trainer.dead[:] = np.asarray(state["dead"], bool)
    trainer._any_dead = bool(trainer.dead.any())
    trainer._sane[:] = params
    trainer.epoch, trainer.step = int(state["epoch"]), int(state["step"])
    # a checkpoint from before the count: each epoch sent the training set forward once
    default = trainer.epoch * len(trainer.data.train_t)
    trainer.forward_passes = int(state.get("forward_passes", default))
    trainer.rng.bit_generator.state = state["rng"]
    trainer.optimizer.t = int(state["optimizer_t"])
    for name in _OPTIMIZER_STATE:
        if f"optimizer_{name}" in state and hasattr(trainer.optimizer, name):
            getattr(trainer.optimizer, name)[:] = state[f"optimizer_{name}"]
    live = dict(state["live"])
    trainer.regularizer = REGULARIZERS[live.pop("regularization")]
    trainer.set(**live)
    if isinstance(trainer.optimizer, Genetic) and "optimizer_population" in state:
        _restore_genetic(trainer.optimizer, state)  # after ``set``, which may ask to re-score
    stopper = state["stopper"]
    trainer.stopper.best_loss = float(stopper["best_loss"])
    trainer.stopper.best_epoch = int(stopper["best_epoch"])
    trainer.stopper._waited = int(stopper["waited"])
    trainer.latest = trainer.metrics()


def _restore_genetic(genetic: Genetic, state: Snapshot) -> None:
    population = np.asarray(state["optimizer_population"], genetic.dtype)
    if population.shape != genetic.population.shape:
        raise ValueError(f"the snapshot's population is {population.shape[0]} networks")
    genetic.population = population.copy()
    fitness = state.get("optimizer_fitness")
    genetic.fitness = None if fitness is None else np.asarray(fitness, np.float64).copy()
    genetic.best = int(state["genetic"]["best"])
    genetic.rng.bit_generator.state = state["genetic"]["rng"]


def to_bytes(state: Snapshot) -> bytes:
    """One ``.npz`` blob: the arrays as themselves, the rest as a JSON string. Not compressed:
    trained weights barely compress (7 % for a 67k-parameter network) and compressing costs
    18× the time (60 ms against 3); ``from_bytes`` reads either."""
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    rest = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
    buffer = io.BytesIO()
    arrays["_meta"] = np.array(json.dumps(rest))
    save: Any = np.savez  # its stub types every keyword as the ``allow_pickle`` flag
    save(buffer, **arrays)
    return buffer.getvalue()


def from_bytes(blob: bytes) -> Snapshot:
    with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
        state: Snapshot = json.loads(str(archive["_meta"]))
        state.update({k: archive[k] for k in archive.files if k != "_meta"})
    return state
