"""Weight penalties: the optimizer's step on the data loss, then the penalty's own step, and
TF Playground's L1 rule (a link dies only when the penalty step carries it across zero)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine import ExperimentConfig, Trainer
from tests.engine.helpers import make_trainer

L1 = {"regularization": "l1", "regularization_rate": 0.001}


@pytest.mark.parametrize("seed", [1, 2])
def test_tf_default_run_with_l1_keeps_its_links_and_learns(seed: int) -> None:
    """TF Playground's default run with L1 at λ = 0.001 loses no link in 100 epochs and
    learns the circle. (Killing a weight whenever the whole step crossed zero left 4 to 5 of
    18 links dead and about 80 % test accuracy on these seeds.)"""
    trainer = Trainer(ExperimentConfig.model_validate({"seed": seed, "training": L1}))
    metrics = trainer.fit(100)
    assert trainer.dead.sum() <= 1
    assert metrics.test_accuracy is not None and metrics.test_accuracy >= 0.95


def test_only_the_penalty_step_kills_a_weight() -> None:
    """SGD, η = 0.1, λ = 0.5, so the penalty step moves a weight 0.05 towards zero."""
    trainer = make_trainer(
        network={"hidden": []},
        training={"learning_rate": 0.1, "regularization": "l1", "regularization_rate": 0.5},
    )
    # x1 → out: w = 0.01, g = 0.2: the data step crosses (−0.01), the penalty pushes on to −0.06
    # x2 → out: w = 0.03, g = 0: the penalty step crosses (0.03 → −0.02): dead, exactly 0
    # bias: b = 0.1, g = 1: no penalty on biases
    trainer.network.params[:] = [0.01, 0.03, 0.1]
    trainer.network.grads[:] = [0.2, 0.0, 1.0]
    trainer._update()
    assert trainer.network.params == pytest.approx([-0.06, 0.0, 0.0], abs=1e-15)
    assert trainer.dead.tolist() == [False, True, False]
    trainer.network.grads[:] = [0.0, -5.0, 0.0]  # a dead weight ignores its gradient
    trainer._update()
    assert trainer.network.params == pytest.approx([-0.01, 0.0, 0.0], abs=1e-15)


def _tf_update_weights(
    w: np.ndarray, g: np.ndarray, dead: np.ndarray, is_weight: np.ndarray, *, lr: float, rate: float
) -> None:
    """TF Playground's ``updateWeights`` for L1, link by link (biases: the data step only)."""
    for i in range(len(w)):
        if dead[i]:
            continue
        if not is_weight[i]:
            w[i] = w[i] - lr * g[i]
            continue
        regul_der = np.sign(w[i])
        w[i] = w[i] - lr * g[i]
        new = w[i] - (lr * rate) * regul_der
        if w[i] * new < 0:
            w[i], dead[i] = 0.0, True
        else:
            w[i] = new


def test_sgd_steps_are_tf_playgrounds_update_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    lr, rate = 0.03, 0.03
    trainer = make_trainer(
        network={"hidden": [8, 8]},
        training={"learning_rate": lr, "regularization": "l1", "regularization_rate": rate},
    )
    data_gradient = trainer.data_gradient
    expected: dict[str, Any] = {}

    def then_tf(*args: Any) -> None:  # the same step done TF's way, from the same gradient
        data_gradient(*args)
        w, dead = trainer.network.params.copy(), trainer.dead.copy()
        _tf_update_weights(
            w, trainer.network.grads, dead, trainer.network.weight_mask, lr=lr, rate=rate
        )
        expected.update(w=w, dead=dead)

    monkeypatch.setattr(trainer, "data_gradient", then_tf)
    for _ in range(100):
        trainer.train_batch()
        np.testing.assert_array_equal(trainer.network.params, expected["w"])
        np.testing.assert_array_equal(trainer.dead, expected["dead"])
    assert 0 < trainer.dead.sum() < trainer.network.weight_mask.sum()
