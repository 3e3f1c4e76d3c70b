"""Weight penalties R(w), each with its derivative beside it; biases are never penalised.

A penalty is not folded into the gradient the optimizer sees. As in TF Playground, each step
is two moves: the optimizer's step on the data loss alone, then the penalty's own step

    w ← w_mid − η·λ·R′(w_old)

where w_old is the weight before the step and w_mid after the optimizer's move. With SGD that
is TF Playground's update exactly; with the other optimizers it is the decoupled penalty
(AdamW's treatment of weight decay): momentum and Adam's moments never see it, so λ means the
same shrink per step whatever the optimizer. L1 adds TF's dead-link rule: a weight that *the
penalty step* carries across zero (w_mid·w_new < 0) is set to exactly 0 and stays 0 until a
reset; a weight the optimizer's own step carries across zero lives on.
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
    penalty: Callable[[Array], Array]  # R over the last axis: (..., k) -> (...)
    derivative: Callable[[Array], Array]
    formula: str
    clamps_at_zero: bool = False

    def decay(self, mid: Array, shrink: Array) -> tuple[Array, Array | None]:
        """The penalty's step from the optimizer's weights ``mid``: ``mid − shrink``, where
        ``shrink`` = η·λ·R′(w_old). Returns the new weights and, for a clamping penalty, which
        of them this step carried across zero (those are set to exactly 0), else None."""
        new = mid - shrink
        if not self.clamps_at_zero:
            return new, None
        crossed = mid * new < 0
        new[crossed] = 0.0
        return new, crossed


REGULARIZERS: Registry[Regularizer] = Registry("regularization")
for _reg in (
    Regularizer("none", lambda w: np.zeros(w.shape[:-1]), np.zeros_like, "R(w) = 0"),
    Regularizer("l1", lambda w: np.abs(w).sum(axis=-1), np.sign, "λ·Σ|w|", clamps_at_zero=True),
    Regularizer("l2", lambda w: 0.5 * (w * w).sum(axis=-1), lambda w: w, "λ·½Σw²"),
):
    REGULARIZERS.register(_reg.name, _reg)
