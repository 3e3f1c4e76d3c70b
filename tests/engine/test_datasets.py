"""The generators with TF Playground's semantics, the extra sets, and the split."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets import DATASETS, make_circle, split
from engine.registry import UnknownNameError

RNG = np.random.default_rng


def radii(points: np.ndarray) -> np.ndarray:
    return np.hypot(points[:, 0], points[:, 1])


def generate(name: str, n: int = 500, noise: float = 0.0, seed: int = 0, classes: int = 3):  # type: ignore[no-untyped-def]
    return DATASETS[name].generate(n, noise, RNG(seed), classes)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("n", [10, 501])
def test_every_dataset_gives_exactly_n_points_in_the_domain(name: str, n: int) -> None:
    data = generate(name, n, noise=0.5)
    assert data.x.shape == (n, 2) and data.y.shape == (n,)
    assert np.isfinite(data.x).all() and np.isfinite(data.y).all()
    if name not in ("gauss", "blobs", "moons"):  # Gaussian tails may leave the plot
        assert np.abs(data.x).max() <= 6.0


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data(name: str) -> None:
    a, b, c = (
        generate(name, seed=5, noise=0.2),
        generate(name, seed=5, noise=0.2),
        generate(name, seed=6, noise=0.2),
    )
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


def test_default_counts_are_tf_playgrounds() -> None:
    counts = {name: spec.default_samples for name, spec in DATASETS.items()}
    assert counts["circle"] == counts["spiral"] == 500
    assert counts["reg-plane"] == counts["reg-gauss"] == 1200


@pytest.mark.parametrize("n", [10, 500, 501])
def test_circle_half_inside_half_in_the_ring(n: int) -> None:
    r = radii(make_circle(n, 0.0, RNG(0)).x)
    assert r[: n // 2].max() <= 2.5 and r[n // 2 :].min() >= 3.5 and r.max() <= 5.0


def test_circle_without_noise_labels_by_radius() -> None:
    data = make_circle(500, 0.0, RNG(1))
    assert np.array_equal(data.y, np.where(radii(data.x) < 2.5, 1.0, -1.0))


def test_circle_noise_flips_labels_but_moves_no_point() -> None:
    clean, noisy = make_circle(2000, 0.0, RNG(2)), make_circle(2000, 0.5, RNG(2))
    assert np.array_equal(clean.x, noisy.x)
    flipped = clean.y != noisy.y
    assert 0.02 < flipped.mean() < 0.5
    assert np.all(np.abs(radii(clean.x[flipped]) - 2.5) <= 2.5 * np.sqrt(2))


def test_xor_keeps_off_the_axes_and_labels_by_quadrant() -> None:
    data = generate("xor")
    assert np.abs(data.x).min() >= 0.3 and np.abs(data.x).max() <= 5.3
    assert np.array_equal(data.y, np.where(data.x[:, 0] * data.x[:, 1] >= 0, 1.0, -1.0))


@pytest.mark.parametrize(("noise", "variance"), [(0.0, 0.5), (0.5, 4.0)])
def test_gauss_clouds_and_their_variance(noise: float, variance: float) -> None:
    data = generate("gauss", 20_000, noise)
    positive = data.x[data.y > 0]
    assert positive.mean(axis=0) == pytest.approx([2, 2], abs=0.1)
    assert data.x[data.y < 0].mean(axis=0) == pytest.approx([-2, -2], abs=0.1)
    assert positive.var(axis=0) == pytest.approx([variance, variance], rel=0.05)


def test_spiral_arms_grow_to_radius_5_and_noise_moves_points() -> None:
    clean = generate("spiral")
    assert radii(clean.x).max() <= 5.0 and radii(clean.x).min() == 0.0
    assert (clean.y > 0).sum() == 250
    moved = generate("spiral", noise=0.5).x - clean.x
    assert 0.3 < np.abs(moved).max() <= 0.5


def test_reg_plane_is_x_plus_y_over_10() -> None:
    data = generate("reg-plane", 1200)
    assert data.y == pytest.approx(data.x.sum(axis=1) / 10.0)


def test_reg_gauss_bumps_peak_at_their_centres() -> None:
    spec = DATASETS["reg-gauss"]
    data = spec.generate(20_000, 0.0, RNG(0), 2)
    near = lambda cx, cy: np.hypot(data.x[:, 0] - cx, data.x[:, 1] - cy) < 0.1  # noqa: E731
    assert data.y[near(-4, 2.5)].min() > 0.9 and data.y[near(0, 2.5)].max() < -0.9
    assert np.abs(data.y).max() <= 1.0


@pytest.mark.parametrize("name", ["blobs", "spirals"])
@pytest.mark.parametrize("classes", [3, 5])
def test_multiclass_sets_have_k_balanced_classes(name: str, classes: int) -> None:
    data = generate(name, 600, classes=classes)
    assert sorted(np.unique(data.y)) == list(range(classes))
    assert np.bincount(data.y.astype(int)).tolist() == [600 // classes] * classes


@pytest.mark.parametrize(
    ("n", "ratio", "n_train"), [(500, 0.5, 250), (501, 0.3, 150), (10, 0.9, 9)]
)
def test_split_cuts_at_floor_of_n_times_ratio(n: int, ratio: float, n_train: int) -> None:
    data = make_circle(n, 0.0, RNG(3))
    parts = split(data, ratio, RNG(4))
    assert len(parts.train) == n_train and len(parts.test) == n - n_train
    together = np.concatenate([parts.train.x, parts.test.x])
    assert sorted(map(tuple, together)) == sorted(map(tuple, data.x))


def test_unknown_dataset_names_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="valid: circle, xor"):
        DATASETS["moon"]
