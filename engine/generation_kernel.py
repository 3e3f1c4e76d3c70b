"""A generation of the genetic trainer compiled (numba): its draws, its breeding and, where
the loss is a squared error, the scoring of its children, in one call.

A generation's draws come from a stream of its own, SplitMix64 (Steele, Lea & Flood 2014: a
64-bit counter through a mixing function), started from one number the run's generator draws
(``engine.genetic``): the run's ``np.random.Generator`` stays all of its random state (a
snapshot of it is a snapshot of the breeding), and a draw here costs a few instructions, not
a call into NumPy. ``breed`` draws, child after child: the ``tournament`` members each
parent's tournament draws (uniform, with replacement), the crossover coin, and where it
crosses, one coin a unit (bits of one number, 64 units a number); then the mutations over all
the children's weights in order: the gaps between mutated weights (geometric, by inversion:
as many as a weight-by-weight draw would pick, for ~rate × weights draws) and each one's
Gaussian noise (Marsaglia's polar method: a pair of deviates from a point drawn in the
unit disc).

``generation_pass`` breeds, then scores the children by the float32 pass
(``engine.population_kernel``: the numbers ``engine.population.population_objective`` gives)
and finds the best member, so the Python of a generation is a few attribute reads;
``take_member`` gives the run's network the best one and checks it. Without numba these run
as Python: the same generations, slowly.
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels import _jit
from engine.population_kernel import LANES, mark_overflowed, plan_for, squared_errors

Array = np.ndarray
GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment and its two multipliers
MIX1, MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
S27, S30, S31, S11 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(11)
TO_UNIT = 2.0**-53  # 53 random bits -> [0, 1)
ONE_BIT = np.uint64(1)
FAR = 2.0**62  # a longest gap between mutations: past any population's weights


@_jit(inline="always")
def next_bits(state: Array) -> np.uint64:
    """The stream's next 64 random bits; ``state`` (1,) uint64 moves on."""
    state[0] += GAMMA
    z = state[0]
    z = (z ^ (z >> S30)) * MIX1
    z = (z ^ (z >> S27)) * MIX2
    bits: np.uint64 = z ^ (z >> S31)
    return bits


@_jit(inline="always")
def uniform(state: Array) -> float:
    """A uniform float64 in [0, 1)."""
    return float(next_bits(state) >> S11) * TO_UNIT


@_jit(inline="always")
def _tournament(fitness: Array, state: Array, draws: int) -> int:
    """The fittest of ``draws`` members drawn uniformly, with replacement (the first drawn of
    equals)."""
    size = fitness.size
    best = min(int(uniform(state) * size), size - 1)
    for _ in range(draws - 1):
        k = min(int(uniform(state) * size), size - 1)
        if fitness[k] < fitness[best]:
            best = k
    return best


@_jit()
def breed(  # noqa: PLR0917 - a compiled kernel takes flat arguments
    population: Array,
    fitness: Array,
    keep: Array,
    state: Array,
    hyper: Array,
    units: Array,
    swap: Array,
    bred: Array,
) -> None:
    """``bred`` (M, params): the members ``keep`` of ``population`` (M, params), as they
    are (the elites), then children of the members by their ``fitness`` (M,), drawn from
    ``state`` (the stream). ``hyper``: tournament, crossover_rate, mutation_rate,
    mutation_scale; ``units``: the unit of each parameter; ``swap``: room for a coin a unit."""
    tournament, crossover_rate, elites = int(hyper[0]), hyper[1], keep.size
    for e in range(elites):
        bred[e] = population[keep[e]]
    for c in range(elites, bred.shape[0]):
        first = population[_tournament(fitness, state, tournament)]
        second = population[_tournament(fitness, state, tournament)]
        child = bred[c]
        if uniform(state) < crossover_rate:
            bits = ONE_BIT
            for u in range(swap.size):
                if u % 64 == 0:
                    bits = next_bits(state)
                swap[u] = (bits >> np.uint64(u % 64)) & ONE_BIT != 0
            for i in range(child.size):
                child[i] = second[i] if swap[units[i]] else first[i]
        else:
            child[:] = first
    _mutate(bred[elites:].reshape(-1), state, hyper[2], hyper[3])


