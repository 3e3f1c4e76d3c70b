"""Training: convergence, determinism, batches and epochs, live changes, resets, divergence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine import DivergedError, ExperimentConfig, LiveChanges, Trainer
from tests.engine.helpers import make_trainer

ADAM = {"optimizer": "adam", "learning_rate": 0.01}
# (dataset config, network, training, epochs, metric, bound): each reached by seeds 0-4.
CONVERGENCE: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], int, str, float]] = {
    "circle": ({"dataset": "circle"}, {}, {}, 150, "test_accuracy", 0.95),
    "xor": ({"dataset": "xor"}, {"hidden": [8, 4]}, {}, 150, "test_accuracy", 0.95),
    "gauss": ({"dataset": "gauss"}, {}, {}, 50, "test_accuracy", 0.95),
    "spiral with sin features": (
        {"dataset": "spiral", "features": ["x1", "x2", "sin_x1", "sin_x2"]},
        {"hidden": [8, 8]},
        ADAM,
        300,
        "test_accuracy",
        0.90,
    ),
    "reg-plane": ({"dataset": "reg-plane"}, {}, {}, 50, "test_loss", 0.002),
    "reg-gauss": ({"dataset": "reg-gauss"}, {"hidden": [8, 8]}, ADAM, 200, "test_loss", 0.01),
    "3-class blobs": ({"dataset": "blobs"}, {"hidden": [8]}, {}, 50, "test_accuracy", 0.95),
}


@pytest.mark.parametrize("case", list(CONVERGENCE))
@pytest.mark.parametrize("seed", [0, 4])
def test_each_dataset_reaches_its_stated_bound(case: str, seed: int) -> None:
    data, network, training, epochs, metric, bound = CONVERGENCE[case]
    trainer = make_trainer(seed, data=data, network=network, training=training)
    value = getattr(trainer.fit(epochs), metric)
    assert value >= bound if metric == "test_accuracy" else value <= bound


def test_default_config_learns_circle_from_almost_every_initialisation() -> None:
    """A [4, 2] tanh net can stall in a poor minimum (TF Playground's does too), but rarely."""
    reached = sum(
        Trainer(ExperimentConfig(seed=s)).fit(150).test_accuracy >= 0.95 for s in range(10)
    )  # type: ignore[operator]
    assert reached >= 9


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_same_config_and_seed_give_bit_identical_trajectories(optimizer: str) -> None:
    sections = {"network": {"hidden": [6, 6], "dropout": 0.2}, "training": {"optimizer": optimizer}}
    a, b = make_trainer(**sections), make_trainer(**sections)
    a.fit(5)
    b.fit(5)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.latest == b.latest
    other = make_trainer(4, **sections)
    other.fit(5)
    assert not np.array_equal(a.network.params, other.network.params)


def test_every_epoch_reshuffles_the_training_set() -> None:
    trainer = make_trainer(training={"batch_size": 250})
    orders = []
    for _ in range(3):
        trainer.train_batch()
        orders.append(trainer._epoch_x.T.copy())  # the epoch's training inputs, in visiting order
    assert trainer.epoch == 3
    assert not np.array_equal(orders[0], orders[1])
    assert sorted(map(tuple, orders[0])) == sorted(map(tuple, orders[1]))


@pytest.mark.parametrize(("batch", "steps"), [(1, 250), (10, 25), (100, 3), (250, 1), (10_000, 1)])
def test_batch_size_from_one_to_the_whole_set(batch: int, steps: int) -> None:
    trainer = make_trainer(training={"batch_size": batch})
    trainer.train_epoch()
    assert (trainer.epoch, trainer.step) == (1, steps)


def test_one_batch_then_the_rest_of_the_epoch() -> None:
    trainer = make_trainer()
    trainer.train_batch()
    assert (trainer.epoch, trainer.step) == (0, 1)
    trainer.train_epoch()
    assert (trainer.epoch, trainer.step) == (1, 25)


def test_a_too_high_learning_rate_diverges_with_a_reason_and_finite_weights() -> None:
    trainer = make_trainer(
        data={"dataset": "reg-plane"},
        network={"hidden": [8, 8], "activation": "relu"},
        training={"learning_rate": 10.0},
    )
    with pytest.raises(DivergedError, match=r"learning rate 10 is probably too high"):
        trainer.fit(50)
    assert trainer.diverged and np.isfinite(trainer.network.params).all()
    frame = trainer.frame(resolution=20)
    assert all(np.isfinite(a).all() for a in frame.arrays.values())
    epoch = trainer.epoch
    trainer.fit(5)  # a diverged run stays where it stopped
    assert trainer.epoch == epoch


def test_learning_rate_changes_live_without_a_reset() -> None:
    trainer = make_trainer()
    trainer.fit(2)
    before = trainer.network.params.copy()
    trainer.set(learning_rate=0.5)
    trainer.train_batch()
    step = before - trainer.network.params
    assert step == pytest.approx(0.5 * trainer.network.grads)
    assert trainer.epoch == 2


def test_batch_size_regularization_and_dropout_change_live() -> None:
    trainer = make_trainer(network={"hidden": [4, 2]})
    trainer.set(batch_size=50, regularization="l2", regularization_rate=0.1, dropout=[0.5, 0.0])
    assert trainer.network.dropout == [0.5, 0.0]
    trainer.train_epoch()
    assert trainer.step == 5
    with pytest.raises(ValueError, match="one per hidden layer"):
        trainer.set(dropout=[0.1])
    with pytest.raises(ValueError, match="learning_rate"):
        trainer.set(learning_rate=-1)


def test_reset_to_the_same_or_to_new_initial_weights() -> None:
    trainer = make_trainer()
    initial = trainer.network.params.copy()
    trainer.fit(3)
    trainer.reset(same_init=True)
    assert np.array_equal(trainer.network.params, initial) and (trainer.epoch, trainer.step) == (
        0,
        0,
    )
    assert len(trainer.history) == 1
    trainer.reset(same_init=False)
    assert not np.array_equal(trainer.network.params, initial)


def test_regenerate_draws_new_points_and_keeps_the_weights() -> None:
    trainer = make_trainer(data={"noise": 0.2})
    trainer.fit(2)
    points, params = trainer.data.train_x.copy(), trainer.network.params.copy()
    trainer.regenerate()
    assert not np.array_equal(points, trainer.data.train_x)
    assert np.array_equal(params, trainer.network.params)


def test_early_stopping_stops_where_test_loss_stops_improving_and_restores_the_best() -> None:
    trainer = make_trainer(  # few noisy points, a big net: it overfits
        seed=2,
        data={"dataset": "xor", "n_samples": 60, "noise": 0.5},
        network={"hidden": [32, 32]},
        training={
            "optimizer": "adam",
            "learning_rate": 0.01,
            "early_stopping": {"patience": 15, "restore_best": True},
        },
    )
    trainer.fit(2000)
    stopper = trainer.stopper
    assert trainer.stop_reason == "early_stopping"
    assert stopper.stopped_epoch == stopper.best_epoch + 15 < 2000
    test_losses = np.array(trainer.history.columns["test_loss"])
    assert test_losses.min() == pytest.approx(stopper.best_loss)
    assert trainer.latest.test_loss == pytest.approx(stopper.best_loss)  # best weights restored


def test_max_epochs_and_target_loss_end_training() -> None:
    assert make_trainer(training={"max_epochs": 7}).fit(100).epoch == 7
    trainer = make_trainer(seed=0, training={"target_loss": 0.05})
    metrics = trainer.fit(1000)
    assert (
        trainer.stop_reason == "target_loss" and metrics.train_loss <= 0.05 and metrics.epoch < 1000
    )


def test_dropout_changes_training_but_not_evaluation() -> None:
    plain = make_trainer(network={"hidden": [8, 8]})
    dropped = make_trainer(network={"hidden": [8, 8], "dropout": 0.5})
    assert plain.latest == dropped.latest  # same weights, evaluated without dropout
    plain.fit(3)
    dropped.fit(3)
    assert not np.array_equal(plain.network.params, dropped.network.params)
    again = dropped.metrics()
    assert again == dropped.metrics()  # evaluating draws no masks
    assert np.array_equal(dropped.frame().arrays["output"], dropped.frame().arrays["output"])


def test_l1_produces_exact_zeros_that_stay_zero() -> None:
    trainer = make_trainer(
        network={"hidden": [8, 8]}, training={"regularization": "l1", "regularization_rate": 0.01}
    )
    trainer.fit(60)
    weights = trainer.network.params[trainer.network.weight_mask]
    dead = trainer.dead[trainer.network.weight_mask]
    assert dead.sum() > 10 and np.all(weights[dead] == 0.0)
    trainer.fit(10)
    assert np.all(trainer.network.params[trainer.dead] == 0.0)
    assert not np.any(trainer.network.params[~trainer.network.weight_mask] == 0.0)  # biases spared


@pytest.mark.parametrize(
    ("dataset", "arrays"),
    [
        ("circle", {"output", "neurons"}),
        ("blobs", {"output", "confidence", "neurons"}),
        ("reg-gauss", {"output", "neurons"}),
    ],
)
def test_frames_for_every_task(dataset: str, arrays: set[str]) -> None:
    trainer = make_trainer(
        data={"dataset": dataset}, network={"hidden": [3, {"units": 2, "activation": "relu"}]}
    )
    frame = trainer.frame(resolution=40, thumbnail=8)
    assert arrays <= set(frame.arrays)
    assert frame.arrays["output"].shape == (40, 40) and frame.arrays["neurons"].shape == (5, 8, 8)
    assert frame.arrays["weights.2"].shape == (2, trainer.head.n_outputs)
    if dataset == "blobs":
        assert set(np.unique(frame.arrays["output"])) <= {0, 1, 2}


def test_metrics_per_task() -> None:
    binary = make_trainer().fit(5)
    assert binary.confusion is not None and np.sum(binary.confusion) == 250
    assert len(binary.weight_norms) == len(binary.grad_norms) == 3
    regression = make_trainer(data={"dataset": "reg-plane"}).fit(20)
    assert (
        regression.test_accuracy is None
        and regression.test_r2 is not None
        and regression.test_r2 > 0.9
    )
    assert regression.test_rmse == pytest.approx(np.sqrt(2 * regression.test_loss), rel=1e-6)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {
                "data": {"dataset": "circle"},
                "network": {"output_activation": "tanh"},
                "training": {"loss": "bce"},
            },
            "does not fit a binary task",
        ),
        ({"data": {"dataset": "reg-plane"}, "training": {"loss": "cross_entropy"}}, "regression"),
        ({"data": {"dataset": "blobs"}, "network": {"output_activation": "sigmoid"}}, "multiclass"),
        ({"network": {"hidden": [4, {"units": 3, "dropout": 0.95}]}}, "dropout"),
        ({"data": {"dataset": "moon"}}, "valid: circle"),
        ({"training": {"optimizer": "adamax"}}, "valid: sgd"),
        ({"data": {"noise": float("nan")}}, "finite"),
        ({"colour": "blue"}, "colour"),
        ({"data": {"n_samples": 4, "train_ratio": 0.1}}, "leaves 0 to train"),
    ],
)
def test_impossible_configs_are_rejected_with_a_clear_message(
    sections: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExperimentConfig.model_validate(sections)


@pytest.mark.parametrize(
    ("sections", "pair"),
    [
        ({}, ("tanh", "half_mse")),
        ({"network": {"output_activation": "sigmoid"}}, ("sigmoid", "bce")),
        ({"training": {"loss": "bce"}}, ("sigmoid", "bce")),
        ({"data": {"dataset": "blobs"}}, ("softmax", "cross_entropy")),
        (
            {
                "data": {"dataset": "reg-plane"},
                "network": {"output_activation": "none"},
                "training": {"loss": "huber"},
            },
            ("linear", "huber"),
        ),
    ],
)
def test_auto_picks_the_sensible_head(sections: dict[str, Any], pair: tuple[str, str]) -> None:
    assert ExperimentConfig.model_validate(sections).head()[1:] == pair


def test_live_changes_are_validated_by_name() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        LiveChanges.model_validate({"batch_size": 0})
