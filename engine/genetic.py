"""The genetic trainer: a population of weight vectors of one network, bred by their loss.

No gradient: each generation scores every new member by its loss J on the whole training set
(``engine.population``: all members in one stacked evaluation), keeps the ``elites`` best as
they are, and fills the rest with children. A child's two parents each win a tournament (the
fittest of ``tournament`` members drawn at random, with replacement, as DEAP's selTournament);
with probability ``crossover_rate`` the child takes each unit (a neuron's incoming weights and
its bias, kept together) from either parent at random, else it copies the first; then each of
its weights, with probability ``mutation_rate`` (the gaps between mutated weights drawn as
geometric), gets Gaussian noise of deviation
``mutation_scale`` (Holland 1975; Montana & Davis 1989 evolved network weights this way).

With ``elites`` ≥ 1 the best loss never rises: the elites carry their scores over unchanged,
so a generation's best is at most the last one's. The run's network always holds the best
member. A generation costs (population − elites) forward passes of the training set, and the
first one the whole population more: what backprop spends on ~population/3 epochs (an epoch's
forward and backward pass cost about three forward passes), for one step chosen only by which
members did better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.network import InitializerFn, Network, init_network
from engine.optimizers import Hyper, Optimizer, Rate
from engine.population_kernel import breed

Array = np.ndarray
Evaluate = Callable[[Array], Array]  # members (M, params) -> their losses (M,)


def units_of(network: Network) -> Array:
    """(params,) the unit each parameter feeds: the weights into a neuron and its bias share
    its index (neurons numbered layer after layer)."""
    units = np.empty(network.params.size, np.intp)
    first = 0
    for view in network.views(units):  # (fan_in + 1, fan_out): a unit is a column
        view[...] = first + np.arange(view.shape[1])
        first += view.shape[1]
    return units


class Genetic(Optimizer):
    formula = "w ← w_a ⊕ w_b + N(0, σ²)"  # two winners' units mixed, Gaussian noise
    gradient_free = True
    hypers: tuple[str, ...] = (
        "population",
        "tournament",
        "crossover_rate",
        "mutation_rate",
        "mutation_scale",
        "elites",
    )

    def __init__(self, size: int, hyper: Hyper, dtype: np.dtype | type = np.float64) -> None:
        super().__init__(size, hyper, dtype)
        self.population = np.zeros((hyper.population, size), self.dtype)  # (P, params)
        self.fitness: Array | None = None  # (P,) J of each member; None: to be scored
        self.best = 0  # the member the run's network holds
        self.units = np.zeros(size, np.intp)
        self.rng = np.random.default_rng(0)  # ``start`` gives the run's own

    def start(
        self,
        network: Network,
        initial: Array,
        initializer: InitializerFn,
        rng: np.random.Generator,
    ) -> None:
        """Generation 0: the run's initial weights and population − 1 more networks drawn by
        its initializer from ``rng``, the generator every later draw comes from."""
        self.rng, self.units = rng, units_of(network)
        self.population[0] = initial
        scratch = Network(network.sizes, network.activations, network.dropout, self.dtype)
        for member in self.population[1:]:
            init_network(scratch, initializer, rng)
            member[:] = scratch.params
        self.fitness, self.best, self.t = None, 0, 0

    def step(self, params: Array, grads: Array, lr: Rate) -> None:
        raise TypeError("the genetic trainer takes no gradient step: it breeds generations")

    def refit(self, params: Array) -> None:
        """The network was edited or the loss changed (new data, a new penalty): the network
        becomes the best member again, and every member is scored anew."""
        self.population[self.best] = params
        self.fitness = None

    def generation(self, evaluate: Evaluate) -> int:
        """Breed one generation; returns how many members ``evaluate`` scored."""
        scored = 0
        if self.fitness is None:
            self.fitness = evaluate(self.population)
            scored += len(self.population)
        keep = np.argsort(self.fitness, kind="stable")[: self.hyper.elites]
        children = self.children(len(self.population) - len(keep))
        scores = evaluate(children)
        self.population = np.concatenate([self.population[keep], children])
        self.fitness = np.concatenate([self.fitness[keep], scores])
        self.best = int(np.argmin(self.fitness))
        self.t += 1
        return scored + len(children)

    def children(self, count: int) -> Array:
        """``count`` children of the scored population (see the module's docstring): the
        draws here, the breeding compiled (``population_kernel.breed``)."""
        h, rng, fitness = self.hyper, self.rng, self.fitness
        assert fitness is not None
        size, params = self.population.shape
        contenders = rng.integers(size, size=(count, 2, h.tournament))  # (child, parent, draw)
        # the coin flips in float32: half the cost of float64's, and 2⁻²⁴ is fine enough
        crossed = rng.random(count, np.float32) < h.crossover_rate
        swap = rng.random((count, int(self.units[-1]) + 1), np.float32) < 0.5  # (count, units)
        sites = mutation_sites(rng, count * params, h.mutation_rate)
        noise = rng.normal(0.0, h.mutation_scale, len(sites)).astype(self.dtype)
        child = np.empty((count, params), self.dtype)
        breed(self.population, fitness, contenders, crossed, swap, self.units, sites, noise, child)
        return child


def mutation_sites(rng: np.random.Generator, size: int, rate: float) -> Array:
    """The indices (ascending) of ``size`` weights that mutate, each with probability
    ``rate``: the gaps between them drawn from the geometric distribution, as many as a
    weight-by-weight draw would pick, for ~rate × size draws instead of size."""
    if rate <= 0.0 or size == 0:
        return np.empty(0, np.intp)
    expected = size * rate
    draws = int(expected + 6.0 * np.sqrt(expected)) + 16  # almost always enough at once
    sites = np.cumsum(rng.geometric(rate, draws)) - 1
    while sites[-1] < size:  # not yet past the last weight: more gaps
        sites = np.concatenate([sites, sites[-1] + np.cumsum(rng.geometric(rate, draws))])
    found: Array = sites[: np.searchsorted(sites, size)]
    return found
