"""Each optimizer's first two steps against values worked out by hand.

Start w = [1, −2]; gradient g₁ = [0.5, −1] then g₂ = [−0.5, 2]; η = 0.1; μ = ρ = β₁ = 0.9,
β₂ = 0.999, ε = 1e-8, AdamW's λ = 0.01. The working is in each case's comment.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS, Hyper

G1, G2 = np.array([0.5, -1.0]), np.array([-0.5, 2.0])

CASES = {
    # w₁ = w₀ − 0.1·g₁ = [0.95, −1.9]; w₂ = w₁ − 0.1·g₂ = [1.0, −2.1]
    "sgd": ([0.95, -1.9], [1.0, -2.1]),
    # v₁ = g₁, w₁ = [0.95, −1.9]; v₂ = 0.9·g₁ + g₂ = [−0.05, 1.1], w₂ = w₁ − 0.1·v₂ = [0.955, −2.01]
    "momentum": ([0.95, -1.9], [0.955, -2.01]),
    # v₁ = g₁, w₁ = w₀ − 0.1·(g₁ + 0.9·v₁) = w₀ − 0.19·g₁ = [0.905, −1.81];
    # v₂ = [−0.05, 1.1], w₂ = w₁ − 0.1·(g₂ + 0.9·v₂) = w₁ − 0.1·[−0.545, 2.99] = [0.9595, −2.109]
    "nesterov": ([0.905, -1.81], [0.9595, -2.109]),
    # s₁ = g₁² = [0.25, 1], w₁ = w₀ − 0.1·g₁/√s₁ = [0.9, −1.9];
    # s₂ = [0.5, 5], w₂ = w₁ − 0.1·[−0.5/0.70711, 2/2.23607] = [0.970711, −1.989443]
    "adagrad": ([0.9, -1.9], [0.970711, -1.989443]),
    # s₁ = 0.1·g₁² = [0.025, 0.1], w₁ = w₀ − 0.1·g₁/√s₁ = w₀ − 0.1·[3.16228, −3.16228]
    #    = [0.683772, −1.683772]; s₂ = 0.9·s₁ + 0.1·g₂² = [0.0475, 0.49],
    # w₂ = w₁ − 0.1·[−0.5/0.217945, 2/0.7] = [0.913188, −1.969486]
    "rmsprop": ([0.683772, -1.683772], [0.913188, -1.969486]),
    # m̂₁ = g₁, v̂₁ = g₁², w₁ = w₀ − 0.1·sign(g₁) = [0.9, −1.9];
    # m₂ = 0.09·g₁ + 0.1·g₂ = [−0.005, 0.11], m̂₂ = m₂/0.19 = [−0.026316, 0.578947];
    # v₂ = 0.000999·g₁² + 0.001·g₂² = [0.00049975, 0.004999], v̂₂ = v₂/0.001999 = [0.25, 2.500750];
    # w₂ = w₁ − 0.1·m̂₂/√v̂₂ = w₁ − [−0.0052632, 0.0366098] = [0.905263, −1.936610]
    "adam": ([0.9, -1.9], [0.905263, -1.936610]),
    # decay first: w ← w·(1 − 0.1·0.01), then the Adam step:
    # w₁ = [0.999, −1.998] − [0.1, −0.1] = [0.899, −1.898];
    # w₂ = [0.899·0.999, −1.898·0.999] − [−0.0052632, 0.0366098] = [0.903364, −1.932712]
    "adamw": ([0.899, -1.898], [0.903364, -1.932712]),
}


# The genetic trainer takes no step on a gradient: its generation is worked by hand in
# test_genetic.py (test_one_generation_worked_by_hand).
STEPPING = [name for name, optimizer in OPTIMIZERS.items() if not optimizer.gradient_free]


@pytest.mark.parametrize("name", STEPPING)
def test_first_two_steps_match_the_hand_worked_values(name: str) -> None:
    first, second = CASES[name]
    params = np.array([1.0, -2.0])
    optimizer = OPTIMIZERS[name](2, Hyper())
    optimizer.step(params, G1.copy(), 0.1)
    assert params == pytest.approx(first, abs=1e-6)
    optimizer.step(params, G2.copy(), 0.1)
    assert params == pytest.approx(second, abs=1e-6)


def test_every_registered_optimizer_has_a_hand_worked_case() -> None:
    assert set(CASES) == set(STEPPING)
    assert set(OPTIMIZERS) - set(STEPPING) == {"genetic"}  # its case: test_genetic.py


def test_the_genetic_trainer_takes_no_gradient_step() -> None:
    with pytest.raises(TypeError, match="no gradient step"):
        OPTIMIZERS["genetic"](2, Hyper()).step(np.zeros(2), G1.copy(), 0.1)


def _two_steps(name: str, hyper: Hyper) -> np.ndarray:
    params = np.array([1.0, -2.0])
    optimizer = OPTIMIZERS[name](2, hyper)
    optimizer.step(params, G1.copy(), 0.1)
    optimizer.step(params, G2.copy(), 0.1)
    return params


@pytest.mark.parametrize("name", STEPPING)
def test_an_optimizer_names_exactly_the_hyper_parameters_it_reads(name: str) -> None:
    """The page offers a field for each name in ``hypers``: each must change the steps, and
    no other ``Hyper`` field may."""
    base = _two_steps(name, Hyper())
    for field in dataclasses.fields(Hyper):
        nudged = dataclasses.replace(Hyper(), **{field.name: getattr(Hyper(), field.name) * 0.5})
        moved = not np.allclose(_two_steps(name, nudged), base, rtol=0, atol=1e-12)
        assert moved == (field.name in OPTIMIZERS[name].hypers), (name, field.name)


def test_the_genetic_trainers_hyper_parameters_are_its_own() -> None:
    genetic = set(OPTIMIZERS["genetic"].hypers)
    assert genetic == {f.name for f in dataclasses.fields(Hyper)} - {
        name for stepping in STEPPING for name in OPTIMIZERS[stepping].hypers
    }
