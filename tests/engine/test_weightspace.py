"""The window onto weight space (engine/weightspace.py) that a race page draws its lanes in:
fixed by the network's shape, orthonormal, and what frames carry."""

from __future__ import annotations

import numpy as np

from engine import ExperimentConfig, Trainer
from engine.weightspace import basis, project


def trainer(**training: object) -> Trainer:
    config = {"seed": 3, "network": {"hidden": [4, 2]}, "training": training}
    return Trainer(ExperimentConfig.model_validate(config))


def test_the_window_is_two_orthonormal_directions_fixed_by_the_shape() -> None:
    window = basis([2, 4, 2, 1])
    assert window.shape == (12 + 10 + 3, 2)
    np.testing.assert_allclose(window.T @ window, np.eye(2), atol=1e-12)
    assert np.array_equal(window, basis((2, 4, 2, 1)))  # the same shape, the same window
    assert basis([2, 4, 2, 1]) is basis([2, 4, 2, 1])
    assert not np.allclose(basis([2, 8, 1])[:25], basis([2, 4, 2, 1])), "another shape's window"


def test_every_frame_says_where_its_network_is() -> None:
    run = trainer()
    before = run.frame(20).arrays["weight_space"]
    np.testing.assert_allclose(before, project(run.network.params, run.network.sizes), rtol=1e-6)
    run.train_epoch()
    after = run.frame(20).arrays["weight_space"]
    assert after.shape == (2,) and not np.array_equal(before, after), "training moved it"
    assert "population_space" not in run.frame(20).arrays  # backprop has no population


def test_a_genetic_frame_places_every_member_and_the_best_is_the_network() -> None:
    run = trainer(optimizer="genetic", population=16)
    run.train_epoch()
    arrays = run.frame(20).arrays
    members = arrays["population_space"]
    assert members.shape == (16, 2)
    genetic = run.optimizer
    expected = project(genetic.population, run.network.sizes)  # type: ignore[attr-defined]
    np.testing.assert_allclose(members, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(members[genetic.best], arrays["weight_space"], rtol=1e-6)  # type: ignore[attr-defined]
