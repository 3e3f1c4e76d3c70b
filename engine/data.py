"""A run's data ready for training: generated or user points, split, featurised, encoded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.data_config import DataConfig
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
    val_x: Array | None = None  # the validation set, when the config holds one out
    val_t: Array | None = None

    @cached_property
    def all_x_aug(self) -> Array:
        """Train, test, then validation inputs in float32, feature-major with a ones row:
        (features + 1, n)."""
        parts = [self.train_x, self.test_x] + ([] if self.val_x is None else [self.val_x])
        return augment(np.concatenate(parts).astype(np.float32))


def prepare(
    data: Dataset,
    config: DataConfig,
    head: Head,
    rng: np.random.Generator,
    dtype: np.dtype | type = np.float64,
) -> Prepared:
    parts = split(data, config.train_ratio, rng, config.validation_ratio)

    def encoded(part: Dataset) -> tuple[Array, Array]:
        x = feature_matrix(part.x, config.features).astype(dtype)
        return x, head.targets(part.y).astype(dtype)

    (train_x, train_t), (test_x, test_t) = encoded(parts.train), encoded(parts.test)
    val_x, val_t = encoded(parts.validation) if parts.validation is not None else (None, None)
    return Prepared(parts, train_x, train_t, test_x, test_t, val_x, val_t)
