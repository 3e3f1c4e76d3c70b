"""A population's losses in one stacked evaluation (``engine.population``) against each member
evaluated alone by the trainer, and against PyTorch evaluating the population as one batched
computation (bmm): the genetic trainer's oracle, in place of ``test_oracle``'s training
matrix, which it cannot join (it takes no gradient step; see NOT_GRADIENT_BASED there).

Over every activation × head × regularizer (``tests.engine.matrix``): the activations with a
compiled form take the compiled population pass, the others NumPy's stacked one, so both
are checked. NumPy's agrees to 1e-12 relative (float64, ordered differently); the compiled
pass is float32 with a rational tanh, to rank members by: within ``FAST_TOLERANCE`` (1e-4)
relative, and it ranks well-separated members as the exact losses do.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.activations import ACTIVATIONS
from engine.genetic import Genetic
from engine.network import Network
from engine.population import FAST_TOLERANCE
from engine.population_kernel import CODES, plan_for
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer
from tests.engine.matrix import HEADS, params
from tests.engine.test_oracle import (
    TORCH_ACTIVATIONS,
    TORCH_LOSSES,
    TORCH_PENALTIES,
    oracle_trainer,
)

RELATIVE = 1e-12
MEMBERS = 12
AXES = [list(ACTIVATIONS), HEADS, list(REGULARIZERS)]


def population_of(trainer: Trainer, count: int = MEMBERS) -> np.ndarray:
    """The trainer's initial weights and ``count`` − 1 perturbations of them (σ = 0.5)."""
    rng = np.random.default_rng(1)
    start = trainer.initial_params
    noise = rng.normal(0.0, 0.5, (count - 1, start.size))
    return np.vstack([start, start + noise])


def each_alone(trainer: Trainer, population: np.ndarray) -> np.ndarray:
    """``Trainer.objective`` of each member on the training set: one member at a time."""
    losses = []
    for member in population:
        trainer.network.params[:] = member
        losses.append(trainer.objective(trainer.data.train_x, trainer.data.train_t))
    return np.array(losses)


def tolerance(trainer: Trainer) -> float:
    """How near the stacked losses of the trainer's network are to the exact ones: the
    compiled pass's float32, or NumPy's float64."""
    network, head = trainer.network, trainer.head
    names = [activation.name for activation in network.activations]
    compiled = plan_for(network.sizes, names, "linear" if head.fused else head.output)
    return RELATIVE if compiled is None else FAST_TOLERANCE


def scored(
    activation: str, head: tuple[str, str, str], regularization: str
) -> tuple[Trainer, np.ndarray, np.ndarray]:
    """A genetic trainer of ``test_oracle``'s network, a population of it and its losses."""
    trainer = oracle_trainer("genetic", activation, head, regularization, 0.0)
    population = population_of(trainer)
    return trainer, population, trainer.population_objective(population)


@pytest.mark.parametrize(("activation", "head", "regularization"), params(AXES))
def test_stacked_evaluation_equals_each_member_alone(
    activation: str, head: tuple[str, str, str], regularization: str
) -> None:
    trainer, population, stacked = scored(activation, head, regularization)
    alone = each_alone(trainer, population)
    np.testing.assert_allclose(stacked, alone, rtol=tolerance(trainer), atol=0)
    # not a trivial agreement: members differ (a dead ReLU output ties a few at their bias)
    assert len(set(stacked.tolist())) >= MEMBERS // 2


def test_both_paths_are_taken_and_agree() -> None:
    """tanh takes the compiled pass, ELU NumPy's stacked one (each checked above); forced
    through NumPy's, a tanh network gives the compiled pass's losses, to its tolerance."""
    sizes = (3, 5, 4, 1)
    assert plan_for(sizes, ["tanh", "tanh"], "tanh") is not None
    assert plan_for(sizes, ["elu", "tanh"], "tanh") is None
    assert set(CODES) < set(ACTIVATIONS)
    trainer = oracle_trainer("genetic", "tanh", ("binary", "tanh", "half_mse"), "l2", 0.0)
    population = population_of(trainer)
    compiled = trainer.population_objective(population)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("engine.population.plan_for", lambda *args: None)
        fresh = oracle_trainer("genetic", "tanh", ("binary", "tanh", "half_mse"), "l2", 0.0)
        numpy_pass = fresh.population_objective(population)
    np.testing.assert_allclose(compiled, numpy_pass, rtol=FAST_TOLERANCE, atol=0)
    assert not np.array_equal(compiled, numpy_pass)  # float32: not the same numbers


