"""Training in time slices gives the same numbers as whole epochs; data that cannot train
says so; a history never holds an infinity."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from engine import ExperimentConfig, Trainer
from engine.history import History
from engine.metrics import Metrics
from engine.trainer import DataError


def test_slices_of_any_size_give_the_same_numbers_as_whole_epochs() -> None:
    config = ExperimentConfig.model_validate({"seed": 5, "training": {"batch_size": 3}})
    whole, sliced = Trainer(config), Trainer(config)
    for _ in range(4):
        whole.train_epoch()
    sizes = iter([1, 7, 2, 50, 1, 1, 200, 400] * 50)  # batches per slice
    while sliced.epoch < 4:
        sliced.train_epochs_until(4 - sliced.epoch, _budget(next(sizes)))
    assert sliced.step == whole.step
    np.testing.assert_array_equal(sliced.network.params, whole.network.params)


def _budget(batches: int) -> Callable[[], bool]:
    """Out of time after ``batches`` batches."""
    left = [batches]

    def out_of_time() -> bool:
        left[0] -= 1
        return left[0] <= 0

    return out_of_time


def test_single_batches_stop_when_asked() -> None:
    trainer = Trainer(ExperimentConfig())
    assert trainer.train_batches(1000, lambda: trainer.step >= 3) == 3


def test_a_huge_test_label_is_named_as_the_datas_fault() -> None:
    """A regression label of 1e200 in the test split made every row's test loss infinite and
    the run 'diverge' on the learning rate."""
    config = ExperimentConfig.model_validate(
        {"seed": 1, "data": {"dataset": "reg-plane"}, "training": {"max_epochs": 5}}
    )
    trainer = Trainer(config)
    trainer.data.test_t[0] = 1e200
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(DataError) as raised:
        trainer.train_epoch()
    message = str(raised.value)
    assert "test data" in message and "not the learning rate" in message
    assert all(math.isfinite(v) for v in trainer.history.columns["test_loss"])


def test_a_history_records_an_infinity_as_missing() -> None:
    history = History()
    history.append(Metrics(epoch=1, step=2, train_loss=0.5, test_loss=math.inf))
    assert history.rows_after(0) == [(1, 2, 0.5, None, None, None, None, None, 0)]
