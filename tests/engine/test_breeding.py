"""The genetic trainer's compiled generation (``engine.generation_kernel``): its breeding
replayed draw by draw, its mutations' rate and noise, the same children compiled and as
plain Python, one compiled call breeding and scoring as breeding then scoring does, and the
best member taken and checked as the epoch's end would."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.generation_kernel import _mutate, breed, next_bits, take_member, uniform
from engine.genetic import Genetic, units_of
from engine.health import MAX_WEIGHT, DivergedError, exploded
from engine.optimizers import Hyper
from tests.engine.helpers import make_trainer

GENETIC: dict[str, Any] = {"optimizer": "genetic"}


def stream(seed: int) -> np.ndarray:
    return np.full(1, seed, np.uint64)


def python(kernel: Any) -> Any:
    """A kernel as plain Python (an install without numba): 64-bit products wrap there too."""

    def run(*args: Any) -> Any:
        with np.errstate(over="ignore"):
            return getattr(kernel, "py_func", kernel)(*args)

    return run


def test_one_generation_replays_its_draws_by_hand() -> None:
    """A 1-2-1 network (7 parameters, 3 units: two hidden, one output), 4 members with losses
    [0.4, 0.1, 0.3, 0.2], 1 elite, tournaments of 2, no mutation: the children are what the
    documented draws make of the members."""
    trainer = make_trainer(1, network={"hidden": [2]}, data={"features": ["x1"]}, training=GENETIC)
    units = units_of(trainer.network)
    assert units.tolist() == [0, 1, 0, 1, 2, 2, 2]
    hyper = Hyper(population=4, tournament=2, elites=1, crossover_rate=0.5, mutation_rate=0.0)
    ga = Genetic(7, hyper)
    population, fitness = np.arange(28.0).reshape(4, 7), np.array([0.4, 0.1, 0.3, 0.2])
    ga.population, ga.fitness, ga.units = population.copy(), fitness, units
    ga.rng = np.random.default_rng(9)
    draws = stream(np.random.default_rng(9).bit_generator.random_raw() >> 1)

    def winner() -> int:  # two members drawn, the fitter one (the first drawn of equals)
        a, b = (int(uniform(draws) * 4) for _ in range(2))
        return b if fitness[b] < fitness[a] else a

    expected, crossed = [population[1]], 0  # the elite: member 1, as it is
    for _ in range(3):
        first, second = population[winner()], population[winner()]
        if uniform(draws) < 0.5:  # crossover: the unit's coin is bit u of the next number
            bits, crossed = int(next_bits(draws)), crossed + 1
            first = np.where([(bits >> int(u)) & 1 for u in units], second, first)
        expected.append(first)
    assert ga.generation(lambda members: np.array([0.05, 0.5, 0.25])) == 3
    np.testing.assert_array_equal(ga.population, expected)
    assert 0 < crossed < 3  # this seed crosses some children and copies others
    assert ga.fitness.tolist() == [0.1, 0.05, 0.5, 0.25]
    assert ga.best == 1 and ga.t == 1


def test_mutations_pick_each_weight_with_the_rate_and_add_gaussian_noise() -> None:
    weights = np.zeros(200_000)
    _mutate(weights, stream(0), 0.1, 2.0)
    mutated = np.flatnonzero(weights)
    assert abs(len(mutated) - 20_000) < 5 * np.sqrt(200_000 * 0.1 * 0.9)  # binomial: 5σ
    halves = np.histogram(mutated, bins=2, range=(0, 200_000))[0]
    assert abs(halves[0] - halves[1]) < 5 * np.sqrt(20_000)  # spread evenly
    noise = weights[mutated]
    assert abs(noise.mean()) < 5 * 2.0 / np.sqrt(len(noise))
    assert abs(noise.std() - 2.0) < 0.05
    assert abs(np.mean(np.abs(noise) < 2.0) - 0.6827) < 0.02  # within σ: as a Gaussian
    every, none = np.zeros(50), np.zeros(50)
    _mutate(every, stream(1), 1.0, 1.0)
    _mutate(none, stream(1), 0.0, 1.0)
    assert np.all(every != 0) and np.all(none == 0)
    rare = np.zeros(50)
    _mutate(rare, stream(1), 1e-300, 1.0)  # a gap past any weight
    assert np.all(rare == 0)


def test_compiled_breeding_makes_the_children_python_makes() -> None:
    rng = np.random.default_rng(0)
    population, fitness = rng.normal(size=(10, 7)), rng.random(10)
    units, hyper = np.array([0, 1, 0, 1, 2, 2, 2]), np.array([3.0, 0.5, 0.3, 1.0])
    compiled, plain = np.empty((10, 7)), np.empty((10, 7))
    keep = np.argsort(fitness, kind="stable")[:2]
    breed(population, fitness, keep, stream(5), hyper, units, np.empty(3, bool), compiled)
    python(breed)(population, fitness, keep, stream(5), hyper, units, np.empty(3, bool), plain)
    np.testing.assert_array_equal(compiled, plain)
    np.testing.assert_array_equal(compiled[:2], population[keep])
    assert not np.isin(compiled[2:], population).all()  # mutated somewhere
    for flat, value in enumerate(compiled[2:].ravel()):  # each weight a parent's, or mutated
        assert value in population[:, flat % 7] or value not in population


def test_one_compiled_call_breeds_and_scores_as_breeding_then_scoring() -> None:
    """The fused generation (a squared error: the compiled pass gives J whole) against the
    same state bred, then scored by ``evaluate``: the same members, scores and best."""
    runs = [make_trainer(4, training={**GENETIC, "population": 16}) for _ in range(2)]
    for run in runs:
        run.train_epoch()
    fused, apart = (run.optimizer for run in runs)
    assert isinstance(fused, Genetic) and isinstance(apart, Genetic)
    objective = runs[0]._population_objective()
    assert objective.compiled is not None
    for _ in range(5):
        assert fused.generation(runs[0].population_objective, objective) == 14
        assert apart.generation(runs[1].population_objective) == 14
        np.testing.assert_array_equal(fused.population, apart.population)
        np.testing.assert_array_equal(fused.fitness, apart.fitness)  # type: ignore[arg-type]
        assert fused.best == apart.best


def test_taking_the_best_member_checks_it_as_the_epoch_end_would() -> None:
    """``take_member`` copies the best member into the network's weights and says what
    ``engine.health.exploded`` and ``np.array_equal`` with the measured weights would."""
    population = np.array([[1.0, -2.0], [3.0, 4.0], [np.nan, 0.0], [-np.inf, 0.0], [2e8, 0.0]])
    params, measured = np.zeros(2), np.array([3.0, 4.0])
    for best in range(len(population)):
        taken = take_member(population, best, params, measured, MAX_WEIGHT)
        np.testing.assert_array_equal(params, population[best])
        assert taken == (exploded(params), np.array_equal(params, measured))
    assert take_member(population, 1, params, measured, MAX_WEIGHT) == (False, True)
    assert take_member(population, 4, params, measured, MAX_WEIGHT) == (True, False)


def test_a_best_member_past_the_weight_limit_ends_the_run_as_diverged() -> None:
    trainer = make_trainer(2, training={**GENETIC, "population": 8})
    trainer.fit(2)
    sane, ga = trainer.network.params.copy(), trainer.optimizer
    assert isinstance(ga, Genetic) and ga.fitness is not None
    ga.population[:, 0] = 5e8  # every member, elites too: the best is past the limit
    with pytest.raises(DivergedError):
        trainer.train_epoch()
    np.testing.assert_array_equal(trainer.network.params, sane)  # back to the last sane ones
    assert trainer.diverged
