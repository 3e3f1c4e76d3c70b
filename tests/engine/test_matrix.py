"""The test matrices: the default covers every value, the pairwise one every pair."""

from __future__ import annotations

import itertools

from tests.engine.matrix import all_pairs, covering

AXES = [["a", "b", "c", "d", "e", "f", "g"], list(range(11)), ["x", "y", "z"], [0.0, 0.3]]


def test_the_default_matrix_has_every_value_of_every_axis() -> None:
    combos = covering(AXES)
    assert len(combos) == 11
    for k, axis in enumerate(AXES):
        assert {combo[k] for combo in combos} == set(axis)


def test_the_pairwise_matrix_has_every_pair_of_values_and_far_fewer_than_the_product() -> None:
    start = covering(AXES)
    combos = all_pairs(AXES, start)
    assert combos[: len(start)] == start
    for i, j in itertools.combinations(range(len(AXES)), 2):
        together = {(combo[i], combo[j]) for combo in combos}
        assert together == set(itertools.product(AXES[i], AXES[j]))
    assert len(combos) < len(list(itertools.product(*AXES))) / 4