@_jit(inline="always")
def _gap(state: Array, log_miss: float) -> int:
    """A geometric draw (≥ 1): the trials up to the first success, ``log_miss`` = log(1 − p)."""
    if log_miss == -np.inf:  # p = 1: every weight
        return 1
    return 1 + int(min(math.log(1.0 - uniform(state)) / log_miss, FAR))


@_jit(inline="always")
def _mutate(weights: Array, state: Array, rate: float, scale: float) -> None:
    """Each of ``weights``, with probability ``rate``, gets Gaussian noise of deviation
    ``scale``."""
    if rate <= 0.0:
        return
    log_miss = math.log1p(-rate) if rate < 1.0 else -np.inf
    site, spare, has_spare = _gap(state, log_miss) - 1, 0.0, False
    while site < weights.size:
        if has_spare:
            noise, has_spare = spare, False
        else:  # Marsaglia's polar method: two deviates from a point in the unit disc
            u, v, r2 = 0.0, 0.0, 0.0
            while r2 >= 1.0 or r2 == 0.0:
                u, v = 2.0 * uniform(state) - 1.0, 2.0 * uniform(state) - 1.0
                r2 = u * u + v * v
            factor = math.sqrt(-2.0 * math.log(r2) / r2)
            noise, spare, has_spare = u * factor, v * factor, True
        weights[site] += scale * noise
        site += _gap(state, log_miss)


@_jit()
def generation_pass(  # noqa: PLR0917
    population: Array,
    fitness: Array,
    seed: int,
    hyper: Array,
    units: Array,
    elites: int,
    scoring: tuple[Array, Array, Array, float],
    work: Array,
    bred: Array,
    scores: Array,
) -> int:
    """``breed`` into ``bred`` from the stream started at ``seed``, then ``scores`` (M,): the
    elites' ``fitness`` and each child's squared-error loss by the float32 pass (``scoring``:
    its plan, x (inputs + 1, padded) and t (outputs, points) in float32, the loss's scale;
    inf for a child that overflows; ``work``: room for the children in float32 (C,
    params)). Returns the best member (the first of equals)."""
    plan, x32, t32, scale = scoring
    keep = np.argsort(fitness, kind="mergesort")[:elites]  # stable: the first of equals
    state = np.full(1, seed, np.uint64)
    breed(population, fitness, keep, state, hyper, units, np.empty(units[-1] + 1, np.bool_), bred)
    for e in range(elites):
        scores[e] = fitness[keep[e]]
    work[:] = bred[elites:]  # the children in float32
    squared_errors(work, plan, x32.reshape(-1), t32, scale, scores[elites:])
    mark_overflowed(work, scores[elites:])
    return int(np.argmin(scores))


@_jit()
def take_member(
    population: Array, best: int, params: Array, measured: Array, limit: float
) -> tuple[bool, bool]:
    """``params[:] = population[best]`` (the run's network takes the best member); returns
    whether a weight of it is NaN, infinite or past ``limit`` (``engine.health.exploded``),
    and whether it equals ``measured`` (``np.array_equal``): one compiled call where NumPy
    would take four (the trainer's epoch end)."""
    row = population[best]
    exploded, same = False, True
    for i in range(row.size):
        w = row[i]
        params[i] = w
        exploded |= not abs(w) <= limit
        same &= w == measured[i]
    return exploded, same


def warm() -> None:
    """Compile (or load from numba's cache) the generation now, not in a run's first one."""
    plan = plan_for([1, 1], [], "linear")  # one unit: x → z
    if plan is None:  # no numba
        return
    hyper, units = np.array([2.0, 0.5, 0.5, 0.1]), np.zeros(2, np.intp)
    x32, t32 = np.ones((2, LANES), np.float32), np.ones((1, LANES), np.float32)
    scoring = (plan, x32, t32, 0.5)
    work = np.empty((3, 2), np.float32)
    for dtype in (np.float64, np.float32):
        population, bred, scores = np.ones((4, 2), dtype), np.empty((4, 2), dtype), np.empty(4)
        generation_pass(population, np.ones(4), 1, hyper, units, 1, scoring, work, bred, scores)
        take_member(bred, 0, np.empty(2, dtype), np.empty(2, dtype), 1.0)
