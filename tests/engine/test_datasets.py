"""The circle dataset with TF Playground's semantics, and the split."""

import numpy as np
import pytest

from engine.datasets import DATASETS, make_circle, split
from engine.registry import UnknownNameError


def radii(points: np.ndarray) -> np.ndarray:
    return np.hypot(points[:, 0], points[:, 1])


@pytest.mark.parametrize("n", [10, 500, 501])
def test_circle_has_exactly_n_points_half_inside_half_in_the_ring(n: int) -> None:
    data = make_circle(n, 0.0, np.random.default_rng(0))
    r = radii(data.x)
    assert data.x.shape == (n, 2) and data.y.shape == (n,)
    inner, outer = r[: n // 2], r[n // 2 :]
    assert inner.max() <= 2.5 and outer.min() >= 3.5 and outer.max() <= 5.0


def test_circle_without_noise_labels_by_radius() -> None:
    data = make_circle(500, 0.0, np.random.default_rng(1))
    expected = np.where(radii(data.x) < 2.5, 1.0, -1.0)
    assert np.array_equal(data.y, expected)
    assert set(np.unique(data.y)) == {-1.0, 1.0}


def test_circle_noise_flips_labels_but_moves_no_point() -> None:
    clean = make_circle(2000, 0.0, np.random.default_rng(2))
    noisy = make_circle(2000, 0.5, np.random.default_rng(2))
    assert np.array_equal(clean.x, noisy.x)  # same draws for positions
    flipped = clean.y != noisy.y
    assert 0.02 < flipped.mean() < 0.5
    # Only labels the noise can reach flip: U(-5, 5)·0.5 moves at most 2.5·√2 per point.
    assert np.all(np.abs(radii(clean.x[flipped]) - 2.5) <= 2.5 * np.sqrt(2))


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    a = make_circle(100, 0.2, np.random.default_rng(5))
    b = make_circle(100, 0.2, np.random.default_rng(5))
    c = make_circle(100, 0.2, np.random.default_rng(6))
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize(
    ("n", "ratio", "n_train"), [(500, 0.5, 250), (501, 0.3, 150), (10, 0.9, 9)]
)
def test_split_cuts_at_floor_of_n_times_ratio(n: int, ratio: float, n_train: int) -> None:
    data = make_circle(n, 0.0, np.random.default_rng(3))
    parts = split(data, ratio, np.random.default_rng(4))
    assert len(parts.train) == n_train and len(parts.test) == n - n_train
    together = np.concatenate([parts.train.x, parts.test.x])
    assert sorted(map(tuple, together)) == sorted(map(tuple, data.x))


def test_unknown_dataset_names_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="valid: circle"):
        DATASETS["moon"]
