"""Losses, each with its gradient beside it: ``(y_true, y_pred) -> value / grad``."""

from __future__ import annotations

import numpy as np


class HalfSquaredError:
    """TF Playground's loss: mean of ½(ŷ − y)² over the batch."""

    name = "half_mse"

    @staticmethod
    def value(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(0.5 * np.mean((y_pred - y_true) ** 2))

    @staticmethod
    def grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """dLoss/dŷ, same shape as y_pred (B, 1)."""
        grad: np.ndarray = (y_pred - y_true) / y_pred.size
        return grad
