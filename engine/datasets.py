"""Dataset generators, TensorFlow Playground's with its exact semantics and a few more.

Every generator has one signature, ``(n, noise, rng, classes) -> Dataset`` (``classes`` is
read only by multi-class sets). Points lie in the [-6, 6]² domain. Labels: ±1 for binary
sets, 0..K−1 for multi-class sets, real values for regression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry

DOMAIN = (-6.0, 6.0)
Array = np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Points ``x`` (n, 2) and labels ``y`` (n,)."""

    x: Array
    y: Array

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Split:
    train: Dataset
    test: Dataset
    validation: Dataset | None = None  # held out of the training share, when asked for


Generate = Callable[[int, float, np.random.Generator, int], Dataset]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    task: str  # binary, multiclass or regression
    default_samples: int
    generate: Generate
    description: str


DATASETS: Registry[DatasetSpec] = Registry("dataset")


def _dataset(
    name: str, task: str, description: str, samples: int = 500
) -> Callable[[Generate], Generate]:
    def register(generate: Generate) -> Generate:
        DATASETS.register(name, DatasetSpec(name, task, samples, generate, description))
        return generate

    return register


def _polar(r: Array, angle: Array) -> Array:
    """TF's convention: x = r·sin(angle), y = r·cos(angle). -> (n, 2)"""
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)])


