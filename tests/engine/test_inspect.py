"""The teaching numbers (``engine.inspect``, ``engine.inspect_step``, ``engine.inspect_chain``)
against hand computations, finite differences and the trainer's own steps. The chain rule and
the next update are checked over the registries (``tests.engine.matrix``): a newly registered
activation, head, optimizer or penalty is covered the moment it exists; ``--full-matrix``
checks every combination."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.features import feature_matrix
from engine.inspect import flat_index, gradient_norms, probe
from engine.inspect_chain import chain_rule
from engine.inspect_step import next_update
from engine.inspect_units import activation_stats
from engine.model import Model
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer
from tests.engine.matrix import HEADS, params

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


# -- the chain rule --------------------------------------------------------------------------


def check_factors(result: dict[str, Any]) -> None:
    """The factors multiply to the product; every sum's terms add up to its factor."""
    product = math.prod(factor["value"] for factor in result["factors"])
    assert product == pytest.approx(result["product"], rel=1e-9, abs=1e-15)
    terms = [term["product"] for term in result["terms"]]
    if result["kind"] == "hidden":
        assert sum(terms) == pytest.approx(result["product"], rel=1e-9, abs=1e-15)
    elif terms:  # softmax: ∂E/∂s_i = Σ_k ∂E/∂x_k·∂x_k/∂s_i
        assert sum(terms) == pytest.approx(result["factors"][0]["value"], rel=1e-9, abs=1e-15)
    if result["simplified"] is not None:
        assert result["simplified"]["value"] == pytest.approx(result["product"], abs=1e-12)


@pytest.mark.parametrize(
    ("activation", "head", "regularization"),
    params([list(ACTIVATIONS), HEADS, list(REGULARIZERS)]),
)
def test_the_chain_rule_matches_finite_differences(
    activation: str, head: tuple[str, str, str], regularization: str
) -> None:
    trainer = small_trainer(
        activation, head, regularization=regularization, regularization_rate=0.05
    )
    rng = np.random.default_rng(5)
    trainer.network.params += rng.normal(0, 0.2, trainer.network.params.shape)
    nonzero = 0.0
    for layer, source, target in some_weights(trainer):
        for example in (0, 1):
            result = chain_rule(trainer, layer, source, target, example)
            assert result["total"] == pytest.approx(
                result["finite_difference"], abs=FINITE_DIFFERENCE
            ), (layer, source, target, example)
            check_factors(result)
            nonzero = max(nonzero, abs(result["product"]))
    assert nonzero > 1e-4, "all-zero derivatives would check nothing"


def test_the_slides_worked_example_by_hand() -> None:
    """One hidden sigmoid layer, a sigmoid output with binary cross-entropy, no biases:
    ∂E/∂w_ji = (x_i − t_i)·x_j and ∂E/∂w_kj = Σ_i (x_i − t_i)·w_ji·x_j(1 − x_j)·x_k."""
    points = [[0.5, -1.0, 1], [1.0, 0.5, -1], [-0.5, 0.2, 1], [0.3, 0.8, -1]]
    trainer = make_trainer(
        data={"dataset": "points", "points": points, "features": ["x1", "x2"]},
        network={"hidden": [2], "activation": "sigmoid", "output_activation": "sigmoid"},
        training={"loss": "bce"},
    )
    w_kj = [[0.1, 0.4], [-0.2, 0.3]]  # input k -> hidden j
    w_ji = [0.5, -0.6]  # hidden j -> the output
    for k in range(2):
        for j in range(2):
            trainer.set_weight(0, k, j, w_kj[k][j])
        trainer.set_weight(0, None, k, 0.0)
        trainer.set_weight(1, k, 0, w_ji[k])
    trainer.set_weight(1, None, 0, 0.0)

    def sigmoid(s: float) -> float:
        return 1.0 / (1.0 + math.exp(-s))

    for example, (x1, x2) in enumerate(trainer.data.split.train.x):
        t = 1.0 if trainer.data.split.train.y[example] == 1 else 0.0
        x_k = [x1, x2]
        x_j = [sigmoid(x1 * w_kj[0][j] + x2 * w_kj[1][j]) for j in range(2)]
        x_i = sigmoid(x_j[0] * w_ji[0] + x_j[1] * w_ji[1])

        output = chain_rule(trainer, 1, 1, 0, example)  # w_ji: hidden j = 1 -> output i = 0
        assert output["simplified"]["formula"] == "(x_i − t_i)·x_j"
        by_hand = (x_i - t) * x_j[1]
        for value in (output["simplified"]["value"], output["product"]):
            assert value == pytest.approx(by_hand, rel=1e-12)
        assert output["finite_difference"] == pytest.approx(by_hand, abs=1e-9)
        slide = [(x_i - t) / (x_i * (1 - x_i)), x_i * (1 - x_i), x_j[1]]  # the three factors
        assert [f["value"] for f in output["factors"]] == pytest.approx(slide, rel=1e-12)
        assert (output["x_i"], output["t_i"], output["x_j"]) == pytest.approx((x_i, t, x_j[1]))

        hidden = chain_rule(trainer, 0, 0, 1, example)  # w_kj: input k = 0 -> hidden j = 1
        assert hidden["simplified"]["formula"] == "Σ_i (x_i − t_i)·w_ji·x_j(1 − x_j)·x_k"
        by_hand = (x_i - t) * w_ji[1] * x_j[1] * (1 - x_j[1]) * x_k[0]
        for value in (hidden["simplified"]["value"], hidden["product"]):
            assert value == pytest.approx(by_hand, rel=1e-12)
        assert hidden["finite_difference"] == pytest.approx(by_hand, abs=1e-9)
        assert hidden["terms"][0]["dE_ds_i"] == pytest.approx(x_i - t, rel=1e-12)
        assert hidden["terms"][0]["w_ji"] == w_ji[1]


