"""Training a run: mini-batch steps and epochs, stopping rules, live changes, resets.

Deterministic: one ``np.random.Generator`` from the config's seed draws the data, the
split, the initial weights, each epoch's shuffle and the dropout masks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.config import ExperimentConfig, LiveChanges
from engine.data import Prepared, class_count, load_points, prepare
from engine.frames import Frame, render_frame
from engine.heads import Head
from engine.history import History
from engine.initializers import AUTO_INIT, INITIALIZERS
from engine.metrics import Metrics, evaluate
from engine.network import Network, init_network
from engine.optimizers import OPTIMIZERS, Hyper, Optimizer
from engine.regularizers import REGULARIZERS
from engine.stopping import Stopper

MAX_WEIGHT = 1e8  # beyond this a weight has exploded (and float32 frames would overflow)
MAX_LOSS = 1e12


class DivergedError(RuntimeError):
    """The loss, the gradients or the weights stopped being finite numbers."""


class Trainer:
    """One run's data, network, optimizer and progress."""

    def __init__(self, config: ExperimentConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.points = load_points(config.data, self.rng)
        task, output, loss = config.head()
        self.head = Head.build(task, output, loss, class_count(config.data, self.points))
        self.data: Prepared = prepare(self.points, config.data, self.head, self.rng)
        layers = config.network.layers()
        sizes = [len(config.data.features), *(layer.units for layer in layers), self.head.n_outputs]
        self.network = Network(
            sizes,
            [ACTIVATIONS[layer.activation or "tanh"] for layer in layers],
            [layer.dropout or 0.0 for layer in layers],
        )
        training = config.training
        self.learning_rate = training.learning_rate
        self.batch_size = training.batch_size
        self.regularizer = REGULARIZERS[training.regularization]
        self.regularization_rate = training.regularization_rate
        self._draw_initial_weights()
        self._restart()

    # -- lifecycle ---------------------------------------------------------------------

    def _draw_initial_weights(self) -> None:
        name = self.config.network.init
        init_network(self.network, INITIALIZERS[AUTO_INIT if name == "auto" else name], self.rng)
        self.initial_params = self.network.params.copy()

    def _restart(self) -> None:
        """Epoch 0 from ``initial_params``: fresh optimizer state, history and stop rules."""
        training = self.config.training
        self.network.params[:] = self.initial_params
        hyper = Hyper(
            training.momentum,
            training.beta1,
            training.beta2,
            training.rho,
            training.epsilon,
            training.weight_decay,
        )
        self.optimizer: Optimizer = OPTIMIZERS[training.optimizer](self.network.params.size, hyper)
        self.dead = np.zeros(self.network.params.size, dtype=bool)  # L1-clamped weights
        self._previous = self.network.params.copy()  # the weights before the last step
        self.diverged: str | None = None
        self.epoch = 0
        self.step = 0
        self._order = np.arange(len(self.data.train_t))
        self._cursor = 0
        self.stopper = Stopper(training)
        self.history = History()
        self.latest = self.metrics()
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
        self.data = prepare(self.points, self.config.data, self.head, self.rng)
        self._cursor = 0
        self.latest = self.metrics()

    def set(self, **changes: Any) -> None:
        """Change live-tunable settings without a reset (validated: see ``LiveChanges``)."""
        live = LiveChanges.model_validate(changes)
        if live.learning_rate is not None:
            self.learning_rate = live.learning_rate
        if live.batch_size is not None:
            self.batch_size = live.batch_size
        if live.regularization is not None:
            self.regularizer = REGULARIZERS[live.regularization]
        if live.regularization_rate is not None:
            self.regularization_rate = live.regularization_rate
        if live.dropout is not None:
            rates = (
                live.dropout
                if isinstance(live.dropout, list)
                else [live.dropout] * len(self.network.dropout)
            )
            if len(rates) != len(self.network.dropout):
                raise ValueError(
                    f"dropout: expected {len(self.network.dropout)} rates, one per hidden layer"
                )
            self.network.dropout = list(rates)

    # -- training ----------------------------------------------------------------------

    @property
    def stop_reason(self) -> str | None:
        """Why training ended (max_epochs, target_loss, early_stopping), or None."""
        return self.stopper.reason

    def train_batch(self) -> None:
        """One optimizer step on the next mini-batch; a new epoch reshuffles the training set.
        Does nothing once a stopping rule or a divergence has ended the run."""
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught, not warned
            self._step()

    def _step(self) -> None:
        if self.stopper.reason or self.diverged:
            return
        n_train = len(self.data.train_t)
        if self._cursor == 0:
            self._order = self.rng.permutation(n_train)
        batch = self._order[self._cursor : self._cursor + self.batch_size]
        self.gradient(self.data.train_x[batch], self.data.train_t[batch], self.rng)
        self._update()
        self.step += 1
        self._cursor += len(batch)
        if self._cursor >= n_train:  # a short last batch is its own step
            self._cursor = 0
            self._end_epoch()

    def train_epoch(self) -> None:
        """Steps until the epoch counter moves (the rest of the epoch if one is under way)."""
        epoch = self.epoch
        with np.errstate(over="ignore", invalid="ignore"):
            while self.epoch == epoch and not (self.stopper.reason or self.diverged):
                self._step()

    def fit(self, epochs: int) -> Metrics:
        """Up to ``epochs`` more epochs, fewer if a stopping rule ends the run first."""
        for _ in range(epochs):
            if self.stopper.reason or self.diverged:
                break
            self.train_epoch()
        return self.latest

    def objective(
        self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None
    ) -> float:
        """J = data loss + λ·R(weights) on a batch: x (B, features), t (B, outputs).
        ``rng`` turns dropout on (the same generator state draws the same masks)."""
        z = self.network.forward(x, rng).pre[-1]
        loss = self.head.loss_value(z, self.head.activate(z), t)
        weights = self.network.params[self.network.weight_mask]
        return loss + self.regularization_rate * self.regularizer.penalty(weights)

    def gradient(
        self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None
    ) -> None:
        """Fill ``network.grads`` with dJ/dparams on a batch (see ``objective``)."""
        trace = self.network.forward(x, rng)
        z = trace.pre[-1]
        self.network.backward(trace, self.head.grad_z(z, self.head.activate(z), t))
        if self.regularization_rate > 0 and self.regularizer.name != "none":
            mask = self.network.weight_mask
            penalty = self.regularizer.derivative(self.network.params[mask])
            self.network.grads[mask] += self.regularization_rate * penalty

    def _update(self) -> None:
        params, grads = self.network.params, self.network.grads
        if not np.isfinite(grads).all():
            self._diverge("the gradients")
        np.copyto(self._previous, params)
        if self.dead.any():
            grads[self.dead] = 0.0
        self.optimizer.step(params, grads, self.learning_rate)
        if self.regularizer.clamps_at_zero and self.regularization_rate > 0:
            # TF's L1 rule: a weight the step carries across zero becomes exactly 0, for good
            self.dead |= self.network.weight_mask & (self._previous * params < 0)
        if self.dead.any():
            params[self.dead] = 0.0
        if not np.abs(params).max() <= MAX_WEIGHT:  # also catches NaN
            params[:] = self._previous
            self._diverge("the weights")

    def _diverge(self, what: str) -> None:
        """Stop for good, keeping the last sane weights, and say why."""
        hint = (
            f"the learning rate {self.learning_rate:g} is probably too high; try a smaller one"
            if self.learning_rate >= 0.01
            else "try a smaller learning rate, fewer layers or a bounded output activation"
        )
        self.diverged = (
            f"{what} stopped being finite numbers at epoch {self.epoch}, step {self.step}: {hint}"
        )
        raise DivergedError(self.diverged)

    def _end_epoch(self) -> None:
        self.epoch += 1
        self.latest = self.metrics()
        if not self.latest.train_loss <= MAX_LOSS:  # also catches NaN
            self.network.params[:] = self._previous
            self.latest = self.metrics()
            self._diverge("the loss")
        self.history.append(self.latest)
        best = self.stopper.update(self.latest, self.network.params)
        if best is not None:  # early stopping with restore_best
            self.network.params[:] = best
            self.latest = self.metrics()

    # -- what the outside sees ---------------------------------------------------------

    def metrics(self) -> Metrics:
        return evaluate(self.data, self.network, self.head, self.epoch, self.step)

    def frame(self, resolution: int = 100, thumbnail: int = 20) -> Frame:
        """The output and every hidden neuron over the [-6, 6]² grid, with the latest metrics."""
        if self.latest.step != self.step:  # mid-epoch, after single batches
            self.latest = self.metrics()
        return render_frame(
            self.network,
            self.head,
            self.config.data.features,
            self.latest,
            resolution=resolution,
            thumbnail=thumbnail,
            value_range=self._value_range(),
        )

    def _value_range(self) -> tuple[float, float]:
        if self.head.task != "regression":
            return (-1.0, 1.0)
        top = max(1.0, float(np.abs(self.points.y).max()))
        return (-top, top)
