"""Backprop against central finite differences (float64), for every registered activation ×
head (output activation and loss) × regularizer, with and without dropout. Anything added
to a registry is checked the moment it is registered."""

from __future__ import annotations

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.heads import ALLOWED
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer

EPS = 1e-6
TOLERANCE = 1e-6
DATASET_OF_TASK = {"binary": "circle", "multiclass": "blobs", "regression": "reg-plane"}
HEADS = [
    (task, output, loss)
    for task, outputs in ALLOWED.items()
    for output, losses in outputs.items()
    for loss in sorted(losses)
]


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


@pytest.mark.parametrize("head", HEADS, ids="-".join)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_with_every_head(activation: str, head: tuple[str, str, str]) -> None:
    check(activation, head, "none", 0.0)


@pytest.mark.parametrize("regularization", list(REGULARIZERS))
@pytest.mark.parametrize("head", HEADS, ids="-".join)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_regularizer_with_dropout(
    activation: str, head: tuple[str, str, str], regularization: str
) -> None:
    check(activation, head, regularization, 0.3)
