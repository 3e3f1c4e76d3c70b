"""The genetic trainer (``engine.genetic``): deterministic from the seed, its best loss never
rising with elites, learning the default circle, its breeding worked by hand, its bounds
refused naming the field, and a run of it that stops and resumes as one that never stopped.
Its stacked evaluation is checked in ``test_population``."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from engine import ExperimentConfig, Trainer
from engine.genetic import Genetic
from engine.population import FAST_TOLERANCE
from engine.snapshot import capture, from_bytes, restore, to_bytes
from tests.engine.helpers import make_config, make_trainer

GENETIC: dict[str, Any] = {"optimizer": "genetic"}


def genetic(trainer: Trainer) -> Genetic:
    assert isinstance(trainer.optimizer, Genetic)
    return trainer.optimizer


def test_the_same_seed_breeds_the_same_generations_bit_for_bit() -> None:
    runs = [make_trainer(seed, training=GENETIC) for seed in (4, 4, 5)]
    for trainer in runs:
        trainer.fit(15)
    same, other = runs[:2], runs[2]
    np.testing.assert_array_equal(genetic(same[0]).population, genetic(same[1]).population)
    np.testing.assert_array_equal(same[0].network.params, same[1].network.params)
    assert same[0].history.as_lists() == same[1].history.as_lists()
    assert not np.array_equal(same[0].network.params, other.network.params)


@pytest.mark.parametrize("elites", [1, 3])
def test_with_elites_the_best_loss_never_rises_and_the_network_is_the_best(elites: int) -> None:
    # a high mutation rate: most children are worse than their parents
    training = {**GENETIC, "elites": elites, "mutation_rate": 0.5, "mutation_scale": 1.0}
    trainer = make_trainer(2, data={"dataset": "xor", "noise": 0.2}, training=training)
    ga, best = genetic(trainer), []
    for _ in range(40):
        trainer.train_epoch()
        assert ga.fitness is not None
        best.append(float(ga.fitness.min()))
        np.testing.assert_array_equal(trainer.network.params, ga.population[ga.best])
        assert ga.fitness[ga.best] == best[-1]
    assert all(later <= earlier for earlier, later in itertools.pairwise(best))
    assert best[-1] < best[0]
    # what the user sees is the engine's own evaluation of the best member; its fitness is
    # the float32 pass's
    assert trainer.latest.train_loss == trainer.metrics(detail=False).train_loss
    assert trainer.latest.train_loss == pytest.approx(best[-1], rel=FAST_TOLERANCE, abs=0)
    assert trainer.latest.train_loss != best[-1]


def test_without_elites_the_best_loss_may_rise() -> None:
    training = {**GENETIC, "elites": 0, "mutation_rate": 0.5, "mutation_scale": 1.0}
    trainer = make_trainer(2, data={"dataset": "xor", "noise": 0.2}, training=training)
    best = []
    for _ in range(40):
        trainer.train_epoch()
        best.append(float(genetic(trainer).fitness.min()))  # type: ignore[union-attr]
    assert any(later > earlier for earlier, later in itertools.pairwise(best))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_default_circle_is_learned_to_95_percent(seed: int) -> None:
    trainer = Trainer(ExperimentConfig.model_validate({"seed": seed, "training": GENETIC}))
    assert trainer.fit(100).test_accuracy >= 0.95
    assert trainer.epoch == trainer.step == genetic(trainer).t == 100


def test_an_epoch_is_a_generation_and_forward_passes_count_each_member_scored() -> None:
    trainer = make_trainer(1, training={**GENETIC, "population": 10, "elites": 3})
    n = len(trainer.data.train_t)
    trainer.train_epoch()  # generation 0 is scored whole, then its 7 children
    assert (trainer.epoch, trainer.step, trainer.forward_passes) == (1, 1, (10 + 7) * n)
    trainer.train_batch()  # a "batch" is a generation too
    assert (trainer.epoch, trainer.step, trainer.forward_passes) == (2, 2, (10 + 14) * n)
    assert trainer.history.as_lists()["forward_passes"] == [0, 17 * n, 24 * n]


def test_a_gradient_run_counts_each_batch_forward() -> None:
    trainer = make_trainer(1, training={"batch_size": 32})
    n = len(trainer.data.train_t)
    trainer.train_batch()
    assert trainer.forward_passes == 32
    trainer.train_epoch()
    assert trainer.forward_passes == n and trainer.latest.forward_passes == n


def test_a_refit_puts_the_network_back_and_scores_every_member_again() -> None:
    trainer = make_trainer(3, training={**GENETIC, "population": 8})
    trainer.fit(3)
    ga = genetic(trainer)
    trainer.set_weight(0, 0, 1, 2.5)  # a student edits a link of the best network
    assert ga.fitness is None and ga.population[ga.best][1] == 2.5
    passes = trainer.forward_passes
    trainer.train_epoch()
    assert trainer.forward_passes - passes == (8 + 6) * len(trainer.data.train_t)
    trainer.set(regularization="l2", regularization_rate=0.01)  # a new loss: scored anew
    assert ga.fitness is None
    trainer.train_epoch()
    trainer.set(regularization_rate=0.01, learning_rate=0.3)  # the same loss: kept
    assert ga.fitness is not None


def test_a_checkpointed_genetic_run_resumes_as_if_it_never_stopped() -> None:
    config = make_config(6, training={**GENETIC, "population": 12})
    whole, first = Trainer(config), Trainer(config)
    whole.fit(12)
    first.fit(5)
    resumed = Trainer(config)
    restore(resumed, from_bytes(to_bytes(capture(first))))
    resumed.fit(7)
    np.testing.assert_array_equal(genetic(resumed).population, genetic(whole).population)
    np.testing.assert_array_equal(resumed.network.params, whole.network.params)
    assert resumed.forward_passes == whole.forward_passes


# -- what a genetic run refuses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("training", "field", "message"),
    [
        ({"tournament": 9, "population": 8}, "tournament", "at most the population (8)"),
        ({"elites": 8, "population": 8}, "elites", "fewer than 8"),
        ({"population": 3}, "population", "greater than or equal to 4"),
        ({"mutation_rate": 1.5}, "mutation_rate", "less than or equal to 1"),
        ({"mutation_scale": 0}, "mutation_scale", "greater than 0"),
        ({"crossover_rate": -0.1}, "crossover_rate", "greater than or equal to 0"),
    ],
)
def test_a_bad_hyper_parameter_is_refused_naming_it(
    training: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        make_config(training={**GENETIC, **training})
    (error,) = raised.value.errors()
    assert error["loc"] == ("training", field) and message in error["msg"]


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"network": {"dropout": 0.2}}, "network.dropout: the genetic trainer"),
        ({"network": {"hidden": [{"units": 4, "dropout": 0.1}]}}, "network.dropout"),
        ({"network": {"hidden": [256, 256]}}, "training.population: 64 networks of"),
        (
            {"network": {"hidden": [64, 64]}, "data": {"n_samples": 10_000}},
            "training.population: a generation of 64 networks",
        ),
    ],
)
def test_what_a_genetic_run_cannot_do_is_refused(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_config(training=GENETIC, **sections)
    make_config(training={"optimizer": "adam"}, **sections)  # fine for backprop


def test_a_live_dropout_is_refused_with_the_rest_of_its_changes() -> None:
    trainer = make_trainer(1, training=GENETIC)
    with pytest.raises(ValueError, match="dropout: the genetic trainer"):
        trainer.set(dropout=0.2, learning_rate=0.1)
    assert trainer.learning_rate == 0.03  # nothing of a refused change is taken
    trainer.set(dropout=0.0, learning_rate=0.3)
    assert trainer.learning_rate == 0.3 and trainer.network.dropout == [0.0, 0.0]


def test_a_generation_that_keeps_its_best_member_reports_that_members_metrics() -> None:
    """Its epoch's metrics are the last ones re-dated: the same as evaluating anew; after
    new data, evaluated anew (no mutation: the best member is soon kept for good)."""
    training = {**GENETIC, "population": 8, "mutation_rate": 0.0, "crossover_rate": 0.0}
    trainer = make_trainer(5, training=training)
    kept = 0
    for epoch in range(1, 31):
        before = trainer.network.params.copy()
        if epoch == 25:
            trainer.regenerate()  # new data, the same weights
        trainer.train_epoch()
        kept += np.array_equal(before, trainer.network.params)
        assert trainer.latest == trainer.metrics(detail=False)
        assert trainer.latest.epoch == epoch and trainer.history.as_lists()["epoch"][-1] == epoch
    assert kept >= 20
