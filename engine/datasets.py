"""Dataset generators, with TensorFlow Playground's semantics, and the train/test split.

Every generator has one signature: ``(n, noise, rng) -> Dataset``. Points lie in the
[-6, 6]² domain; binary labels are -1 / +1 as in TF Playground.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry

DOMAIN = (-6.0, 6.0)


@dataclass(frozen=True)
class Dataset:
    """Points ``x`` of shape (n, 2) and labels ``y`` of shape (n,)."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Split:
    train: Dataset
    test: Dataset


Generator = Callable[[int, float, np.random.Generator], Dataset]
DATASETS: Registry[Generator] = Registry("dataset")


def _ring(n: int, r_min: float, r_max: float, rng: np.random.Generator) -> np.ndarray:
    """n points at radius U(r_min, r_max) and a uniform angle, as TF draws them. -> (n, 2)"""
    r = rng.uniform(r_min, r_max, n)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return np.column_stack([r * np.sin(angle), r * np.cos(angle)])


def make_circle(n: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Half the points inside radius 2.5, half in the ring 3.5..5.

    Noise moves no point: it perturbs the coordinates (by U(-5, 5)·noise) only when the
    label is computed, so labels near the boundary flip.
    """
    radius = 5.0
    inner = _ring(n // 2, 0.0, radius * 0.5, rng)
    outer = _ring(n - n // 2, radius * 0.7, radius, rng)
    x = np.concatenate([inner, outer])
    jitter = rng.uniform(-radius, radius, x.shape) * noise
    y = np.where(np.hypot(*(x + jitter).T) < radius * 0.5, 1.0, -1.0)
    return Dataset(x=x, y=y)


DATASETS.register("circle", make_circle)


def split(data: Dataset, train_ratio: float, rng: np.random.Generator) -> Split:
    """Shuffle once, then cut at floor(n · train_ratio) into train and test."""
    order = rng.permutation(len(data))
    cut = int(len(data) * train_ratio)
    train, test = order[:cut], order[cut:]
    return Split(
        train=Dataset(data.x[train], data.y[train]),
        test=Dataset(data.x[test], data.y[test]),
    )
