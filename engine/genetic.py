"""The genetic trainer: a population of weight vectors of one network, bred by their loss.

No gradient: each generation scores every new member by its loss J on the whole training set
(``engine.population``: all members in one stacked evaluation), keeps the ``elites`` best as
they are, and fills the rest with children. A child's two parents each win a tournament (the
fittest of ``tournament`` members drawn at random, with replacement, as DEAP's selTournament);
with probability ``crossover_rate`` the child takes each unit (a neuron's incoming weights and
its bias, kept together) from either parent at random, else it copies the first; then each of
its weights, with probability ``mutation_rate``, gets Gaussian noise of deviation
``mutation_scale`` (Holland 1975; Montana & Davis 1989 evolved network weights this way).
The draws and the breeding are compiled (``engine.generation_kernel``).

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

from engine.generation_kernel import breed, generation_pass
from engine.network import InitializerFn, Network, init_network
from engine.optimizers import Hyper, Optimizer, Rate
from engine.population import Objective

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
        self._spare: tuple[Array, Array | None] | None = None  # see ``_buffers``
        self._scratch: Array | None = None  # see ``_work``
        self.rng = np.random.default_rng(0)  # ``start`` gives the run's own
        # what the compiled breeding reads: tournament, crossover, mutation rate and scale
        self.draws = np.array(
            [hyper.tournament, hyper.crossover_rate, hyper.mutation_rate, hyper.mutation_scale]
        )

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

    def _buffers(self) -> tuple[Array, Array]:
        """Room for the next generation (M, params) and its scores (M,): the last but one's
        arrays (a snapshot copies what it keeps), or new ones."""
        spare = self._spare
        self._spare = None
        if spare is None or spare[0].shape != self.population.shape or spare[1] is None:
            return np.empty_like(self.population), np.empty(len(self.population))
        return spare[0], spare[1]

    def _work(self) -> Array:
        """The compiled scoring's room: the children in float32 (C, params)."""
        shape = (len(self.population) - self.hyper.elites, self.population.shape[1])
        if self._scratch is None or self._scratch.shape != shape:
            self._scratch = np.empty(shape, np.float32)
        return self._scratch

    def step(self, params: Array, grads: Array, lr: Rate) -> None:
        raise TypeError("the genetic trainer takes no gradient step: it breeds generations")

    def refit(self, params: Array) -> None:
        """The network was edited or the loss changed (new data, a new penalty): the network
        becomes the best member again, and every member is scored anew."""
        self.population[self.best] = params
        self.fitness = None

    def generation(self, evaluate: Evaluate, objective: Objective | None = None) -> int:
        """Breed one generation; returns how many members it scored, by ``evaluate``, or
        where ``objective`` is scored by compiled code (``Objective.compiled``), breeding
        and scoring in one compiled call (``generation_kernel``: the same numbers)."""
        scored = 0
        if self.fitness is None:
            self.fitness = evaluate(self.population)
            scored += len(self.population)
        (bred, scores), seed = self._buffers(), self.rng.bit_generator.random_raw() >> 1
        scoring = None if objective is None else objective.compiled
        if scoring is None:
            keep = np.argsort(self.fitness, kind="stable")[: self.hyper.elites]
            state, swap = np.full(1, seed, np.uint64), np.empty(self.units[-1] + 1, np.bool_)
            breed(self.population, self.fitness, keep, state, self.draws, self.units, swap, bred)
            scores[:] = np.concatenate([self.fitness[keep], evaluate(bred[len(keep) :])])
            self.best = int(np.argmin(scores))
        else:
            work = self._work()
            self.best = generation_pass(
                self.population, self.fitness, seed, self.draws, self.units,
                self.hyper.elites, scoring, work, bred, scores,
            )  # fmt: skip
        self._spare = (self.population, self.fitness)  # the next generation's room
        self.population, self.fitness = bred, scores
        self.t += 1
        return scored + len(bred) - self.hyper.elites