@_dataset("circle", "binary", "a blue disc inside an orange ring")
def make_circle(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Half the points at radius U(0, 2.5), half at U(3.5, 5). Noise moves no point: it
    perturbs the coordinates by U(−5, 5)·noise only to compute the label."""
    radius = 5.0
    halves = (n // 2, n - n // 2)
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, halves[0]), rng.uniform(radius * 0.7, radius, halves[1])]
    )
    x = _polar(r, rng.uniform(0, 2 * np.pi, n))
    jitter = rng.uniform(-radius, radius, x.shape) * noise
    return Dataset(x, np.where(np.hypot(*(x + jitter).T) < radius * 0.5, 1.0, -1.0))


@_dataset("xor", "binary", "four quadrants, opposite ones alike")
def make_xor(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Coordinates U(−5, 5) pushed 0.3 off the axes; +1 where x·y ≥ 0 after a label-only
    perturbation of U(−5, 5)·noise."""
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    jittered = x + rng.uniform(-5, 5, x.shape) * noise
    return Dataset(x, np.where(jittered[:, 0] * jittered[:, 1] >= 0, 1.0, -1.0))


@_dataset("gauss", "binary", "two Gaussian clouds")
def make_gauss(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Clouds at (2, 2) (+1) and (−2, −2) (−1); variance 0.5 + 7·noise (0.5 … 4)."""
    std = np.sqrt(0.5 + 7.0 * noise)
    halves = (n // 2, n - n // 2)
    x = np.concatenate([rng.normal(2, std, (halves[0], 2)), rng.normal(-2, std, (halves[1], 2))])
    return Dataset(x, np.repeat([1.0, -1.0], halves))


def _arms(n: int, noise: float, rng: np.random.Generator, arms: int) -> tuple[Array, Array]:
    """``arms`` interleaved spirals: radius 0 → 5 over 1.75 turns, arm k turned by 2πk/arms;
    each coordinate moves by U(−1, 1)·noise. -> points (n, 2), arm index (n,)"""
    counts = [n // arms + (k < n % arms) for k in range(arms)]
    arm = np.repeat(np.arange(arms), counts)
    i = np.concatenate([np.arange(c) / c for c in counts])
    angle = 1.75 * i * 2 * np.pi + arm * (2 * np.pi / arms)
    x = _polar(i * 5.0, angle) + rng.uniform(-1, 1, (n, 2)) * noise
    return x, arm


@_dataset("spiral", "binary", "two interleaved spiral arms")
def make_spiral(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    x, arm = _arms(n, noise, rng, 2)
    return Dataset(x, np.where(arm == 0, 1.0, -1.0))


@_dataset("moons", "binary", "two interlocking half-moons")
def make_moons(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """scikit-learn's two moons, scaled ×3.5 into the domain; Gaussian noise of σ = 3.5·noise."""
    halves = (n // 2, n - n // 2)
    t_out, t_in = rng.uniform(0, np.pi, halves[0]), rng.uniform(0, np.pi, halves[1])
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])
    x = (np.concatenate([outer, inner]) - [0.5, 0.25]) * 3.5 + rng.normal(0, 3.5 * noise, (n, 2))
    return Dataset(x, np.repeat([1.0, -1.0], halves))


@_dataset("checkerboard", "binary", "a 4 × 4 checkerboard")
def make_checkerboard(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Uniform points; squares of side 3; label-only perturbation of U(−3, 3)·noise."""
    x = rng.uniform(-6, 6, (n, 2))
    cell = np.floor((x + rng.uniform(-3, 3, x.shape) * noise) / 3.0).sum(axis=1)
    return Dataset(x, np.where(cell % 2 == 0, 1.0, -1.0))


@_dataset("blobs", "multiclass", "K Gaussian clouds on a circle")
def make_blobs(n: int, noise: float, rng: np.random.Generator, classes: int = 3) -> Dataset:
    """K clouds centred at radius 3.5; variance 0.5 + 7·noise as in gauss."""
    label = np.repeat(
        np.arange(classes), [n // classes + (k < n % classes) for k in range(classes)]
    )
    centres = _polar(np.full(classes, 3.5), 2 * np.pi * np.arange(classes) / classes)
    x = centres[label] + rng.normal(0, np.sqrt(0.5 + 7.0 * noise), (n, 2))
    return Dataset(x, label.astype(np.float64))


@_dataset("spirals", "multiclass", "K interleaved spiral arms")
def make_spirals(n: int, noise: float, rng: np.random.Generator, classes: int = 3) -> Dataset:
    x, arm = _arms(n, noise, rng, classes)
    return Dataset(x, arm.astype(np.float64))


@_dataset("reg-plane", "regression", "a tilted plane, (x + y) / 10", samples=1200)
def make_reg_plane(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Uniform points; target (x + y)/10 of coordinates perturbed by U(−6, 6)·noise."""
    x = rng.uniform(-6, 6, (n, 2))
    jittered = x + rng.uniform(-6, 6, x.shape) * noise
    return Dataset(x, jittered.sum(axis=1) / 10.0)


REG_GAUSS_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


@_dataset("reg-gauss", "regression", "six signed bumps", samples=1200)
def make_reg_gauss(n: int, noise: float, rng: np.random.Generator, classes: int = 2) -> Dataset:
    """Six cones 1 − d/2 (radius 2) with signs + − + / − + −; the target is the signed bump
    of largest magnitude, at coordinates perturbed by U(−6, 6)·noise."""
    x = rng.uniform(-6, 6, (n, 2))
    p = x + rng.uniform(-6, 6, x.shape) * noise
    d = np.hypot(p[:, :1] - REG_GAUSS_BUMPS[:, 0], p[:, 1:] - REG_GAUSS_BUMPS[:, 1])  # (n, 6)
    values = REG_GAUSS_BUMPS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    pick = np.abs(values).argmax(axis=1)
    return Dataset(x, values[np.arange(n), pick])


def split(
    data: Dataset, train_ratio: float, rng: np.random.Generator, validation_ratio: float = 0.0
) -> Split:
    """Shuffle once, then cut at floor(n · train_ratio) into train and test; with a
    ``validation_ratio``, the last floor(n_train · validation_ratio) of the shuffled training
    share are held out for validation (no extra draw: the same seed, the same sets)."""
    order = rng.permutation(len(data))
    cut = int(len(data) * train_ratio)
    held = int(cut * validation_ratio)
    train, validation, test = order[: cut - held], order[cut - held : cut], order[cut:]

    def part(index: Array) -> Dataset:
        return Dataset(data.x[index], data.y[index])

    return Split(part(train), part(test), part(validation) if validation_ratio > 0 else None)
