"""Backprop against central finite differences, for every registered activation."""

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.losses import HalfSquaredError
from engine.network import Network, init_uniform

EPS = 1e-6


def loss_at(network: Network, x: np.ndarray, y: np.ndarray) -> float:
    return HalfSquaredError.value(y, network.predict(x))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_backprop_matches_finite_differences(name: str) -> None:
    rng = np.random.default_rng(7)
    network = Network([3, 5, 4, 1], ACTIVATIONS[name], ACTIVATIONS["tanh"])
    init_uniform(network, rng)
    network.params += rng.normal(0, 0.3, network.params.shape)  # off TF's constant biases
    x = rng.uniform(-2, 2, (6, 3))
    y = rng.choice([-1.0, 1.0], (6, 1))

    trace = network.forward(x)
    network.backward(trace, HalfSquaredError.grad(y, trace.outputs[-1]))
    analytic = network.grads.copy()

    numeric = np.empty_like(analytic)
    for i in range(network.params.size):
        saved = network.params[i]
        network.params[i] = saved + EPS
        up = loss_at(network, x, y)
        network.params[i] = saved - EPS
        down = loss_at(network, x, y)
        network.params[i] = saved
        numeric[i] = (up - down) / (2 * EPS)

    error = np.linalg.norm(analytic - numeric) / max(
        np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12
    )
    assert error <= 1e-6, f"{name}: relative error {error:.2e}"
    assert np.linalg.norm(analytic) > 1e-4  # the check would be empty with zero gradients


def test_weight_views_share_the_flat_vector() -> None:
    network = Network([2, 3, 1], ACTIVATIONS["tanh"], ACTIVATIONS["tanh"])
    network.params[:] = np.arange(network.params.size)
    assert network.weights[0].shape == (2, 3)
    assert network.biases[0].tolist() == [6.0, 7.0, 8.0]
    assert network.weights[1].ravel().tolist() == [9.0, 10.0, 11.0]
    assert network.biases[1].tolist() == [12.0]
