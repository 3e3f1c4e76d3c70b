"""Backprop against central finite differences (float64) over the registries: activation ×
head (output activation and loss) × regularizer × dropout. By default each registered
strategy is checked at least once (``tests.engine.matrix.covering``), so anything added to a
registry is checked the moment it is registered; ``--full-matrix`` checks the whole product."""

from __future__ import annotations

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer
from tests.engine.matrix import HEADS, params

EPS = 1e-6
TOLERANCE = 1e-6
DATASET_OF_TASK = {"binary": "circle", "multiclass": "blobs", "regression": "reg-plane"}


def finite_difference(trainer: Trainer, x: np.ndarray, t: np.ndarray, seed: int) -> np.ndarray:
    params = trainer.network.params
    numeric = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + EPS
        up = trainer.objective(x, t, np.random.default_rng(seed))
        params[i] = saved - EPS
        down = trainer.objective(x, t, np.random.default_rng(seed))
        params[i] = saved
        numeric[i] = (up - down) / (2 * EPS)
    return numeric


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(float(np.linalg.norm(analytic) + np.linalg.norm(numeric)), 1e-12)
    return float(np.linalg.norm(analytic - numeric)) / scale


def check(activation: str, head: tuple[str, str, str], regularization: str, dropout: float) -> None:
    task, output, loss = head
    trainer = make_trainer(
        seed=11,
        data={"dataset": DATASET_OF_TASK[task], "n_samples": 40, "features": ["x1", "x2", "x1x2"]},
        network={
            "hidden": [5, 4],
            "activation": activation,
            "dropout": dropout,
            "output_activation": output,
            "init": "glorot",
        },
        training={"loss": loss, "regularization": regularization, "regularization_rate": 0.05},
    )
    rng = np.random.default_rng(5)
    trainer.network.params += rng.normal(0, 0.2, trainer.network.params.shape)  # off symmetric init
    x, t = trainer.data.train_x[:8] / 3.0, trainer.data.train_t[:8]
    if output == "relu":
        trainer.network.biases[-1][...] = 2.0  # keep the output unit off its flat side
    if task == "regression":
        t = np.linspace(0.1, 0.9, len(t)).reshape(-1, 1)  # reachable by every output activation
    trainer.gradient(x, t, np.random.default_rng(99))
    analytic = trainer.network.grads.copy()
    numeric = finite_difference(trainer, x, t, 99)
    error = relative_error(analytic, numeric)
    assert error <= TOLERANCE, f"relative error {error:.2e}"
    assert np.linalg.norm(analytic) > 1e-6, "an all-zero gradient would check nothing"


MATRIX = params([list(ACTIVATIONS), HEADS, list(REGULARIZERS), [0.0, 0.3]])


@pytest.mark.parametrize(("activation", "head", "regularization", "dropout"), MATRIX)
def test_backprop_matches_finite_differences(
    activation: str, head: tuple[str, str, str], regularization: str, dropout: float
) -> None:
    check(activation, head, regularization, dropout)
