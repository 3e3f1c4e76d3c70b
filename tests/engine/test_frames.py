"""Frames: the grid, quantisation, and pictures that match the network's own predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine import kernels, shading
from engine.activations import ACTIVATIONS, Activation
from engine.features import feature_matrix
from engine.frames import PERCENT, SHADES, grid_points, quantize
from engine.history import History
from engine.metrics import Metrics
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer

# How pictures go: the compiled pass (engine.kernels), or NumPy's forms with tanh-like ones by
# NumPy's tanh or by exp (AVX2 CPUs)
ROUTES = ("compiled", "tanh", "exp")
OFF_SHADE_SHARE = 0.001  # float32 may put a pixel within ~1e-6 of a shade's edge one shade over


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


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every way a picture can go, whichever this CPU would pick."""
    chosen: str = request.param
    monkeypatch.setattr(kernels, "AVAILABLE", chosen == "compiled")
    monkeypatch.setattr(shading, "tanh_is_fast", lambda: chosen == "tanh")
    return chosen


def assert_same_shades(got: np.ndarray, expected: np.ndarray) -> None:
    off = np.abs(got.astype(int) - expected.astype(int))
    assert off.max() <= 1
    assert np.count_nonzero(off) <= OFF_SHADE_SHARE * off.size, f"{np.count_nonzero(off)} off"


def float64_pictures(trainer: Trainer, resolution: int, thumbnail: int) -> dict[str, Any]:
    """The frame's pictures (but the output's head) from the float64 training forward."""
    features = trainer.config.data.features
    net = trainer.network
    small = net.forward(feature_matrix(grid_points(thumbnail), features))
    neurons = np.concatenate([a.copy() for a in small.act])
    full = net.forward(feature_matrix(grid_points(resolution), features))
    return {
        "neurons": neurons.reshape(-1, thumbnail, thumbnail),
        "hidden": np.concatenate(full.act),  # every hidden neuron, (units, R²)
        "z": full.output.copy(),
    }


def picture_trainer(activation: str, seed: int, **network: Any) -> Trainer:
    """A trained run, its weights then doubled: saturated, kinked and steep parts in the
    picture, not only the gentle slopes of a fresh net."""
    trainer = make_trainer(
        seed,
        data={"features": ["x1", "x2", "x1x2", "sin_x1"]},
        network={"hidden": [8, 8, 8], "activation": activation, **network},
    )
    trainer.fit(5)
    trainer.network.params *= 2.0
    return trainer


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("seed", [0, 1])
def test_float32_pictures_have_the_float64_shades(activation: str, seed: int, route: str) -> None:
    trainer = picture_trainer(activation, seed)
    focus = 13  # a neuron of the second hidden layer
    frame = trainer.frame(resolution=100, thumbnail=20, focus=focus)
    wide = float64_pictures(trainer, 100, 20)
    assert_same_shades(frame.arrays["neurons"], quantize(wide["neurons"], levels=SHADES))
    focused = wide["hidden"][focus].reshape(100, 100)
    assert_same_shades(frame.arrays["focus"], quantize(focused, levels=SHADES))
    output = np.tanh(wide["z"][:, 0]).reshape(100, 100)
    assert_same_shades(frame.arrays["output"], quantize(output, levels=SHADES))
    assert len(np.unique(frame.arrays["output"])) >= 3  # a picture, not a flat field


@pytest.mark.parametrize(
    ("task", "output", "loss"),
    [
        ("binary", "sigmoid", "bce"),
        ("regression", "linear", "mse"),
        ("regression", "relu", "mse"),
        ("regression", "softplus", "mse"),
        ("regression", "sigmoid", "mse"),
        ("regression", "tanh", "mse"),
    ],
)
def test_every_output_activation_pictures_in_the_float64_shades(
    task: str, output: str, loss: str, route: str
) -> None:
    dataset = {"binary": "circle", "regression": "reg-plane"}[task]
    trainer = make_trainer(
        2,
        data={"dataset": dataset},
        network={"hidden": [6, 6], "output_activation": output},
        training={"loss": loss},
    )
    trainer.fit(5)
    frame = trainer.frame(resolution=60, thumbnail=10)
    a = trainer.head.activate(float64_pictures(trainer, 60, 10)["z"])[:, 0]
    if task == "binary":
        a = 2.0 * a - 1.0  # the probability on the ±1 colour scale
    expected = quantize(a.reshape(60, 60), frame.ranges["output"], SHADES)
    assert_same_shades(frame.arrays["output"], expected)


def test_multiclass_pictures_show_the_float64_classes(route: str) -> None:
    trainer = make_trainer(4, data={"dataset": "blobs"}, network={"activation": "gelu"})
    trainer.fit(5)
    frame = trainer.frame(resolution=60, thumbnail=10)
    a = trainer.head.activate(float64_pictures(trainer, 60, 10)["z"])
    assert_same_shades(frame.arrays["output"], a.argmax(axis=1).reshape(60, 60))
    confidence = quantize(a.max(axis=1).reshape(60, 60), (0.0, 1.0), SHADES)
    assert_same_shades(frame.arrays["confidence"], confidence)


def test_multiclass_frames_carry_each_class_probability_in_percent(route: str) -> None:
    """One picture per class (the diagram's output units, a hovered point's readout)."""
    trainer = make_trainer(4, data={"dataset": "blobs", "classes": 5})
    trainer.fit(5)
    frame = trainer.frame(resolution=60, thumbnail=10)
    a = trainer.head.activate(float64_pictures(trainer, 60, 10)["z"])  # (R², K)
    assert frame.arrays["probabilities"].shape == (5, 60, 60)
    assert (frame.ranges["probabilities"], frame.levels["probabilities"]) == ((0.0, 1.0), PERCENT)
    expected = quantize(a.T.reshape(5, 60, 60), (0.0, 1.0), PERCENT)
    assert_same_shades(frame.arrays["probabilities"], expected)
    assert "probabilities" not in make_trainer(4).frame(resolution=20, thumbnail=5).arrays


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_picture_forms_follow_each_activation_everywhere(activation: str, route: str) -> None:
    """Far into both tails too, where eᵘ overflows float32: 1e-6 of the value or of 1."""
    z = np.concatenate([np.linspace(-40, 40, 8001), [-1e4, -200.0, 200.0, 1e4]]).astype(np.float32)
    expected = ACTIVATIONS[activation](z.astype(np.float64))
    got = shading.picture_form(ACTIVATIONS[activation])(z)
    assert got.dtype == np.float32
    assert np.all(np.abs(got - expected) <= 1e-6 * np.maximum(1.0, np.abs(expected)))


def test_an_activation_without_a_form_pictures_through_its_forward() -> None:
    unknown = Activation("cube", lambda z, out: np.power(z, 3, out), lambda z, a, out: out, "z³")
    z = np.linspace(-2, 2, 9, dtype=np.float32)
    assert np.allclose(shading.picture_form(unknown)(z), z**3)


def test_pictures_leave_training_alone() -> None:
    """Frames between epochs (their float32 pass, folded weights, shared buffers) change no
    training number: the same run with and without them ends bit for bit the same."""
    for precision in ("float64", "float32"):
        pictured = make_trainer(5, network={"hidden": [8] * 6}, training={"precision": precision})
        plain = make_trainer(5, network={"hidden": [8] * 6}, training={"precision": precision})
        for _ in range(5):
            pictured.train_epoch()
            pictured.frame(resolution=30, thumbnail=6, focus=3)
            plain.train_epoch()
        assert np.array_equal(pictured.network.params, plain.network.params)
        assert pictured.metrics() == plain.metrics()
