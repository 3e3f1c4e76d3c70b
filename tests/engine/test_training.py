"""Training, determinism, frames and divergence of the engine slice."""

import numpy as np
import pytest
from pydantic import ValidationError

from engine import DivergedError, ExperimentConfig, Trainer
from engine.frames import grid_points, quantize


def config(**training: float) -> ExperimentConfig:
    return ExperimentConfig.model_validate({"seed": 3, "training": training})


def test_default_circle_reaches_95_percent_test_accuracy() -> None:
    trainer = Trainer(ExperimentConfig(seed=0))
    start = trainer.metrics()
    for _ in range(150):
        trainer.train_epoch()
    end = trainer.metrics()
    assert end.epoch == 150 and end.step == 150 * 25  # 250 training points, batch 10
    assert end.test_accuracy >= 0.95
    assert end.test_loss < start.test_loss / 5


def test_default_config_learns_circle_from_almost_every_initialisation() -> None:
    """A [4, 2] tanh net can stall in a poor minimum (TF Playground's does too), but rarely."""
    reached = 0
    for seed in range(10):
        trainer = Trainer(ExperimentConfig(seed=seed))
        for _ in range(150):
            trainer.train_epoch()
        reached += trainer.metrics().test_accuracy >= 0.95
    assert reached >= 9


def test_same_config_and_seed_give_bit_identical_trajectories() -> None:
    a, b = Trainer(config()), Trainer(config())
    for _ in range(5):
        a.train_epoch()
        b.train_epoch()
    assert np.array_equal(a.network.params, b.network.params)
    c = Trainer(ExperimentConfig.model_validate({"seed": 4}))
    assert not np.array_equal(a.network.params[:8], c.network.params[:8])


def test_every_epoch_reshuffles_the_training_set() -> None:
    trainer = Trainer(config(batch_size=250))
    orders = []
    for _ in range(3):
        trainer.train_batch()
        orders.append(trainer._order.copy())
    assert trainer.epoch == 3
    assert not np.array_equal(orders[0], orders[1])
    assert sorted(orders[0]) == sorted(orders[1])


def test_a_short_last_batch_is_its_own_step() -> None:
    trainer = Trainer(config(batch_size=100))  # 250 = 100 + 100 + 50
    trainer.train_epoch()
    assert (trainer.epoch, trainer.step) == (1, 3)


def test_step_of_one_batch_then_the_rest_of_the_epoch() -> None:
    trainer = Trainer(config())
    trainer.train_batch()
    assert (trainer.epoch, trainer.step) == (0, 1)
    trainer.train_epoch()
    assert (trainer.epoch, trainer.step) == (1, 25)


def test_non_finite_weights_stop_training_with_a_reason() -> None:
    trainer = Trainer(config(learning_rate=3.0))
    trainer.network.params[0] = np.inf
    with pytest.raises(DivergedError, match=r"learning rate 3\.0"):
        trainer.train_batch()


def test_frame_holds_output_every_hidden_neuron_and_weights() -> None:
    trainer = Trainer(config())
    frame = trainer.frame(resolution=50, thumbnail=10)
    assert frame.arrays["output"].shape == (50, 50)
    assert frame.arrays["output"].dtype == np.uint8
    assert frame.arrays["neurons"].shape == (6, 10, 10)  # hidden [4, 2]
    assert frame.arrays["weights.0"].shape == (2, 4)
    assert frame.arrays["biases.2"].tolist() == [pytest.approx(0.1)]
    # The output map is the network's own prediction, quantised.
    expected = quantize(trainer.network.predict(grid_points(50)).reshape(50, 50))
    assert np.array_equal(frame.arrays["output"], expected)


def test_grid_runs_left_to_right_and_top_down() -> None:
    points = grid_points(3)
    assert points[0].tolist() == [-6.0, 6.0] and points[-1].tolist() == [6.0, -6.0]
    assert points[1].tolist() == [0.0, 6.0]


def test_quantize_maps_the_colour_range_to_bytes() -> None:
    codes = quantize(np.array([-5.0, -1.0, 0.0, 1.0, 9.0, np.nan]))
    assert codes.tolist() == [0, 0, 128, 255, 255, 128]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"data": {"dataset": "moon"}}, "dataset"),
        ({"data": {"noise": float("nan")}}, "noise"),
        ({"network": {"hidden": [4, 0]}}, "hidden"),
        ({"network": {"activation": "swoosh"}}, "activation"),
        ({"training": {"learning_rate": -1}}, "learning_rate"),
        ({"data": {"features": ["x1", "x1"]}}, "features"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_configs_name_the_field(bad: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        ExperimentConfig.model_validate(bad)
    assert field in str(error.value)


def test_empty_config_is_the_tf_playground_default() -> None:
    defaults = ExperimentConfig()
    assert defaults.data.dataset == "circle" and defaults.data.features == ["x1", "x2"]
    assert defaults.network.hidden == [4, 2] and defaults.network.activation == "tanh"
    assert (defaults.training.learning_rate, defaults.training.batch_size) == (0.03, 10)
