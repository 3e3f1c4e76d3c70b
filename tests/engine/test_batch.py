"""Stacked epochs (engine.batch) give exactly what each run computes alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.batch import batch_key, train_epochs
from engine.config import ExperimentConfig
from engine.optimizers import STATE
from engine.trainer import DivergedError, Trainer


def make(seed: int, hidden: list[int], **training: Any) -> Trainer:
    raw = {"seed": seed, "network": {"hidden": hidden}, "training": training}
    return Trainer(ExperimentConfig.model_validate(raw))


@pytest.mark.parametrize("hidden", [[4, 2], [8, 8], [8] * 6, []])
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_stacked_epochs_are_bit_identical_to_epochs_alone(
    hidden: list[int], precision: str
) -> None:
    rates = [0.01, 0.03, 0.1, 0.3, 1.0]
    alone = [make(s, hidden, learning_rate=r, precision=precision) for s, r in enumerate(rates)]
    stacked = [make(s, hidden, learning_rate=r, precision=precision) for s, r in enumerate(rates)]
    assert len({batch_key(t) for t in stacked}) == 1
    for _ in range(4):
        for trainer in alone:
            trainer.train_epoch()
        assert train_epochs(stacked) == [None] * len(rates)
    for a, b in zip(alone, stacked, strict=True):
        np.testing.assert_array_equal(a.network.params, b.network.params)
        np.testing.assert_array_equal(a.network.grads, b.network.grads)
        assert (a.epoch, a.step, a.latest.test_loss) == (b.epoch, b.step, b.latest.test_loss)
        assert a.history.as_lists() == b.history.as_lists()


def test_a_diverging_run_in_a_stack_is_reported_and_the_others_go_on() -> None:
    runs = [make(1, [4], learning_rate=0.03), make(2, [4], learning_rate=10.0)]
    runs[1].network.params[:] = 2e8  # past MAX_WEIGHT: the end of the epoch catches it
    errors = train_epochs(runs)
    assert errors[0] is None and isinstance(errors[1], DivergedError)
    assert runs[0].epoch == 1 and np.isfinite(runs[1].network.params).all()


@pytest.mark.parametrize(
    "optimizer", ["momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
)
def test_every_optimizer_stacks_bit_identically(optimizer: str) -> None:
    """Each run's optimizer state is a row of the stack: the same numbers as alone, its
    moments included, for runs that differ in seed, learning rate and data."""
    rates = [0.003, 0.01, 0.1]
    alone = [make(s, [8, 8], learning_rate=r, optimizer=optimizer) for s, r in enumerate(rates)]
    stacked = [make(s, [8, 8], learning_rate=r, optimizer=optimizer) for s, r in enumerate(rates)]
    for _ in range(3):
        assert len({batch_key(t) for t in stacked}) == 1
        for trainer in alone:
            trainer.train_epoch()
        assert train_epochs(stacked) == [None] * len(rates)
    for a, b in zip(alone, stacked, strict=True):
        np.testing.assert_array_equal(a.network.params, b.network.params)
        assert a.optimizer.t == b.optimizer.t > 0
        for name in STATE:
            if hasattr(a.optimizer, name):
                np.testing.assert_array_equal(
                    getattr(a.optimizer, name), getattr(b.optimizer, name)
                )
        assert a.history.as_lists() == b.history.as_lists()


def test_adam_stacks_only_at_the_same_step_count_and_in_float64() -> None:
    fresh, ahead = make(1, [4], optimizer="adam"), make(2, [4], optimizer="adam")
    ahead.train_epoch()
    fresh.train_epoch()
    assert batch_key(fresh) == batch_key(ahead)
    fresh.train_epoch()
    assert batch_key(fresh) != batch_key(ahead)
    assert batch_key(make(1, [4], optimizer="adam", precision="float32")) is None
    assert batch_key(make(1, [4], precision="float32")) is not None  # SGD stacks in float32


def test_penalties_train_alone() -> None:
    assert batch_key(make(1, [4], regularization="l2", regularization_rate=0.01)) is None


def test_dropout_and_other_heads_train_alone() -> None:
    dropout = Trainer(ExperimentConfig.model_validate({"network": {"dropout": 0.2}}))
    sigmoid = Trainer(
        ExperimentConfig.model_validate({"network": {"output_activation": "sigmoid"}})
    )
    assert batch_key(dropout) is None and batch_key(sigmoid) is None
    mid_epoch = make(1, [4])
    mid_epoch.train_batch()
    assert batch_key(mid_epoch) is None
