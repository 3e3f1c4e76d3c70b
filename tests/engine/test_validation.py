"""A validation set held out of the training share, early stopping on it, and the
mini-batch losses the per-step chart plots."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from engine.batch import train_epochs
from engine.data_config import DataConfig
from engine.history import COLUMNS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer

OVERFITS = {  # few noisy points, a big net: it overfits
    "data": {"dataset": "xor", "n_samples": 60, "noise": 0.5, "validation_ratio": 0.5},
    "network": {"hidden": [32, 32]},
    "training": {"optimizer": "adam", "learning_rate": 0.01},
}


def test_the_split_takes_validation_out_of_the_training_share() -> None:
    trainer = make_trainer(data={"n_samples": 200, "train_ratio": 0.5, "validation_ratio": 0.2})
    split = trainer.data.split
    assert split.validation is not None
    assert (len(split.train), len(split.validation), len(split.test)) == (80, 20, 100)
    assert trainer.data.val_t is not None and len(trainer.data.val_t) == 20
    points = np.concatenate([split.train.x, split.validation.x, split.test.x])
    assert len(np.unique(points, axis=0)) == 200  # no point in two sets


def test_the_split_is_deterministic_and_leaves_the_test_set_alone() -> None:
    def sets(ratio: float) -> list[np.ndarray]:
        split = make_trainer(seed=9, data={"validation_ratio": ratio}).data.split
        held = [] if split.validation is None else [split.validation.x]
        return [split.train.x, split.test.x, *held]

    first, again, none = sets(0.3), sets(0.3), sets(0.0)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first[1], none[1])  # the same test set as without one
    np.testing.assert_array_equal(np.concatenate([first[0], first[2]]), none[0])


def test_no_validation_set_by_default_and_none_in_the_metrics() -> None:
    trainer = make_trainer()
    assert trainer.data.split.validation is None and trainer.data.val_x is None
    assert trainer.latest.val_loss is None and trainer.latest.val_accuracy is None
    assert trainer.history.as_lists()["val_loss"] == [None]


def test_a_split_that_leaves_a_set_empty_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"validation_ratio 0\.1 of 5 training points"):
        DataConfig(n_samples=10, validation_ratio=0.1)
    with pytest.raises(ValidationError, match="validation_ratio"):
        DataConfig(validation_ratio=0.6)
    assert DataConfig(n_samples=10, validation_ratio=0.2).validation_ratio == 0.2


def test_validation_loss_and_accuracy_are_recorded_each_epoch() -> None:
    trainer = make_trainer(data={"validation_ratio": 0.25})
    trainer.fit(3)
    history = trainer.history.as_lists()
    assert len(history["val_loss"]) == 4 and None not in history["val_loss"]
    assert all(0 <= a <= 1 for a in history["val_accuracy"])  # type: ignore[operator]
    assert trainer.history.rows_after(2)[0][COLUMNS.index("val_loss")] == history["val_loss"][3]
    regression = make_trainer(data={"dataset": "reg-plane", "validation_ratio": 0.25})
    assert regression.latest.val_loss is not None and regression.latest.val_accuracy is None


def test_early_stopping_watches_the_validation_loss_when_there_is_one() -> None:
    trainer = make_trainer(
        seed=2, **{**OVERFITS, "training": {**OVERFITS["training"], "early_stopping": {}}}
    )
    trainer.fit(2000)
    stopper = trainer.stopper
    assert trainer.stop_reason == "early_stopping"
    val = np.array(trainer.history.columns["val_loss"])
    test = np.array(trainer.history.columns["test_loss"])
    assert stopper.best_epoch == int(np.argmin(val)) != int(np.argmin(test))  # val, not test
    assert stopper.best_loss == pytest.approx(val.min())
    assert stopper.stopped_epoch == stopper.best_epoch + 20
    assert trainer.latest.val_loss == pytest.approx(val.min())  # the best weights restored


def keeping(trainer: Trainer) -> Trainer:
    trainer.keep_batch_losses = True  # a chart plots them (the server sets it then)
    return trainer


def test_each_step_records_its_mini_batch_loss_while_wanted() -> None:
    quiet = make_trainer(data={"n_samples": 100}, training={"batch_size": 10})
    quiet.train_epoch()
    assert not quiet.batch_losses  # nobody plots them: no cost
    trainer = keeping(make_trainer(data={"n_samples": 100}, training={"batch_size": 10}))
    trainer.train_epoch()  # 50 training points: 5 steps
    steps = [step for step, _ in trainer.batch_losses]
    assert steps == [1, 2, 3, 4, 5]
    assert all(np.isfinite(loss) and loss > 0 for _, loss in trainer.batch_losses)
    assert [s for s, _ in trainer.batch_losses_after(3)] == [4, 5]
    for _ in range(60):
        trainer.train_epoch()
    assert 0 < len(trainer.batch_losses) <= 256
    trainer.reset()
    assert not trainer.batch_losses


def test_the_losses_kept_between_two_reads_span_them_evenly() -> None:
    """Batch size 1 takes thousands of steps between two metrics messages: the chart gets
    the whole stretch thinned evenly and the newest step, not the newest 256 steps alone
    (the noisy SGD line showed as bursts with gaps between them)."""
    trainer = keeping(make_trainer(data={"n_samples": 100}, training={"batch_size": 1}))
    for _ in range(21):
        trainer.train_epoch()  # 50 steps an epoch: 1050 steps
    steps = [step for step, _ in trainer.batch_losses_after(0)]
    assert 128 < len(steps) <= 257 and steps[-1] == trainer.step == 1050
    stride = steps[0]  # evenly from the start: every 8th step, then the newest
    assert stride == 8 and set(np.diff(steps[:-1])) == {stride}
    trainer.train_epoch()  # read: the next stretch is kept at every step again
    assert [step for step, _ in trainer.batch_losses_after(1050)] == list(range(1051, 1101))


def test_a_batch_loss_is_the_loss_of_the_batch_before_its_step() -> None:
    trainer = keeping(make_trainer(data={"n_samples": 40}, training={"batch_size": 20}))
    params = trainer.network.params.copy()
    trainer.train_batch()
    rng = np.random.default_rng(0)  # no dropout: the masks' generator does not matter
    x, t = trainer._epoch_x[:, :20], trainer._epoch_t[:20]  # the first batch, feature-major
    trainer.network.params[:] = params
    z = trainer.network.forward(x, rng, True).output
    expected = trainer.head.loss_value(z, trainer.head.activate(z), t)
    assert trainer.batch_losses[0] == (1, pytest.approx(expected))


def test_stacked_epochs_record_the_same_batch_losses() -> None:
    alone = [keeping(make_trainer(seed=s)) for s in range(3)]
    stacked = [keeping(make_trainer(seed=s)) for s in range(3)]
    for _ in range(2):
        for trainer in alone:
            trainer.train_epoch()
        assert train_epochs(stacked) == [None] * 3
    for a, b in zip(alone, stacked, strict=True):
        assert [s for s, _ in a.batch_losses] == [s for s, _ in b.batch_losses]
        np.testing.assert_allclose([v for _, v in a.batch_losses], [v for _, v in b.batch_losses])
