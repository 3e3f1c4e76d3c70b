"""A fully connected network whose parameters live in one flat vector.

Layer k's weights (fan_in, fan_out) and bias (fan_out,) are views into ``params``; their
gradients are views into ``grads``, so an optimizer updates one vector in place. Hidden
layers have their own activation and inverted-dropout rate; the last layer is linear (its
output z goes to the head). Work buffers are kept per batch size, so a training step
allocates next to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.activations import Activation

Array = np.ndarray
MAX_CACHED_SIZES = 8


@dataclass
class Trace:
    """What a forward pass keeps for backward, per layer k (B = batch):

    ``inputs[k]`` (B, sizes[k]) entered layer k; ``pre[k]`` (B, sizes[k+1]) is its z;
    ``act[k]`` its activation before dropout (hidden layers); ``masks[k]`` its dropout mask
    (scaled by 1/(1−p)) or None. ``pre[-1]`` is the network's output z.
    """

    inputs: list[Array]
    pre: list[Array]
    act: list[Array]
    masks: list[Array | None]


@dataclass
class _Buffers:
    pre: list[Array]
    act: list[Array]
    dropped: list[Array]
    masks: list[Array]
    delta: list[Array]
    deriv: list[Array] = field(default_factory=list)


class Network:
    def __init__(
        self, sizes: Sequence[int], activations: Sequence[Activation], dropout: Sequence[float]
    ) -> None:
        self.sizes = tuple(sizes)
        self.activations = list(activations)  # one per hidden layer
        self.dropout = list(dropout)  # one per hidden layer; live-tunable
        shapes = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        n_params = sum(fan_in * fan_out + fan_out for fan_in, fan_out in shapes)
        self.params = np.zeros(n_params)
        self.grads = np.zeros(n_params)
        self.weight_mask = np.zeros(n_params, dtype=bool)  # True where params are weights
        self.weights: list[Array] = []
        self.biases: list[Array] = []
        self.grad_weights: list[Array] = []
        self.grad_biases: list[Array] = []
        offset = 0
        for fan_in, fan_out in shapes:
            w = slice(offset, offset + fan_in * fan_out)
            b = slice(w.stop, w.stop + fan_out)
            self.weights.append(self.params[w].reshape(fan_in, fan_out))
            self.biases.append(self.params[b])
            self.grad_weights.append(self.grads[w].reshape(fan_in, fan_out))
            self.grad_biases.append(self.grads[b])
            self.weight_mask[w] = True
            offset = b.stop
        self._buffers: dict[int, _Buffers] = {}

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def _buffers_for(self, batch: int) -> _Buffers:
        found = self._buffers.get(batch)
        if found is None:
            if len(self._buffers) >= MAX_CACHED_SIZES:
                self._buffers.clear()
            hidden = [np.empty((batch, n)) for n in self.sizes[1:-1]]
            found = _Buffers(
                pre=[np.empty((batch, n)) for n in self.sizes[1:]],
                act=hidden,
                dropped=[np.empty_like(h) for h in hidden],
                masks=[np.empty_like(h) for h in hidden],
                delta=[np.empty_like(h) for h in hidden],
                deriv=[np.empty_like(h) for h in hidden],
            )
            self._buffers[batch] = found
        return found

    def forward(self, x: Array, rng: np.random.Generator | None = None) -> Trace:
        """x (B, n_in) -> the trace; ``rng`` given means training (dropout on).

        The trace's arrays are work buffers, valid until the next pass of the same batch size.
        """
        buf = self._buffers_for(len(x))
        trace = Trace(inputs=[x], pre=buf.pre, act=buf.act, masks=[])
        last = self.n_layers - 1
        for k in range(self.n_layers):
            z = buf.pre[k]
            np.dot(trace.inputs[k], self.weights[k], out=z)
            z += self.biases[k]
            if k == last:
                break
            a = self.activations[k].forward(z, buf.act[k])
            trace.masks.append(self._dropout(k, a, buf, rng))
            trace.inputs.append(a if trace.masks[k] is None else buf.dropped[k])
        return trace

    def _dropout(
        self, k: int, a: Array, buf: _Buffers, rng: np.random.Generator | None
    ) -> Array | None:
        """Inverted dropout: keep each unit with 1 − p, scaled by 1/(1 − p); writes buf.dropped."""
        p = self.dropout[k]
        if rng is None or p <= 0.0:
            return None
        mask = buf.masks[k]
        np.greater_equal(rng.random(a.shape), p, out=mask)
        mask *= 1.0 / (1.0 - p)
        np.multiply(a, mask, out=buf.dropped[k])
        return mask

    def predict(self, x: Array) -> Array:
        """x (B, n_in) -> output z (B, n_out), a fresh array, no dropout."""
        return self.forward(x).pre[-1].copy()

    def backward(self, trace: Trace, d_out: Array) -> None:
        """Fill ``grads`` from dL/dz of the output layer (B, n_out), layer by layer."""
        buf = self._buffers_for(len(d_out))
        delta = d_out
        for k in range(self.n_layers - 1, -1, -1):
            np.dot(trace.inputs[k].T, delta, out=self.grad_weights[k])
            np.add.reduce(delta, axis=0, out=self.grad_biases[k])
            if k == 0:
                break
            below = buf.delta[k - 1]
            np.dot(delta, self.weights[k].T, out=below)
            below *= self.activations[k - 1].derivative(
                trace.pre[k - 1], trace.act[k - 1], buf.deriv[k - 1]
            )
            mask = trace.masks[k - 1]
            if mask is not None:
                below *= mask
            delta = below


def init_network(network: Network, initializer: object, rng: np.random.Generator) -> None:
    """Draw every layer's weights and set its biases with ``initializer(fan_in, fan_out, rng)``."""
    for w, b in zip(network.weights, network.biases, strict=True):
        weights, bias = initializer(*w.shape, rng)  # type: ignore[operator]
        w[...] = weights
        b[...] = bias
