"""The compiled picture pass (engine.kernels) against NumPy's pass and float64."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pytest

from engine import kernels, shading
from engine.activations import ACTIVATIONS
from engine.frames import grid_inputs
from engine.network_buffers import PictureTrace
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer

COMPILED = sorted(shading.COMPILED)


@numba.njit(cache=False)
def _tanh_all(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = kernels.tanh_approx(x[i])


def tanh_approx(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    _tanh_all(x, out)
    return out


def test_the_kernels_tanh_is_within_2e_6_of_tanh_everywhere() -> None:
    x = np.concatenate([np.linspace(-30, 30, 600_001), [-1e30, 1e30]]).astype(np.float32)
    got = tanh_approx(x)
    assert got.dtype == np.float32
    assert np.abs(got - np.tanh(x.astype(np.float64))).max() < 2e-6
    assert np.all(np.abs(got) <= 1.0)
    assert np.all(np.diff(got[:-2]) >= -5e-7)  # monotone but for a few ulps near ±1


def test_the_kernels_tanh_keeps_nan_and_saturates_infinities() -> None:
    got = tanh_approx(np.array([np.nan, -np.inf, np.inf], np.float32))
    assert np.isnan(got[0]) and got[1] == pytest.approx(-1.0, abs=1e-6) and got[2] > 0.99999


def both_passes(trainer: Trainer, monkeypatch: pytest.MonkeyPatch, size: int = 37) -> Any:
    """(compiled trace, NumPy trace) of ``trainer``'s network over a ``size``² grid plus a
    5² one: 1394 points, not a whole number of the kernel's blocks."""
    grid = grid_inputs(trainer.network, trainer.config.data.features, size, 5)
    traces = []
    for compiled in (True, False):
        monkeypatch.setattr(kernels, "AVAILABLE", compiled)
        trace = trainer.network.forward_picture(grid)
        traces.append(snapshot(trace))
    return traces


def snapshot(trace: PictureTrace) -> dict[str, Any]:
    return {
        "hidden": [trace.act(k).copy() for k in range(len(trace.hidden))],
        "output": trace.output.copy(),
        "compiled": [form.kernel is not None for form in trace.forms],
    }


@pytest.mark.parametrize("activation", COMPILED)
@pytest.mark.parametrize("hidden", [[8] * 3, [3, 5, 1, 7], [9]])
def test_the_compiled_pass_gives_numpys_pictures(
    activation: str, hidden: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Units not a multiple of the kernel's four, 3 outputs, 5 input features, weights
    trained then doubled (saturated and kinked parts): every neuron and output within 1e-5."""
    trainer = make_trainer(
        4,
        data={"dataset": "blobs", "features": ["x1", "x2", "x1x2", "sin_x1", "x1_sq"]},
        network={"hidden": hidden, "activation": activation},
    )
    trainer.fit(3)
    trainer.network.params *= 2.0
    compiled, reference = both_passes(trainer, monkeypatch)
    assert all(compiled["compiled"]) and not any(reference["compiled"])
    for got, expected in zip(compiled["hidden"], reference["hidden"], strict=True):
        assert np.abs(got - expected).max() < 1e-5 * max(1.0, np.abs(expected).max())
    scale = max(1.0, np.abs(reference["output"]).max())
    assert np.abs(compiled["output"] - reference["output"]).max() < 1e-5 * scale


def test_an_activation_the_kernel_lacks_sends_the_network_to_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One layer of ELU in a tanh network: the whole picture goes NumPy's way, and is right."""
    assert "elu" in ACTIVATIONS and "elu" not in shading.COMPILED
    trainer = make_trainer(network={"hidden": [4, {"units": 3, "activation": "elu"}]})
    trainer.fit(2)
    compiled, reference = both_passes(trainer, monkeypatch)
    assert not any(compiled["compiled"])
    for got, expected in zip(compiled["hidden"], reference["hidden"], strict=True):
        assert np.array_equal(got, expected)


def test_a_broken_network_shows_nan_where_numpy_does(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = make_trainer(network={"hidden": [5, 4]})
    trainer.network.weights[1][0, 2] = np.nan
    trainer.network.weights[0][1, 0] = np.inf
    compiled, reference = both_passes(trainer, monkeypatch)
    for got, expected in zip(compiled["hidden"], reference["hidden"], strict=True):
        assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.array_equal(np.isnan(compiled["output"]), np.isnan(reference["output"]))


def test_a_float64_grid_takes_numpys_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = make_trainer()
    grid = grid_inputs(trainer.network, trainer.config.data.features, 9, 3).astype(np.float64)
    trace = trainer.network.forward_picture(grid)
    assert trace.output.dtype == np.float64
    assert not any(form.kernel is not None for form in trace.forms)