def test_a_float32_population_matches_float32_members_alone() -> None:
    config = oracle_trainer("genetic", "relu", ("binary", "sigmoid", "bce"), "l1", 0.0).config
    training = config.training.model_copy(update={"precision": "float32"})
    trainer32 = Trainer(config.model_copy(update={"training": training}))
    population = population_of(trainer32).astype(np.float32)
    stacked = trainer32.population_objective(population)
    np.testing.assert_allclose(stacked, each_alone(trainer32, population), rtol=2e-6)


def test_a_member_whose_numbers_overflow_scores_infinity() -> None:
    trainer = oracle_trainer("genetic", "relu", ("regression", "linear", "mse"), "none", 0.0)
    population = population_of(trainer, 3)
    population[1] *= 1e200  # its outputs overflow to inf, their squares too
    losses = trainer.population_objective(population)
    assert math.isfinite(losses[0]) and losses[1] == math.inf and math.isfinite(losses[2])


# -- the oracle: PyTorch evaluating the population as one batched computation -------------


def torch_population_losses(trainer: Trainer, population: np.ndarray) -> np.ndarray:
    """J of each member with torch: the hidden layers of all members by one ``baddbmm`` a
    layer; each member's output activation, loss and penalty as ``test_oracle`` writes them."""
    network: Network = trainer.network
    views = network.views(population)  # (M, fan_in + 1, fan_out) each
    weights = [torch.tensor(v[:, :-1]) for v in views]
    biases = [torch.tensor(v[:, -1:]) for v in views]
    h = torch.tensor(trainer.data.train_x).expand(len(population), -1, -1)
    layers = trainer.config.network.layers()
    for w, b, layer in zip(weights[:-1], biases[:-1], layers, strict=True):
        h = TORCH_ACTIVATIONS[layer.activation or ""](torch.baddbmm(b, h, w))
    z = torch.baddbmm(biases[-1], h, weights[-1])
    _, output, loss = trainer.config.head()
    t = torch.tensor(trainer.data.train_t)
    penalty = TORCH_PENALTIES[trainer.regularizer.name]
    losses = []
    for m in range(len(population)):
        value = TORCH_LOSSES[loss](TORCH_ACTIVATIONS[output](z[m]), t)
        if penalty is not None:
            value = value + trainer.regularization_rate * sum(penalty[0](w[m]) for w in weights)
        losses.append(float(value))
    return np.array(losses)


@pytest.mark.parametrize(("activation", "head", "regularization"), params(AXES, "pairs"))
def test_population_losses_match_pytorch_bmm(
    activation: str, head: tuple[str, str, str], regularization: str
) -> None:
    trainer, population, ours = scored(activation, head, regularization)
    theirs = torch_population_losses(trainer, population)
    np.testing.assert_allclose(ours, theirs, rtol=tolerance(trainer), atol=0)


# -- the float32 pass ranks and selects as the exact losses would ----------------------------


def test_well_separated_members_are_ranked_as_by_their_exact_losses() -> None:
    trainer = oracle_trainer("genetic", "tanh", ("binary", "tanh", "half_mse"), "l2", 0.0)
    population = population_of(trainer, 24)
    fast, exact = trainer.population_objective(population), each_alone(trainer, population)
    order = np.argsort(exact)
    assert np.min(np.diff(exact[order])) > 4 * FAST_TOLERANCE * exact.max()  # separated
    np.testing.assert_array_equal(np.argsort(fast), order)


def test_a_generation_breeds_the_same_children_as_exact_scoring_would() -> None:
    """Two copies of one genetic trainer's state, from the same seed: one scored by the
    float32 pass, one by each member's exact loss alone; five generations later, the same
    population (the members' losses stay well apart, so every tournament has one winner)."""
    runs = [make_trainer(7, training={"optimizer": "genetic", "population": 16})]
    runs.append(make_trainer(7, training={"optimizer": "genetic", "population": 16}))
    fast, exact = (run.optimizer for run in runs)
    assert isinstance(fast, Genetic) and isinstance(exact, Genetic)
    for _ in range(5):
        fast.generation(runs[0].population_objective)
        exact.generation(lambda members: each_alone(runs[1], members))
    np.testing.assert_array_equal(fast.population, exact.population)
    assert fast.fitness is not None and exact.fitness is not None
    np.testing.assert_allclose(fast.fitness, exact.fitness, rtol=FAST_TOLERANCE)
    assert not np.array_equal(fast.fitness, exact.fitness)
