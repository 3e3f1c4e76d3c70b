"""A run's data ready for training: generated or user points, split, featurised, encoded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.config import DataConfig
from engine.datasets import DATASETS, Dataset, Split, split
from engine.features import feature_matrix
from engine.heads import Head
from engine.network import augment
from engine.userdata import n_classes

Array = np.ndarray


def load_points(config: DataConfig, rng: np.random.Generator) -> Dataset:
    """All the run's points, before the split."""
    user = config.user_dataset()
    if user is not None:
        return user
    spec = DATASETS[config.dataset]
    return spec.generate(
        config.n_samples or spec.default_samples, config.noise, rng, config.classes
    )


def class_count(config: DataConfig, data: Dataset) -> int:
    return n_classes(data.y) if config.user_dataset() is not None else config.classes


@dataclass(frozen=True)
class Prepared:
    """Split points plus what the network sees: features (n, f) and targets (n, outputs)."""

    split: Split
    train_x: Array
    train_t: Array
    test_x: Array
    test_t: Array

    @cached_property
    def all_x_aug(self) -> Array:
        """Train then test inputs in float32, feature-major with a ones row: (features + 1, n)."""
        return augment(np.concatenate([self.train_x, self.test_x]).astype(np.float32))


def prepare(
    data: Dataset,
    config: DataConfig,
    head: Head,
    rng: np.random.Generator,
    dtype: np.dtype | type = np.float64,
) -> Prepared:
    parts = split(data, config.train_ratio, rng)
    return Prepared(
        split=parts,
        train_x=feature_matrix(parts.train.x, config.features).astype(dtype),
        train_t=head.targets(parts.train.y).astype(dtype),
        test_x=feature_matrix(parts.test.x, config.features).astype(dtype),
        test_t=head.targets(parts.test.y).astype(dtype),
    )
