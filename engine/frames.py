"""Pictures of a network for the wire: the output and every hidden neuron over the plane.

One batched forward pass over the full grid plus the thumbnail grid records every neuron's
output; values are clamped to [-1, 1] (the colour scale) and quantised to uint8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.datasets import DOMAIN
from engine.features import feature_matrix
from engine.metrics import Metrics
from engine.network import Network

VALUE_RANGE = (-1.0, 1.0)


@dataclass(frozen=True)
class Frame:
    """Metrics plus named arrays: ``output`` (R, R) uint8, ``neurons`` (N, T, T) uint8,
    ``weights.k`` (fan_in, fan_out) float32 and ``biases.k`` (fan_out,) float32."""

    metrics: Metrics
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def grid_points(resolution: int) -> np.ndarray:
    """(R², 2) points, row-major, the top row at x2 = +6 and the left column at x1 = -6."""
    lo, hi = DOMAIN
    x1 = np.linspace(lo, hi, resolution)
    x2 = np.linspace(hi, lo, resolution)
    g1, g2 = np.meshgrid(x1, x2)
    points: np.ndarray = np.column_stack([g1.ravel(), g2.ravel()])
    return points


def quantize(values: np.ndarray) -> np.ndarray:
    """Values -> uint8 codes, 0 for -1 and 255 for +1 (decode: q / 127.5 - 1)."""
    lo, hi = VALUE_RANGE
    scaled = (np.clip(values, lo, hi) - lo) * (255.0 / (hi - lo))
    codes: np.ndarray = np.rint(np.nan_to_num(scaled, nan=127.5)).astype(np.uint8)
    return codes


def render_frame(
    network: Network,
    features: Sequence[str],
    metrics: Metrics,
    resolution: int,
    thumbnail: int,
) -> Frame:
    full = resolution * resolution
    points = np.concatenate([grid_points(resolution), grid_points(thumbnail)])
    outputs = network.forward(feature_matrix(points, features)).outputs
    hidden = [layer[full:] for layer in outputs[1:-1]]  # each (T², units)
    neurons = (
        np.concatenate(hidden, axis=1).T.reshape(-1, thumbnail, thumbnail)
        if hidden
        else np.zeros((0, thumbnail, thumbnail))
    )
    arrays = {
        "output": quantize(outputs[-1][:full, 0].reshape(resolution, resolution)),
        "neurons": quantize(neurons),
    }
    for k, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        arrays[f"weights.{k}"] = w.astype(np.float32)
        arrays[f"biases.{k}"] = b.astype(np.float32)
    return Frame(metrics=metrics, arrays=arrays)
