"""A fixed window onto weight space: two orthonormal directions drawn from a network's layer
sizes alone, so every network of one shape (a race's lanes, a genetic trainer's population)
is seen through the same window, from the first epoch to the last.

A network of P parameters is a point in P dimensions; ``project`` gives its place in the
window, the dot products of its flat parameter vector (``Network.params``) with the two
directions. Random directions keep distances roughly as they are (for P in the tens or
hundreds, a distance in the window is the true one times about √(2/P), the same factor for
every pair), so a cloud that spreads, shrinks or moves shows as one that does; they show no
structure of their own. The same shape gives the same directions on any machine: the
generator is seeded with the sizes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache

import numpy as np

Array = np.ndarray


@cache
def _basis(sizes: tuple[int, ...]) -> Array:
    count = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    rng = np.random.default_rng([7, *sizes])
    q, _ = np.linalg.qr(rng.standard_normal((count, 2)))  # orthonormal columns
    q.setflags(write=False)
    return q


def basis(sizes: Sequence[int]) -> Array:
    """(P, 2): the window's two directions for a network of these layer sizes."""
    return _basis(tuple(int(s) for s in sizes))


def project(params: Array, sizes: Sequence[int]) -> Array:
    """Where a flat parameter vector (P,), or each row of many (M, P), is in the window:
    (2,) or (M, 2), float64."""
    place: Array = np.asarray(params, dtype=np.float64) @ basis(sizes)
    return place
