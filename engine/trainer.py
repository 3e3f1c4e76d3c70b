"""Training: mini-batch SGD over epochs, metrics, divergence, and frames for the wire."""

from __future__ import annotations

import numpy as np

from engine.activations import ACTIVATIONS
from engine.config import ExperimentConfig
from engine.datasets import DATASETS, Dataset, split
from engine.features import feature_matrix
from engine.frames import Frame, render_frame
from engine.losses import HalfSquaredError
from engine.metrics import Metrics
from engine.network import Network, init_uniform


class DivergedError(RuntimeError):
    """The loss or the weights stopped being finite numbers."""


class Trainer:
    """One run's data, network and training state; deterministic for (config, seed)."""

    def __init__(self, config: ExperimentConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        data = config.data
        points = DATASETS[data.dataset](data.n_samples, data.noise, self.rng)
        self.data = split(points, data.train_ratio, self.rng)
        self.train_x, self.train_y = self._inputs(self.data.train)
        self.test_x, self.test_y = self._inputs(self.data.test)
        sizes = [len(data.features), *config.network.hidden, 1]
        self.network = Network(sizes, ACTIVATIONS[config.network.activation], ACTIVATIONS["tanh"])
        init_uniform(self.network, self.rng)
        self.loss = HalfSquaredError()
        self.epoch = 0
        self.step = 0
        self._order = np.arange(len(self.train_y))
        self._cursor = 0

    def _inputs(self, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
        """Features (n, f) and targets (n, 1) of a dataset."""
        return feature_matrix(data.x, self.config.data.features), data.y.reshape(-1, 1)

    def train_batch(self) -> None:
        """One SGD step on the next mini-batch; a new epoch reshuffles the training set."""
        if self._cursor == 0:
            self._order = self.rng.permutation(len(self.train_y))
        size = self.config.training.batch_size
        batch = self._order[self._cursor : self._cursor + size]
        x, y = self.train_x[batch], self.train_y[batch]
        trace = self.network.forward(x)
        self.network.backward(trace, self.loss.grad(y, trace.outputs[-1]))
        self.network.params -= self.config.training.learning_rate * self.network.grads
        self.step += 1
        self._cursor += size
        if self._cursor >= len(self.train_y):  # a short last batch is its own step
            self._cursor = 0
            self.epoch += 1
        self._check_finite()

    def train_epoch(self) -> None:
        """Steps until the epoch counter moves (the rest of the epoch if one is under way)."""
        epoch = self.epoch
        while self.epoch == epoch:
            self.train_batch()

    def _check_finite(self) -> None:
        if not np.isfinite(self.network.params).all():
            raise DivergedError(
                f"the weights stopped being finite numbers at step {self.step}: the learning "
                f"rate {self.config.training.learning_rate} is probably too high"
            )

    def metrics(self) -> Metrics:
        train_pred = self.network.predict(self.train_x)
        test_pred = self.network.predict(self.test_x)
        return Metrics(
            epoch=self.epoch,
            step=self.step,
            train_loss=self.loss.value(self.train_y, train_pred),
            test_loss=self.loss.value(self.test_y, test_pred),
            train_accuracy=_accuracy(self.train_y, train_pred),
            test_accuracy=_accuracy(self.test_y, test_pred),
        )

    def frame(self, resolution: int = 100, thumbnail: int = 20) -> Frame:
        """The output and every hidden neuron over the [-6, 6]² grid, with this epoch's metrics."""
        return render_frame(
            self.network, self.config.data.features, self.metrics(), resolution, thumbnail
        )


def _accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of points on the right side of 0 (labels are ±1)."""
    if y_true.size == 0:
        return float("nan")
    return float(np.mean((y_pred >= 0) == (y_true > 0)))
