"""Input features computed from a point (x1, x2), as TF Playground's input tiles."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from engine.registry import Registry

Feature = Callable[[np.ndarray, np.ndarray], np.ndarray]
FEATURES: Registry[Feature] = Registry("feature")

FEATURES.register("x1", lambda x1, x2: x1)
FEATURES.register("x2", lambda x1, x2: x2)
FEATURES.register("x1_sq", lambda x1, x2: x1 * x1)
FEATURES.register("x2_sq", lambda x1, x2: x2 * x2)
FEATURES.register("x1x2", lambda x1, x2: x1 * x2)
FEATURES.register("sin_x1", lambda x1, x2: np.sin(x1))
FEATURES.register("sin_x2", lambda x1, x2: np.sin(x2))
FEATURES.register("cos_x1", lambda x1, x2: np.cos(x1))
FEATURES.register("cos_x2", lambda x1, x2: np.cos(x2))


def feature_matrix(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Points (n, 2) -> the named features (n, len(names)), in float64."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.column_stack([FEATURES[name](x1, x2) for name in names]).astype(np.float64)
