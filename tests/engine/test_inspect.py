"""The teaching numbers (``engine.inspect``) against hand computations and the trainer."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine.features import feature_matrix
from engine.inspect import activation_stats, gradient_norms, probe
from engine.model import Model
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer
from tests.engine.matrix import HEADS

FEATURES = ["x1", "x2", "x1x2"]
FINITE_DIFFERENCE = 1e-7  # absolute, on derivatives of order 0.1–1


def _points(seed: int, label: Any, n: int = 30) -> list[list[float]]:
    """``n`` points in [-2, 2]² with ``label(x)``: moderate inputs keep units off their tails."""
    x = np.random.default_rng(seed).uniform(-2, 2, (n, 2))
    return np.column_stack([x, label(x)]).tolist()


POINTS_OF_TASK = {
    "binary": _points(0, lambda x: np.where(x[:, 0] * x[:, 1] > 0, 1.0, -1.0)),
    "multiclass": _points(1, lambda x: np.floor((np.arctan2(x[:, 1], x[:, 0]) + np.pi) / 2.1)),
    "regression": _points(2, lambda x: 0.5 + 0.3 * np.tanh(x[:, 0] - x[:, 1])),
}


def small_trainer(
    activation: str = "tanh",
    head: tuple[str, str, str] = ("binary", "tanh", "half_mse"),
    hidden: list[int] | None = None,
    **training: Any,
) -> Trainer:
    task, output, loss = head
    trainer = make_trainer(
        seed=7,
        data={"dataset": "points", "points": POINTS_OF_TASK[task], "features": FEATURES},
        network={
            "hidden": hidden or [4, 3],
            "activation": activation,
            "dropout": training.pop("dropout", 0.0),
            "output_activation": output,
            "init": "glorot",
        },
        training={"loss": loss, "learning_rate": 0.05, "batch_size": 6, **training},
    )
    if output == "relu":
        trainer.network.biases[-1][...] = 2.0  # keep the output unit off its flat side
    return trainer


def some_weights(trainer: Trainer) -> list[tuple[int, int | None, int]]:
    """Per weight layer: a weight and a bias, at different units."""
    sizes = trainer.network.sizes
    found: list[tuple[int, int | None, int]] = []
    for k in range(trainer.network.n_layers):
        found += [(k, k % sizes[k], (k + 1) % sizes[k + 1]), (k, None, sizes[k + 1] - 1)]
    return found


def every_parameter(trainer: Trainer) -> list[tuple[int, int | None, int]]:
    sizes = trainer.network.sizes
    return [
        (k, source, target)
        for k in range(trainer.network.n_layers)
        for source in [*range(sizes[k]), None]
        for target in range(sizes[k + 1])
    ]


# -- probe -----------------------------------------------------------------------------------


def test_probe_by_hand() -> None:
    trainer = make_trainer(network={"hidden": [2]})  # x1, x2 -> 2 tanh units -> tanh output
    for source, target, value in [(0, 0, 0.5), (1, 0, -0.25), (0, 1, 1.0), (1, 1, 2.0)]:
        trainer.set_weight(0, source, target, value)
    trainer.set_weight(0, None, 0, 0.1)
    trainer.set_weight(0, None, 1, -0.3)
    trainer.set_weight(1, 0, 0, 1.5)
    trainer.set_weight(1, 1, 0, -0.5)
    trainer.set_weight(1, None, 0, 0.2)
    result = probe(trainer, (2.0, -1.0))
    z = [2.0 * 0.5 - 1.0 * -0.25 + 0.1, 2.0 * 1.0 - 1.0 * 2.0 - 0.3]
    a = [math.tanh(v) for v in z]
    out = math.tanh(1.5 * a[0] - 0.5 * a[1] + 0.2)
    hidden, output = result["layers"]
    assert hidden["z"] == pytest.approx(z) and hidden["a"] == pytest.approx(a)
    np.testing.assert_allclose(hidden["contributions"], [[1.0, 2.0], [0.25, -2.0]])
    np.testing.assert_allclose(output["contributions"], [[1.5 * a[0]], [-0.5 * a[1]]])
    assert result["output"] == {"kind": "score", "values": [pytest.approx(out)], "label": 1.0}
    assert result["inputs"] == [2.0, -1.0] and result["features"] == ["x1", "x2"]


@pytest.mark.parametrize("head", HEADS, ids=["-".join(head) for head in HEADS])
def test_probe_agrees_with_the_trainers_prediction(head: tuple[str, str, str]) -> None:
    trainer = small_trainer("relu", head)
    head_ = trainer.head
    for point in [(1.5, -0.5), 3]:
        result = probe(trainer, point)
        plane = np.asarray(result["point"]).reshape(1, 2)
        x = feature_matrix(plane, trainer.config.data.features)
        expected = head_.activate(trainer.network.predict(x))
        assert result["output"]["values"] == pytest.approx(expected[0].tolist(), rel=1e-12)
        if head[0] != "regression":
            assert result["output"]["label"] == head_.labels(expected)[0]
        for layer in result["layers"]:
            sums = np.sum(layer["contributions"], axis=0) + layer["bias"]
            assert sums == pytest.approx(layer["z"], rel=1e-12, abs=1e-12)
    example = probe(trainer, 3)
    np.testing.assert_allclose(example["inputs"], trainer.data.train_x[3])
    assert example["target"] == trainer.data.train_t[3].tolist()
    if head[0] == "multiclass":
        assert sum(example["output"]["values"]) == pytest.approx(1.0)


def test_probe_takes_a_model_or_a_bare_network() -> None:
    trainer = small_trainer()
    model = Model.build(trainer.config, trainer.network.params)
    assert probe(model, (1.0, 1.0)) == probe(trainer, (1.0, 1.0))
    bare = probe(trainer.network, (1.0, 1.0), features=["x1", "x2", "x1x2"])
    assert bare["output"]["kind"] == "z"
    assert bare["layers"][-1]["z"] == probe(trainer, (1.0, 1.0))["layers"][-1]["z"]
    with pytest.raises(ValueError, match="needs a trainer"):
        probe(model, 0)


# -- activation statistics and gradient norms ------------------------------------------------


def test_dead_relu_units_are_found() -> None:
    trainer = small_trainer("relu", hidden=[3])
    for unit in (0, 2):  # z = −1 on every example
        trainer.network.weights[0][:, unit] = 0.0
        trainer.network.biases[0][unit] = -1.0
    stats = activation_stats(trainer, 0)
    assert [n["verdict"] for n in stats["neurons"]] == ["dead", None, "dead"]
    assert stats["verdict"] == {"code": "dead", "units": 2, "of": 3, "share": 2 / 3}
    assert (stats["dead"], stats["saturated"], stats["saturating"]) == (2, 0, False)
    assert sum(stats["histogram"]) == 3 * stats["examples"]
    assert stats["z"][0] == [-1.0] * stats["examples"]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_saturated_units_are_found(activation: str) -> None:
    trainer = small_trainer(activation, hidden=[4])
    assert activation_stats(trainer, 0)["verdict"] is None
    trainer.network.weights[0][:, :3] *= 200.0  # three of four units pushed onto their tails
    trainer.network.biases[0][:3] = 50.0
    stats = activation_stats(trainer, 0, values=False)
    assert [n["verdict"] for n in stats["neurons"]] == ["saturated"] * 3 + [None]
    assert stats["verdict"] == {"code": "saturated", "units": 3, "of": 4, "share": 0.75}
    assert stats["saturating"] and "z" not in stats


def test_activation_stats_of_the_output_layer() -> None:
    stats = activation_stats(small_trainer(head=("multiclass", "softmax", "cross_entropy")), 2)
    assert stats["activation"] == "softmax" and stats["verdict"] is None
    assert all(n["flat_share"] is None for n in stats["neurons"])


def test_gradient_norms_split_the_loss_and_the_penalty() -> None:
    trainer = small_trainer(regularization="l2", regularization_rate=0.1, batch_size=1000)
    grads = trainer.network.grads.copy()
    norms = gradient_norms(trainer, "train")
    assert norms["examples"] == len(trainer.data.train_t) and norms["batch"] is None
    np.testing.assert_array_equal(trainer.network.grads, grads)
    trainer.data_gradient(trainer.data.train_x, trainer.data.train_t)
    for layer, grad, weights in zip(
        norms["layers"], trainer.network.grad_layers, trainer.network.weights, strict=True
    ):
        assert layer["loss"] == pytest.approx(np.linalg.norm(grad))
        assert layer["loss_bias"] == pytest.approx(np.linalg.norm(grad[-1]))
        assert layer["penalty"] == pytest.approx(0.1 * np.linalg.norm(weights))
    trainer.gradient(trainer.data.train_x, trainer.data.train_t)
    for layer, grad in zip(norms["layers"], trainer.network.grad_layers, strict=True):
        assert layer["total"] == pytest.approx(np.linalg.norm(grad))
    batch = gradient_norms(trainer)  # a full batch, shuffled: the same sums in another order
    assert [la["loss"] for la in batch["layers"]] == pytest.approx(
        [la["loss"] for la in norms["layers"]], rel=1e-9
    )


def test_a_diverged_network_gives_non_finite_numbers_not_errors() -> None:
    trainer = small_trainer("relu", optimizer="adam")
    trainer.network.weights[0][0, :] = 1e300
    trainer.network.weights[1][:, 0] = -1e300
    results = [
        probe(trainer, (1.0, 2.0)),
        probe(trainer, 0),
        activation_stats(trainer, 1),
        gradient_norms(trainer),
        gradient_norms(trainer, "train"),
    ]
    text = json.dumps(results)  # Python's JSON writes NaN and Infinity: the server nulls them
    assert "NaN" in text or "Infinity" in text
