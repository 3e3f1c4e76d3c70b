"""What a network's passes keep: the trace a forward pass leaves for backward, the picture
pass's trace, and the work arrays kept per batch size and dtype (``engine.network``), so a
training step allocates next to nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from engine.shading import PictureForm

Array = np.ndarray


@dataclass
class Trace:
    """What a forward pass keeps for backward, per layer k (B = batch), feature-major:

    ``inputs[k]`` (sizes[k] + 1, B) entered layer k, ones row last; ``pre[k]`` (sizes[k + 1], B)
    is its z; for hidden layers ``act[k]`` is the activation before dropout and ``masks[k]``
    the dropout mask, scaled by 1/(1 − p), or None.
    """

    inputs: list[Array]
    pre: list[Array]
    act: list[Array]
    masks: list[Array | None]

    @property
    def output(self) -> Array:
        """The network's output z, batch-major (B, n_out) (a view)."""
        return self.pre[-1].T


@dataclass
class PictureTrace:
    """What ``Network.forward_picture`` gives, feature-major (B = grid points): hidden layer
    k's activation is ``forms[k].finish(hidden[k])`` (its affine step went into layer k + 1),
    ``output`` (B, n_out) the network's output z (views of work buffers)."""

    hidden: list[Array]
    forms: list[PictureForm]
    output: Array

    def act(self, layer: int, index: Any = ()) -> Array:
        """Hidden layer ``layer``'s activation at ``index`` of its (units, B) array (fresh, or
        a view of the work buffer where the form has no affine step)."""
        return self.forms[layer].finish(self.hidden[layer][index])


class Buffers:
    """Work arrays for one batch size and dtype, feature-major, each allocated on first use:
    a picture's big grid needs only the compiled pass's block (or NumPy's pass's arrays),
    never dropout's or backward's."""

    def __init__(self, sizes: Sequence[int], batch: int, dtype: np.dtype) -> None:
        self.sizes = tuple(sizes)
        self.hidden = [(n, batch) for n in sizes[1:-1]]
        self.n_out = sizes[-1]
        self.batch = batch
        self.dtype = dtype
        self.plan: list[tuple[Any, ...]] | None = None  # built by Network.backward

    @cached_property
    def inputs(self) -> list[Array]:
        """What enters each layer, ones row last."""
        return [np.ones((n + 1, self.batch), self.dtype) for n in self.sizes[:-1]]

    @cached_property
    def pre(self) -> list[Array]:
        return [np.empty((n, self.batch), self.dtype) for n in self.sizes[1:]]

    @cached_property
    def fed(self) -> list[Array]:
        """What layer k + 1 reads: views of ``inputs``."""
        return [inputs[:-1] for inputs in self.inputs[1:]]

    @cached_property
    def trace(self) -> Trace:
        """The trace of a pass without dropout: always these same arrays."""
        return Trace(list(self.inputs), self.pre, self.fed, [None] * len(self.fed))

    def _hidden_arrays(self) -> list[Array]:
        return [np.empty(shape, self.dtype) for shape in self.hidden]

    @cached_property
    def raw(self) -> list[Array]:
        """Activations before dropout."""
        return self._hidden_arrays()

    @cached_property
    def spare(self) -> Array:
        """Scratch for a picture form's core: the widest hidden layer."""
        return np.empty((max((n for n, _ in self.hidden), default=0), self.batch), self.dtype)

    @cached_property
    def picture_block(self) -> Array:
        """The compiled picture pass's output: every layer's units, one row each, in order."""
        return np.empty((sum(n for n, _ in self.hidden) + self.n_out, self.batch), self.dtype)

    @cached_property
    def picture_hidden(self) -> list[Array]:
        """``picture_block``'s rows of each hidden layer."""
        views, row = [], 0
        for n, _ in self.hidden:
            views.append(self.picture_block[row : row + n])
            row += n
        return views

    @cached_property
    def masks(self) -> list[Array]:
        return self._hidden_arrays()

    @cached_property
    def delta(self) -> list[Array]:
        return self._hidden_arrays()

    @cached_property
    def deriv(self) -> list[Array]:
        return self._hidden_arrays()
