"""Stacked epochs (engine.batch) give exactly what each run computes alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.batch import batch_key, train_epochs
from engine.config import ExperimentConfig
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
    "training",
    [{"optimizer": "adam"}, {"regularization": "l2", "regularization_rate": 0.01}],
)
def test_other_optimizers_and_penalties_train_alone(training: dict[str, Any]) -> None:
    assert batch_key(make(1, [4], **training)) is None


def test_dropout_and_other_heads_train_alone() -> None:
    dropout = Trainer(ExperimentConfig.model_validate({"network": {"dropout": 0.2}}))
    sigmoid = Trainer(
        ExperimentConfig.model_validate({"network": {"output_activation": "sigmoid"}})
    )
    assert batch_key(dropout) is None and batch_key(sigmoid) is None
    mid_epoch = make(1, [4])
    mid_epoch.train_batch()
    assert batch_key(mid_epoch) is None
