"""Training a run: mini-batch steps and epochs, stopping rules, live changes, resets.

Deterministic: one ``np.random.Generator`` from the config's seed draws the data, the
split, the initial weights, each epoch's shuffle and the dropout masks (the genetic trainer's
population and breeding draw from a generator of their own, also from the seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from engine.config import ExperimentConfig, LiveChanges
from engine.data import Prepared, load_points, prepare
from engine.genetic import Genetic
from engine.heads import Head
from engine.health import DataError, DivergedError, check_data
from engine.history import History
from engine.initializers import AUTO_INIT, INITIALIZERS
from engine.messages import ENGINE
from engine.metrics import Metrics
from engine.model import build_head, build_network
from engine.network import InitializerFn, init_network
from engine.network_buffers import Buffers
from engine.optimizers import HYPER_FIELDS, OPTIMIZERS, Hyper, Optimizer
from engine.population import Objective
from engine.regularizers import REGULARIZERS
from engine.steplosses import StepLosses
from engine.stopping import Stopper
from engine.trainer_step import TrainerStep

__all__ = ["DataError", "DivergedError", "Trainer"]


class Trainer(TrainerStep):
    """One run's data, network, optimizer and progress; what one step does is ``TrainerStep``'s."""

    def __init__(self, config: ExperimentConfig | Mapping[str, Any]) -> None:
        config = ExperimentConfig.model_validate(config)  # a dict as the REST API takes it
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        # the pictures' dropout masks: from the seed too (the engine is deterministic), but a
        # generator of their own, so training's numbers never depend on who watches
        self._sample_rng = np.random.default_rng([config.seed, 1])
        self._genetic_rng = np.random.default_rng([config.seed, 2])  # the genetic trainer's
        self._objective: Objective | None = None  # the last population_objective's
        self.dtype = np.dtype(config.training.precision)
        self.points = load_points(config.data, self.rng)
        self.head = build_head(config)
        self.data: Prepared = prepare(self.points, config.data, self.head, self.rng, self.dtype)
        self.network = build_network(config, self.dtype)
        self.train_x_aug = self.network.augment(self.data.train_x)
        self._grids: dict[tuple[int, int], np.ndarray] = {}  # the picture's inputs, cached
        self._job_buffers: dict[int, Buffers] = {}  # a frame job's, by grid points (reused)
        training = config.training
        self.learning_rate = training.learning_rate
        self.batch_size = training.batch_size
        self.regularizer = REGULARIZERS[training.regularization]
        self.regularization_rate = training.regularization_rate
        self._draw_initial_weights()
        self._restart()

    # -- lifecycle ---------------------------------------------------------------------

    def _initializer(self) -> InitializerFn:
        name = self.config.network.init
        return INITIALIZERS[AUTO_INIT if name == "auto" else name]

    def _draw_initial_weights(self) -> None:
        init_network(self.network, self._initializer(), self.rng)
        self.initial_params = self.network.params.copy()

    def _restart(self) -> None:
        """Epoch 0 from ``initial_params``: fresh optimizer state, history and stop rules."""
        training = self.config.training
        self.network.params[:] = self.initial_params
        hyper = Hyper(**{name: getattr(training, name) for name in HYPER_FIELDS})
        size = self.network.params.size
        self.optimizer: Optimizer = OPTIMIZERS[training.optimizer](size, hyper, self.dtype)
        if isinstance(self.optimizer, Genetic):
            self.optimizer.start(
                self.network, self.initial_params, self._initializer(), self._genetic_rng
            )
        self.dead = np.zeros(self.network.params.size, dtype=bool)  # L1's dead links
        self._any_dead = False
        self._weights = np.flatnonzero(self.network.weight_mask)  # where the penalty acts
        self._sane = self.network.params.copy()  # the weights at the last healthy check
        # what the last epoch's metrics were evaluated on: its data, head and weights
        self._measured: tuple[Prepared | None, Head | None, np.ndarray] = (None, None, self._sane)
        self.diverged: str | None = None
        self.epoch = 0
        self.step = 0
        self.forward_passes = 0  # examples sent forward to train: batch sizes, members × n
        self._cursor = 0
        self.stopper = Stopper(training)
        # (step, the data loss of that step's mini-batch as the optimizer saw it: with dropout)
        self.batch_losses = StepLosses()
        # kept only while wanted (a chart plots every step): the loss costs ~5 µs of a
        # ~35 µs step of a playground net
        self.keep_batch_losses = False
        self.batch_loss = math.nan  # the last ``data_gradient``'s
        self.history = History()
        self.latest = self.metrics()
        check_data(self.latest, self.data.split)
        self.history.append(self.latest)

    def reset(self, same_init: bool = True) -> None:
        """Back to epoch 0 with the same initial weights, or with newly drawn ones."""
        if not same_init:
            self._draw_initial_weights()
        self._restart()

    def regenerate(self) -> None:
        """A new sample of the same dataset; training goes on with the current weights."""
        if self.config.data.dataset not in ("points", "csv"):
            self.points = load_points(self.config.data, self.rng)
        self.data = prepare(self.points, self.config.data, self.head, self.rng, self.dtype)
        self.train_x_aug = self.network.augment(self.data.train_x)
        self._cursor = 0
        self.optimizer.refit(self.network.params)
        self.latest = self.metrics()

    def set(self, **changes: Any) -> None:
        """Change live-tunable settings without a reset (validated: see ``LiveChanges``);
        nothing changes when any of them is refused."""
        live = LiveChanges.model_validate(changes)
        rates = None if live.dropout is None else self._dropout_rates(live.dropout)
        loss = (self.regularizer, self.regularization_rate)
        if live.learning_rate is not None:
            self.learning_rate = live.learning_rate
        if live.batch_size is not None:
            self.batch_size = live.batch_size
        if live.regularization is not None:
            self.regularizer = REGULARIZERS[live.regularization]
        if live.regularization_rate is not None:
            self.regularization_rate = live.regularization_rate
        if (self.regularizer, self.regularization_rate) != loss:
            self.optimizer.refit(self.network.params)  # the loss changed
        if rates is not None:
            self.network.dropout = rates

    def _dropout_rates(self, dropout: float | list[float]) -> list[float]:
        """One rate per hidden layer, or a ``ValueError`` saying why not."""
        layers = len(self.network.dropout)
        rates = dropout if isinstance(dropout, list) else [dropout] * layers
        if len(rates) != layers:
            raise ValueError(ENGINE.say("config.dropout_rates", count=layers))
        if self.optimizer.gradient_free and any(rates):
            raise ValueError(ENGINE.say("genetic.dropout_live"))
        return list(rates)

    # -- training ----------------------------------------------------------------------

    @property
    def stop_reason(self) -> str | None:
        """Why training ended (max_epochs, target_loss, early_stopping), or None."""
        return self.stopper.reason

    @property
    def between_epochs(self) -> bool:
        """No epoch is half done: a state captured now resumes exactly (``engine.snapshot``)."""
        return self._cursor == 0

    def train_batch(self) -> None:
        """One optimizer step on the next mini-batch; a new epoch reshuffles the training set.
        Does nothing once a stopping rule or a divergence has ended the run."""
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught, not warned
            self._step()
            if self._cursor != 0:  # mid-epoch: check now (an epoch's end checks itself)
                self._check_weights()

    def train_epoch(self) -> None:
        """Steps until the epoch counter moves (the rest of the epoch if one is under way)."""
        epoch = self.epoch
        with np.errstate(over="ignore", invalid="ignore"):
            while self.epoch == epoch and not (self.stopper.reason or self.diverged):
                self._step()

    def train_epochs_until(self, epochs: int, out_of_time: Callable[[], bool]) -> int:
        """Up to ``epochs`` epoch ends, a mini-batch at a time, stopping early once
        ``out_of_time()`` (asked after each batch) says so: a big epoch then spreads over
        several calls. Returns the epochs completed."""
        done = 0
        with np.errstate(over="ignore", invalid="ignore"):
            while done < epochs and not (self.stopper.reason or self.diverged):
                epoch = self.epoch
                self._step()
                done += self.epoch != epoch
                if out_of_time():
                    break
            if self._cursor != 0:  # stopped mid-epoch: check now (an epoch's end checks itself)
                self._check_weights()
        return done

    def train_batches(self, batches: int, out_of_time: Callable[[], bool]) -> int:
        """Up to ``batches`` mini-batch steps, fewer once ``out_of_time()``; returns how many."""
        done = 0
        with np.errstate(over="ignore", invalid="ignore"):
            while done < batches and not (self.stopper.reason or self.diverged):
                self._step()
                done += 1
                if out_of_time():
                    break
            if self._cursor != 0:
                self._check_weights()
        return done

    def batch_losses_after(self, step: int) -> list[tuple[int, float]]:
        """The kept mini-batch losses of steps after ``step``, oldest first (read: the next
        ones are kept afresh, ``engine.steplosses``)."""
        return self.batch_losses.take_after(step)

    @property
    def at_epoch_start(self) -> bool:
        return self._cursor == 0

    def finish_epoch(self, steps: int) -> None:
        """Count ``steps`` taken for this run elsewhere (``engine.batch``) and end its epoch:
        metrics, checks (may raise ``DivergedError``), history, stopping rules."""
        self.step += steps
        self.forward_passes += len(self.data.train_t)
        with np.errstate(over="ignore", invalid="ignore"):
            self._end_epoch()

    def fit(self, epochs: int) -> Metrics:
        """Up to ``epochs`` more epochs, fewer if a stopping rule ends the run first."""
        for _ in range(epochs):
            if self.stopper.reason or self.diverged:
                break
            self.train_epoch()
        self.latest = self.metrics()
        return self.latest
