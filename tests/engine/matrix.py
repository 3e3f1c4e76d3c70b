"""Test matrices over the registries: a small default, the rest marked ``full_matrix``.

By default a test runs ``covering`` combinations: every value of every axis at least once,
so a newly registered strategy is checked the moment it exists. ``--full-matrix`` (what
``scripts/test.sh`` passes) adds the rest, up to the full product or every pair of values.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest

from engine.heads import ALLOWED

Combo = tuple[Any, ...]
# every allowed head as (task, output activation, loss)
HEADS = [
    (task, output, loss)
    for task, outputs in ALLOWED.items()
    for output, losses in outputs.items()
    for loss in sorted(losses)
]


def covering(axes: Sequence[Sequence[Any]]) -> list[Combo]:
    """max(len) combinations; combination i takes value i mod len of each axis."""
    n = max(len(axis) for axis in axes)
    return [tuple(axis[i % len(axis)] for axis in axes) for i in range(n)]


def _pairs(combo: Combo) -> set[tuple[int, Any, int, Any]]:
    return {(i, combo[i], j, combo[j]) for i, j in itertools.combinations(range(len(combo)), 2)}


def all_pairs(axes: Sequence[Sequence[Any]], start: Sequence[Combo] = ()) -> list[Combo]:
    """Combinations, after ``start``, in which every pair of values of any two axes occurs
    together (a greedy pairwise covering: far fewer than the product)."""
    wanted = {
        (i, a, j, b)
        for i, j in itertools.combinations(range(len(axes)), 2)
        for a in axes[i]
        for b in axes[j]
    }
    rows = list(start)
    for combo in rows:
        wanted -= _pairs(combo)
    while wanted:
        i, a, j, b = min(wanted, key=repr)  # deterministic: the same matrix every run
        row: list[Any] = [None] * len(axes)
        row[i], row[j] = a, b
        for k, axis in enumerate(axes):
            if row[k] is None:
                row[k] = max(axis, key=lambda value, k=k: _gain(row, k, value, wanted))
        rows.append(tuple(row))
        wanted -= _pairs(rows[-1])
    return rows


def _gain(row: list[Any], k: int, value: Any, wanted: set[tuple[int, Any, int, Any]]) -> int:
    """How many wanted pairs ``value`` at axis ``k`` makes with the values chosen so far."""
    return sum(
        (min(k, m), row[m] if m < k else value, max(k, m), value if m < k else row[m]) in wanted
        for m in range(len(row))
        if m != k and row[m] is not None
    )


def params(axes: Sequence[Sequence[Any]], full: str = "product") -> list[Any]:
    """``covering`` combinations, then (marked ``full_matrix``) the rest of the ``product``
    or of ``all_pairs``, as pytest params."""
    small = covering(axes)
    rest = itertools.product(*axes) if full == "product" else all_pairs(axes, small)
    seen = set(small)
    extra = [combo for combo in rest if combo not in seen]  # no combination twice
    marked = [pytest.param(*combo, marks=pytest.mark.full_matrix, id=_id(combo)) for combo in extra]
    return [pytest.param(*combo, id=_id(combo)) for combo in small] + marked


def _id(combo: Combo) -> str:
    """``relu-binary-tanh-half_mse-l1-0.3``: a tuple value (a head) is spelled out."""
    return "-".join(
        "-".join(map(str, value)) if isinstance(value, tuple) else str(value) for value in combo
    )