def test_the_batch_mean_is_the_mean_of_the_examples_derivatives() -> None:
    trainer = small_trainer("tanh", batch_size=1000)  # one batch: the whole training set
    n = len(trainer.data.train_t)
    for layer, source, target in some_weights(trainer):
        results = [chain_rule(trainer, layer, source, target, e) for e in range(n)]
        mean = sum(r["product"] for r in results) / n
        assert results[0]["batch"]["mean"] == pytest.approx(mean, rel=1e-9, abs=1e-15)
        assert results[0]["batch"]["size"] == n


# -- the next update -------------------------------------------------------------------------


# The genetic trainer takes no gradient step to predict: test_next_update_of_a_genetic_run.
STEPPING = [name for name, optimizer in OPTIMIZERS.items() if not optimizer.gradient_free]


@pytest.mark.parametrize(
    ("optimizer", "regularization", "dropout"),
    params([STEPPING, list(REGULARIZERS), [0.0, 0.3]]),
)
def test_next_update_predicts_the_real_step(
    optimizer: str, regularization: str, dropout: float
) -> None:
    trainer = small_trainer(
        optimizer=optimizer,
        regularization=regularization,
        regularization_rate=0.3,  # η·λ = 0.015 a step: L1 kills weights within the run
        dropout=dropout,
    )
    weights = every_parameter(trainer)
    for _ in range(8):  # 15 training points in batches of 6: two new epochs, a short batch
        rng_state = trainer.rng.bit_generator.state
        before = (trainer.network.params.copy(), trainer.network.grads.copy())
        predicted = [next_update(trainer, *weight) for weight in weights]
        assert trainer.rng.bit_generator.state == rng_state, "peeking drew random numbers"
        np.testing.assert_array_equal(trainer.network.params, before[0])
        np.testing.assert_array_equal(trainer.network.grads, before[1])
        trainer.train_batch()
        for weight, update in zip(weights, predicted, strict=True):
            index = flat_index(trainer.network, *weight)
            assert update["new_weight"] == trainer.network.params[index], weight
            assert update["dead"] == trainer.dead[index]
            check_quantities(update)
    assert np.abs(trainer.network.params - trainer.initial_params).max() > 1e-3
    if regularization == "l1":
        assert trainer.dead.any(), "the dead-link rule was never exercised"


def test_next_update_of_a_genetic_run_is_refused() -> None:
    trainer = small_trainer(optimizer="genetic")
    with pytest.raises(ValueError, match=r"^the genetic trainer takes no gradient step"):
        next_update(trainer, *some_weights(trainer)[0])


def check_quantities(update: dict[str, Any]) -> None:
    """The optimizer's named step (plus AdamW's decay) is the move it makes."""
    quantities = update["quantities"]
    moved = quantities["step"] + quantities.get("decay", 0.0)
    assert moved == pytest.approx(update["optimizer_step"], rel=1e-9, abs=1e-12)
    g, lr = update["gradient"]["seen"], update["learning_rate"]
    if "eta_g" in quantities:
        assert quantities["eta_g"] == lr * g
    if "m_hat" in quantities:
        t = quantities["t"]
        assert quantities["m_hat"] == pytest.approx(quantities["m"] / (1 - 0.9**t))
    assert update["change"] == update["new_weight"] - update["weight"]


def test_next_update_in_float32() -> None:
    trainer = small_trainer(optimizer="adam", precision="float32", regularization="l2")
    trainer.set(regularization_rate=0.1)
    weights = some_weights(trainer)
    for _ in range(3):
        predicted = [next_update(trainer, *weight)["new_weight"] for weight in weights]
        trainer.train_batch()
        actual = [float(trainer.network.params[flat_index(trainer.network, *w)]) for w in weights]
        assert predicted == actual


def test_next_update_of_a_stopped_run_changes_nothing() -> None:
    trainer = small_trainer(max_epochs=1)
    trainer.fit(1)
    update = next_update(trainer, 0, 0, 0)
    assert not update["will_step"]
    assert update["new_weight"] == update["weight"] == trainer.network.weights[0][0, 0]


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
    assert (stats["dead_share"], stats["saturated_share"]) == (2 / 3, 0.0)
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
        next_update(trainer, 1, 0, 0),
        chain_rule(trainer, 0, 0, 0, 0),
    ]
    text = json.dumps(results)  # Python's JSON writes NaN and Infinity: the server nulls them
    assert "NaN" in text or "Infinity" in text
