"""Stopping rules: max epochs, a target loss, and early stopping on the validation loss
(the test loss when the run holds out no validation set)."""

from __future__ import annotations

import math

import numpy as np

from engine.config import TrainingConfig
from engine.metrics import Metrics


class Stopper:
    """Watches each epoch's metrics; ``reason`` says which rule ended training, if one did."""

    def __init__(self, training: TrainingConfig) -> None:
        self.max_epochs = training.max_epochs
        self.target_loss = training.target_loss
        self.early = training.early_stopping
        self.reason: str | None = None
        self.best_loss = math.inf
        self.best_epoch = 0
        self.stopped_epoch: int | None = None
        self._best_params: np.ndarray | None = None
        self._waited = 0

    def update(self, metrics: Metrics, params: np.ndarray) -> np.ndarray | None:
        """Record an epoch; returns the best weights when early stopping restores them."""
        restore = self._early_stopping(metrics, params) if self.early else None
        if (
            self.reason is None
            and self.target_loss is not None
            and metrics.train_loss <= self.target_loss
        ):
            self.reason = "target_loss"
        if self.reason is None and self.max_epochs is not None and metrics.epoch >= self.max_epochs:
            self.reason = "max_epochs"
        if self.reason and self.stopped_epoch is None:
            self.stopped_epoch = metrics.epoch
        return restore

    def _early_stopping(self, metrics: Metrics, params: np.ndarray) -> np.ndarray | None:
        assert self.early is not None
        loss = metrics.test_loss if metrics.val_loss is None else metrics.val_loss
        if loss < self.best_loss - self.early.min_delta:
            self.best_loss, self.best_epoch, self._waited = loss, metrics.epoch, 0
            if self.early.restore_best:
                self._best_params = params.copy()
            return None
        self._waited += 1
        if self._waited < self.early.patience:
            return None
        self.reason = "early_stopping"
        return self._best_params
