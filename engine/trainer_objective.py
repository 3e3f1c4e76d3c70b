"""The loss as a function of a run's weights (``Trainer``'s base class): J on a batch, its
gradient (the data loss's alone, or with the penalty), and J of many weight vectors at once,
stacked, for the genetic trainer."""

from __future__ import annotations

import numpy as np

from engine.data import Prepared
from engine.heads import Head
from engine.network import Network
from engine.population import Objective, population_objective
from engine.regularizers import Regularizer


class TrainerObjective:
    """J and its gradient; ``engine.trainer.Trainer`` holds the state they read."""

    network: Network
    head: Head
    data: Prepared
    train_x_aug: np.ndarray
    regularizer: Regularizer
    regularization_rate: float
    keep_batch_losses: bool
    batch_loss: float
    _weights: np.ndarray
    _objective: Objective | None

    def objective(
        self, x: np.ndarray, t: np.ndarray, rng: np.random.Generator | None = None
    ) -> float:
        """J = data loss + λ·R(weights) on a batch: x (B, features), t (B, outputs).
        ``rng`` turns dropout on (the same generator state draws the same masks)."""
        z = self.network.forward(x, rng).output
        loss = self.head.loss_value(z, self.head.activate(z), t)
        weights = self.network.params[self.network.weight_mask]
        return loss + self.regularization_rate * float(self.regularizer.penalty(weights))

    def data_gradient(
        self,
        x: np.ndarray,
        t: np.ndarray,
        rng: np.random.Generator | None = None,
        augmented: bool = False,
    ) -> None:
        """Fill ``network.grads`` with the data loss's gradient on a batch: what the optimizer
        steps on (the penalty takes its own step, see ``engine.regularizers``); and, while
        ``keep_batch_losses``, ``batch_loss`` with the data loss there."""
        trace = self.network.forward(x, rng, augmented)
        z = trace.output
        if self.keep_batch_losses:
            self.batch_loss = self.head.loss_value(z, self.head.activate(z), t)
        self.network.backward(trace, self.head.loss_grad(z, t))

    def gradient(
        self,
        x: np.ndarray,
        t: np.ndarray,
        rng: np.random.Generator | None = None,
        augmented: bool = False,
    ) -> None:
        """Fill ``network.grads`` with dJ/dparams on a batch (see ``objective``)."""
        self.data_gradient(x, t, rng, augmented)
        if self._penalised:
            weights = self._weights
            penalty = self.regularizer.derivative(self.network.params[weights])
            self.network.grads[weights] += self.regularization_rate * penalty

    @property
    def _penalised(self) -> bool:
        return self.regularization_rate > 0 and self.regularizer.name != "none"

    def population_objective(self, population: np.ndarray) -> np.ndarray:
        """J (``objective``) of each of many parameter vectors (M, params) on the training
        set, without dropout, stacked (``engine.population``) -> (M,)."""
        return population_objective(self._population_objective(), population)

    def _population_objective(self) -> Objective:
        """What a member is scored on now: the last one, with its caches, if it still holds."""
        parts = (
            self.network,
            self.head,
            self.train_x_aug,
            self.data.train_t,
            self.regularizer,
            self.regularization_rate,
        )
        kept = self._objective
        if kept is None or not kept.made_of(parts):
            kept = self._objective = Objective(*parts)
        return kept
