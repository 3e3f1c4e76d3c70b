"""Frames: the grid, quantisation, and pictures that match the network's own predictions."""

from __future__ import annotations

import numpy as np
import pytest

from engine.frames import SHADES, grid_points, quantize
from engine.history import History
from engine.metrics import Metrics
from tests.engine.helpers import make_trainer


def test_grid_runs_left_to_right_and_top_down() -> None:
    points = grid_points(3)
    assert points[0].tolist() == [-6.0, 6.0] and points[-1].tolist() == [6.0, -6.0]
    assert points[1].tolist() == [0.0, 6.0]


def test_quantize_maps_the_range_to_bytes_and_rounds() -> None:
    codes = quantize(np.array([-5.0, -1.0, 0.0, 1.0, 9.0, np.nan]))
    assert codes.tolist() == [0, 0, 128, 255, 255, 0]
    assert quantize(np.array([0.0, 0.5, 2.0]), (0.0, 2.0)).tolist() == [0, 64, 255]
    assert quantize(np.array([-1.0, 0.0, 0.99, 1.0]), levels=SHADES).tolist() == [0, 15, 30, 30]


def test_the_output_picture_is_the_networks_prediction() -> None:
    trainer = make_trainer()
    trainer.fit(3)
    frame = trainer.frame(resolution=30, thumbnail=6)
    z = trainer.network.predict(np.asarray(grid_points(30)))
    expected = quantize(np.tanh(z).reshape(30, 30), levels=SHADES)
    assert np.abs(frame.arrays["output"].astype(int) - expected).max() <= 1  # float32 pass


def test_neuron_thumbnails_are_each_neurons_output_on_the_small_grid() -> None:
    trainer = make_trainer(network={"hidden": [3, 2]})
    frame = trainer.frame(resolution=20, thumbnail=5)
    first_layer = np.tanh(grid_points(5) @ trainer.network.weights[0] + trainer.network.biases[0])
    expected = quantize(first_layer.T.reshape(3, 5, 5), levels=SHADES)
    assert np.abs(frame.arrays["neurons"][:3].astype(int) - expected).max() <= 1


def test_float32_precision_trains_deterministically() -> None:
    a = make_trainer(0, training={"precision": "float32"})
    b = make_trainer(0, training={"precision": "float32"})
    assert a.network.params.dtype == np.float32
    a.fit(20)
    b.fit(20)
    assert np.array_equal(a.network.params, b.network.params)
    wide = make_trainer(0)  # the same run in float64 follows nearly the same path
    wide.fit(20)
    assert np.allclose(a.network.params, wide.network.params, atol=1e-3)


def test_history_thins_old_points_and_keeps_recent_ones() -> None:
    history = History(max_points=100)
    for epoch in range(1000):
        history.append(
            Metrics(epoch=epoch, step=epoch, train_loss=1.0 / (epoch + 1), test_loss=0.5)
        )
    epochs = list(history.columns["epoch"])
    assert len(history) <= 100
    assert epochs[0] == 0 and epochs[-1] == 999 and epochs == sorted(epochs)
    assert epochs[-10:] == list(range(990, 1000))  # the recent tail stays dense
    assert history.as_lists()["train_accuracy"][0] is None


@pytest.mark.parametrize("resolution", [10, 57, 100])
def test_any_resolution(resolution: int) -> None:
    frame = make_trainer().frame(resolution=resolution, thumbnail=7)
    assert frame.arrays["output"].shape == (resolution, resolution)
