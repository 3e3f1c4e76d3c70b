"""Weight penalties R(w), each with its derivative beside it; biases are never penalised.

The trainer adds λ·R′(w) to the weights' gradient, which for SGD is exactly TF Playground's
separate decay step w ← w − η·λ·R′(w). L1 adds TF's rule: a weight that the step carries
across zero is set to exactly 0 and stays dead until a reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Regularizer:
    name: str
    penalty: Callable[[Array], float]
    derivative: Callable[[Array], Array]
    formula: str
    clamps_at_zero: bool = False


REGULARIZERS: Registry[Regularizer] = Registry("regularization")
for _reg in (
    Regularizer("none", lambda w: 0.0, np.zeros_like, "no penalty"),
    Regularizer("l1", lambda w: float(np.abs(w).sum()), np.sign, "λ·Σ|w|", clamps_at_zero=True),
    Regularizer("l2", lambda w: float(0.5 * (w * w).sum()), lambda w: w, "λ·½Σw²"),
):
    REGULARIZERS.register(_reg.name, _reg)
