"""Pictures of a network for the wire: the output and every hidden neuron over the plane.

One batched forward pass over the full grid plus the thumbnail grid records every neuron's
output. Values are clamped to their array's range and quantised to uint8 (0 ↔ low end,
255 ↔ high end); weights and biases go as float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.datasets import DOMAIN
from engine.features import feature_matrix
from engine.heads import Head
from engine.metrics import Metrics
from engine.network import Network

Array = np.ndarray
UNIT_RANGE = (-1.0, 1.0)


@dataclass(frozen=True)
class Frame:
    """Metrics plus named arrays. ``output`` (R, R): the prediction, or for multi-class the
    predicted class, with ``confidence`` (R, R) its probability; ``neurons`` (N, T, T), every
    hidden neuron in layer order; ``weights.k`` (fan_in, fan_out) and ``biases.k`` (fan_out,).
    ``ranges`` gives the value range of each quantised array."""

    metrics: Metrics
    arrays: dict[str, Array] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


def grid_points(resolution: int) -> Array:
    """(R², 2) points, row-major, the top row at x2 = +6 and the left column at x1 = −6."""
    lo, hi = DOMAIN
    g1, g2 = np.meshgrid(np.linspace(lo, hi, resolution), np.linspace(hi, lo, resolution))
    points: Array = np.column_stack([g1.ravel(), g2.ravel()])
    return points


def quantize(values: Array, value_range: tuple[float, float] = UNIT_RANGE) -> Array:
    """Values -> uint8 codes: 0 at the range's low end, 255 at its high end; NaN -> middle."""
    lo, hi = value_range
    scaled = (np.clip(values, lo, hi) - lo) * (255.0 / (hi - lo))
    codes: Array = np.rint(np.nan_to_num(scaled, nan=127.5)).astype(np.uint8)
    return codes


def render_frame(
    network: Network,
    head: Head,
    features: Sequence[str],
    metrics: Metrics,
    *,
    resolution: int,
    thumbnail: int,
    value_range: tuple[float, float] = UNIT_RANGE,
) -> Frame:
    full = resolution * resolution
    points = np.concatenate([grid_points(resolution), grid_points(thumbnail)])
    trace = network.forward(feature_matrix(points, features))
    neurons = [layer[full:] for layer in trace.act]  # each (T², units)
    stacked = np.concatenate(neurons, axis=1).T if neurons else np.zeros((0, thumbnail**2))
    frame = Frame(metrics=metrics)
    frame.arrays["neurons"] = quantize(stacked.reshape(-1, thumbnail, thumbnail))
    frame.ranges["neurons"] = UNIT_RANGE
    _output(frame, head, head.activate(trace.pre[-1][:full]), resolution, value_range)
    for k, (w, b) in enumerate(zip(network.weights, network.biases, strict=True)):
        frame.arrays[f"weights.{k}"] = w.astype(np.float32)
        frame.arrays[f"biases.{k}"] = b.astype(np.float32)
    return frame


def _output(
    frame: Frame, head: Head, a: Array, resolution: int, value_range: tuple[float, float]
) -> None:
    shape = (resolution, resolution)
    if head.task == "multiclass":
        frame.arrays["output"] = a.argmax(axis=1).astype(np.uint8).reshape(shape)
        frame.arrays["confidence"] = quantize(a.max(axis=1).reshape(shape), (0.0, 1.0))
        frame.ranges["confidence"] = (0.0, 1.0)
        return
    values = a[:, 0]
    if head.task == "binary" and head.output == "sigmoid":
        values = 2.0 * values - 1.0  # probability -> the ±1 colour scale
    frame.arrays["output"] = quantize(values.reshape(shape), value_range)
    frame.ranges["output"] = value_range
