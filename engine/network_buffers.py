"""What a network's passes keep: the trace a forward pass leaves for backward, the picture
pass's trace, and the work arrays kept per batch size and dtype (``engine.network``), so a
training step allocates next to nothing."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from engine import kernels
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


@dataclass
class PicturePass:
    """``Network.forward_picture``'s folded layers, ready to fill the columns of a buffer:
    all of them, or a piece at a time (``engine.picture_job``)."""

    forms: list[PictureForm]
    plan: Array | None  # the compiled pass's plan (``engine.kernels``); None: NumPy's pass
    cast: Array  # the folded parameters, flat, in the grid's dtype (the compiled pass's)
    layers: list[Array]  # views of ``cast``, each (fan_out, fan_in + 1) (NumPy's pass)

    def fill(self, grid: Array, buf: Buffers, first: int, last: int) -> None:
        """Every neuron at the grid's points ``first`` to ``last`` into ``buf``."""
        if self.plan is not None:
            flat_grid = np.ascontiguousarray(grid).reshape(-1)
            block = buf.picture_block.reshape(-1)
            kernels.picture_pass(self.cast, self.plan, flat_grid, block, buf.batch, first, last)
            return
        inputs = grid[:, first:last]
        with np.errstate(over="ignore", invalid="ignore"):  # eᵘ → inf in 1/(1 + eᵘ) gives 0
            for k, form in enumerate(self.forms):
                fed = buf.fed[k][:, first:last]
                np.matmul(self.layers[k], inputs, out=fed)
                form.core(fed, buf.spare[: len(fed), first:last])
                inputs = buf.inputs[k + 1][:, first:last]
            np.matmul(self.layers[-1], inputs, out=buf.pre[-1][:, first:last])

    def trace(self, buf: Buffers) -> PictureTrace:
        """What ``fill`` wrote (views of ``buf``)."""
        if self.plan is not None:
            return PictureTrace(buf.picture_hidden, self.forms, buf.picture_block[-buf.n_out :].T)
        return PictureTrace(buf.fed, self.forms, buf.pre[-1].T)

    def frozen(self, sizes: Sequence[int]) -> PicturePass:
        """The same pass over a copy of the parameters: training may go on while it draws."""
        cast, layers, offset = self.cast.copy(), [], 0
        for fan_in, fan_out in itertools.pairwise(sizes):
            size = (fan_in + 1) * fan_out
            layers.append(cast[offset : offset + size].reshape(fan_in + 1, fan_out).T)
            offset += size
        return PicturePass(self.forms, self.plan, cast, layers)


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
