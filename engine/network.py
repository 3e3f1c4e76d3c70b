"""A fully connected network whose parameters live in one flat vector.

Layer k is one block of the vector viewed as ``layers[k]`` (fan_in + 1, fan_out): its weight
rows, then its bias as the last row. ``weights[k]``, ``biases[k]`` and the ``grad_*`` lists
are views into the same memory, so an optimizer updates one vector in place.

Inside, arrays are feature-major: a layer's input is (fan_in + 1, B) with a last row of ones,
so z = layers[k]ᵀ · [a; 1] is one matrix product, its gradient [a; 1] · δᵀ gives the weights'
and the bias's gradients at once, and every activation works on contiguous rows (strided
views cost NumPy 3× on small arrays). The public ``forward``/``predict`` take and give
batch-major (B, features) arrays.

Hidden layers have their own activation and inverted-dropout rate; the last layer is linear
(its z goes to the head). Work buffers are kept per batch size and dtype, so a training step
allocates next to nothing; float32 inputs run a float32 pass.

``forward_picture`` is the pass behind a frame's pictures: float32, each activation by its
picture form (``engine.shading``), whose affine steps are folded into the next layer's weights.
Training never takes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine import kernels
from engine.activations import Activation
from engine.network_buffers import Buffers, PicturePass, PictureTrace, Trace
from engine.shading import PictureForm, picture_forms

Array = np.ndarray
MAX_CACHED_SHAPES = 8
# np.dot without NumPy's Python-level __array_function__ dispatch: on the tiny matrices of a
# playground net that dispatch is a third of the call (0.53 → 0.33 µs).
_dot: Callable[..., Array] = getattr(np.dot, "_implementation", np.dot)


def augment(x: Array) -> Array:
    """x (n, features) -> (features + 1, n): feature-major, with a last row of ones."""
    out = np.ones((x.shape[1] + 1, len(x)), x.dtype)
    out[:-1] = x.T
    return out


class Network:
    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[Activation],
        dropout: Sequence[float],
        dtype: np.dtype | type = np.float64,
    ) -> None:
        self.sizes = tuple(sizes)
        self.activations = list(activations)  # one per hidden layer
        self.dropout = list(dropout)  # one per hidden layer; live-tunable
        self.n_layers = len(self.sizes) - 1
        n_params = sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))
        self.params = np.zeros(n_params, dtype)
        self.grads = np.zeros(n_params, dtype)
        self.weight_mask = np.zeros(n_params, dtype=bool)  # True where params are weights
        self.layers = self._views(self.params, mark=True)
        self.grad_layers = self._views(self.grads)
        self.weights = [layer[:-1] for layer in self.layers]
        self.biases = [layer[-1] for layer in self.layers]
        self.grad_weights = [layer[:-1] for layer in self.grad_layers]
        self.grad_biases = [layer[-1] for layer in self.grad_layers]
        self._layers_t = [layer.T for layer in self.layers]
        self._buffers: dict[tuple[int, str], Buffers] = {}
        self._foldings: dict[tuple[Any, ...], _Folding] = {}

    def views(self, flat: Array) -> list[Array]:
        """Per-layer (..., fan_in + 1, fan_out) views of any vector laid out like ``params``,
        or of a stack of them (R, P) (``engine.batch``)."""
        return self._views(flat)

    def _views(self, flat: Array, mark: bool = False) -> list[Array]:
        """Per-layer (..., fan_in + 1, fan_out) views of a vector laid out like ``params``."""
        views, offset = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            size = (fan_in + 1) * fan_out
            part = flat[..., offset : offset + size]
            views.append(part.reshape(*flat.shape[:-1], fan_in + 1, fan_out))
            if mark:
                self.weight_mask[offset : offset + fan_in * fan_out] = True
            offset += size
        return views

    def _buffers_for(self, batch: int, dtype: np.dtype) -> Buffers:
        key = (batch, dtype.str)
        found = self._buffers.get(key)
        if found is None:
            if len(self._buffers) >= MAX_CACHED_SHAPES:
                self._buffers.clear()
            found = Buffers(self.sizes, batch, dtype)
            self._buffers[key] = found
        return found

    @staticmethod
    def augment(x: Array) -> Array:
        """x (n, n_in) -> (n_in + 1, n), feature-major with the ones row, for ``augmented=True``."""
        return augment(x)

    def forward(
        self, x: Array, rng: np.random.Generator | None = None, augmented: bool = False
    ) -> Trace:
        """x (B, n_in), or ``augment``-ed (n_in + 1, B) -> the trace. ``rng`` turns dropout on.

        The trace's arrays are work buffers, valid until the next pass of the same batch size.
        """
        batch = x.shape[1] if augmented else len(x)
        buf = self._buffers_for(batch, x.dtype)
        if augmented:
            inputs = [x, *buf.inputs[1:]]
        else:
            np.copyto(buf.inputs[0][:-1], x.T)
            inputs = buf.inputs
        layers = (
            self._layers_t
            if x.dtype == self.params.dtype
            else [layer.T for layer in self._views(self.params.astype(x.dtype))]
        )
        pre = buf.pre
        if rng is None or not any(self.dropout):
            trace = buf.trace
            trace.inputs[0] = inputs[0]
            # the hidden layers (the output layer, one more, follows the loop)
            for inp, w, z, fed, activation in zip(
                inputs, layers, pre, buf.fed, self.activations, strict=False
            ):
                _dot(w, inp, z)
                activation.forward(z, fed)
            _dot(layers[-1], inputs[-1], pre[-1])
            return trace
        trace = Trace(inputs=inputs, pre=pre, act=[], masks=[])
        for k, activation in enumerate(self.activations):
            _dot(layers[k], inputs[k], pre[k])
            p = self.dropout[k]
            if p > 0.0:
                act = activation.forward(pre[k], buf.raw[k])
                mask = buf.masks[k]
                np.greater_equal(rng.random(act.shape), p, out=mask)
                mask *= 1.0 / (1.0 - p)
                np.multiply(act, mask, buf.fed[k])
                trace.masks.append(mask)
            else:
                act = activation.forward(pre[k], buf.fed[k])
                trace.masks.append(None)
            trace.act.append(act)
        _dot(layers[-1], inputs[-1], pre[-1])
        return trace

    def forward_picture(self, grid: Array) -> PictureTrace:
        """An ``augment``-ed float32 grid (n_in + 1, B) -> every neuron, for pictures: by the
        compiled pass (``engine.kernels``) where it takes these activations, else a layer is
        one matmul and its form's core, in place. No dropout. Valid until the next pass of
        the same batch size and dtype. (``engine.picture_job`` does it in pieces.)"""
        buf = self._buffers_for(grid.shape[1], grid.dtype)
        forms, folding = self.picture_folding(grid.dtype)
        picture = PicturePass(forms, folding.plan, folding.cast, folding.fold(self))
        picture.fill(grid, buf, 0, grid.shape[1])
        return picture.trace(buf)

    def picture_folding(self, dtype: np.dtype) -> tuple[list[PictureForm], _Folding]:
        """The picture forms of the activations, and the folding of the parameters into
        layers for them (kept per dtype)."""
        forms = picture_forms(self.activations, dtype)
        key = (tuple(forms), dtype.str)
        folding = self._foldings.get(key)
        if folding is None:
            folding = self._foldings[key] = _Folding(self, forms, dtype)
        return forms, folding

    def predict(self, x: Array) -> Array:
        """x (B, n_in) -> output z (B, n_out), a fresh array, no dropout."""
        return self.forward(x).output.copy()

    def backward(self, trace: Trace, d_out: Array) -> None:
        """Fill ``grads`` from dL/dz of the output layer, batch-major (B, n_out)."""
        buf = self._buffers_for(len(d_out), d_out.dtype)
        if buf.plan is None:
            buf.plan = self._backward_plan(buf)
        delta = d_out.T  # (n_out, B)
        if trace is buf.trace:  # no dropout: the plan holds every array
            for inputs, grad, weights, below, derivative, z, act, deriv in buf.plan:
                _dot(inputs, delta.T, grad)
                _dot(weights, delta, below)
                np.multiply(below, derivative(z, act, deriv), below)
                delta = below
        else:
            for k, (inputs, grad, weights, below, derivative, z, _, deriv) in enumerate(buf.plan):
                _dot(inputs, delta.T, grad)
                _dot(weights, delta, below)
                np.multiply(below, derivative(z, trace.act[-1 - k], deriv), below)
                mask = trace.masks[-1 - k]
                if mask is not None:
                    np.multiply(below, mask, below)
                delta = below
        _dot(trace.inputs[0], delta.T, self.grad_layers[0])

    def _backward_plan(self, buf: Buffers) -> list[tuple[Any, ...]]:
        """Per layer k = L−1 … 1, everything its backward step touches, looked up once."""
        return [
            (
                buf.inputs[k],
                self.grad_layers[k],
                self.weights[k],
                buf.delta[k - 1],
                self.activations[k - 1].derivative,
                buf.pre[k - 1],
                buf.fed[k - 1],  # the activation, when there is no dropout
                buf.deriv[k - 1],
            )
            for k in range(self.n_layers - 1, 0, -1)
        ]


class _Folding:
    """Layers for ``forward_picture``, each (fan_out, fan_in + 1): layer k's weights times the
    scale of the form below and the gain of its own, its bias times that gain plus the offset
    below through the weights, W·(o + s·g) + b = (s·W)·g + (b + o·ΣW). One multiply by a
    kept vector, a product per layer with an offset below, one cast."""

    def __init__(self, network: Network, forms: list[PictureForm], dtype: np.dtype) -> None:
        self.factors = np.ones_like(network.params)
        self.offsets: list[tuple[int, Array]] = []  # (layer, offset·gain·1): ·W gives o·γ·ΣW
        scale, offset = 1.0, 0.0  # of the form below; the input has none
        for k, layer in enumerate(network._views(self.factors)):
            gain = forms[k].gain if k < len(forms) else 1.0
            layer[:-1] = scale * gain
            layer[-1] = gain
            if offset != 0.0:
                self.offsets.append((k, np.full(network.sizes[k], offset * gain)))
            if k < len(forms):
                scale, offset = forms[k].scale, forms[k].offset
        self.folded = np.empty_like(network.params)
        self.biases = [layer[-1] for layer in network._views(self.folded)]
        self.cast = self.folded if dtype == self.folded.dtype else np.empty(len(self.folded), dtype)
        self.layers = [layer.T for layer in network._views(self.cast)]
        self.plan = (
            _kernel_plan(network.sizes, forms) if forms and forms[0].kernel is not None else None
        )

    def fold(self, network: Network) -> list[Array]:
        np.multiply(network.params, self.factors, out=self.folded)
        for k, ones in self.offsets:
            self.biases[k] += _dot(ones, network.weights[k])
        if self.cast is not self.folded:
            np.copyto(self.cast, self.folded)
        return self.layers


def _kernel_plan(sizes: Sequence[int], forms: list[PictureForm]) -> Array:
    """The compiled pass's plan (``engine.kernels``): per layer its parameters' offset in the
    flat vector, its units and fan-in, the block rows it reads and writes, its core's code."""
    rows, offset, row = [], 0, 0
    for k, (fan_in, units) in enumerate(itertools.pairwise(sizes)):
        code = forms[k].kernel if k < len(forms) else kernels.LINEAR
        source = kernels.FROM_GRID if k == 0 else row - fan_in
        rows.append((offset, units, fan_in, source, row, code))
        offset += (fan_in + 1) * units
        row += units
    return np.array(rows, np.int64)


InitializerFn = Callable[[int, int, np.random.Generator], tuple[Array, float]]


def init_network(network: Network, initializer: InitializerFn, rng: np.random.Generator) -> None:
    """Draw every layer's weights and set its biases with ``initializer(fan_in, fan_out, rng)``."""
    for w, b in zip(network.weights, network.biases, strict=True):
        fan_in, fan_out = w.shape
        weights, bias = initializer(fan_in, fan_out, rng)
        w[...] = weights
        b[...] = bias
