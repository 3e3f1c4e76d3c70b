"""A fully connected network whose parameters live in one flat vector.

Each layer's weight matrix (fan_in, fan_out) and bias (fan_out,) are views into
``params``; their gradients are views into ``grads``. An optimizer updates the flat
vector in place, and every view sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.activations import Activation


@dataclass
class Trace:
    """What a forward pass keeps for backward: pre-activations and outputs per layer.

    ``outputs[0]`` is the input (B, n_in); ``outputs[k]`` and ``pre[k - 1]`` are layer k's
    output and pre-activation, each (B, sizes[k]).
    """

    pre: list[np.ndarray]
    outputs: list[np.ndarray]


class Network:
    def __init__(self, sizes: Sequence[int], hidden: Activation, output: Activation) -> None:
        self.sizes = tuple(sizes)
        shapes = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        n_params = sum(fan_in * fan_out + fan_out for fan_in, fan_out in shapes)
        self.params = np.zeros(n_params)
        self.grads = np.zeros(n_params)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        self.grad_weights: list[np.ndarray] = []
        self.grad_biases: list[np.ndarray] = []
        offset = 0
        for fan_in, fan_out in shapes:
            w, b = (
                slice(offset, offset + fan_in * fan_out),
                slice(offset + fan_in * fan_out, offset + fan_in * fan_out + fan_out),
            )
            self.weights.append(self.params[w].reshape(fan_in, fan_out))
            self.biases.append(self.params[b])
            self.grad_weights.append(self.grads[w].reshape(fan_in, fan_out))
            self.grad_biases.append(self.grads[b])
            offset = b.stop
        self.activations = [hidden] * (len(shapes) - 1) + [output]

    def forward(self, x: np.ndarray) -> Trace:
        """x (B, n_in) -> the trace; ``trace.outputs[-1]`` is the prediction (B, n_out)."""
        trace = Trace(pre=[], outputs=[x])
        for w, b, act in zip(self.weights, self.biases, self.activations, strict=True):
            z = np.dot(trace.outputs[-1], w) + b
            trace.pre.append(z)
            trace.outputs.append(act.forward(z))
        return trace

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x).outputs[-1]

    def backward(self, trace: Trace, d_output: np.ndarray) -> None:
        """Fill ``grads`` from dLoss/dOutput (B, n_out), by the chain rule layer by layer."""
        delta = d_output * self.activations[-1].derivative(trace.pre[-1], trace.outputs[-1])
        for k in range(len(self.weights) - 1, -1, -1):
            np.dot(trace.outputs[k].T, delta, out=self.grad_weights[k])
            np.sum(delta, axis=0, out=self.grad_biases[k])
            if k > 0:
                act = self.activations[k - 1]
                delta = np.dot(delta, self.weights[k].T) * act.derivative(
                    trace.pre[k - 1], trace.outputs[k]
                )


def init_uniform(network: Network, rng: np.random.Generator) -> None:
    """TF Playground's initializer: weights U(-0.5, 0.5), every bias 0.1."""
    for w, b in zip(network.weights, network.biases, strict=True):
        w[...] = rng.uniform(-0.5, 0.5, w.shape)
        b[...] = 0.1
