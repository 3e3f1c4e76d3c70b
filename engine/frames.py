"""Pictures of a network for the wire: the output and every hidden neuron over the plane.

One batched float32 pass over the full grid plus the thumbnail grid records every neuron's
output (``Network.forward_picture``: each activation by its picture form, ``engine.shading``).
Values are clamped to their array's range and quantised to uint8 (0 ↔ low end, top code ↔
high end); weights and biases go as float32. A picture has 31 shades: its float32 values give
the float64 forward's shades but on pixels within ~1e-6 of a shade's edge, ±1 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.activations import ACTIVATIONS
from engine.datasets import DOMAIN
from engine.features import feature_matrix
from engine.heads import Head
from engine.metrics import Metrics
from engine.network import Network
from engine.network_buffers import PictureTrace
from engine.shading import picture_form
from engine.weightspace import project

Array = np.ndarray
UNIT_RANGE = (-1.0, 1.0)
SHADES = 31  # TF Playground's colour scale: 31 shades over the range; pictures carry no more
PERCENT = 101  # levels of a class's probability picture: whole percent, as a hovered point reads


@dataclass(frozen=True)
class Frame:
    """Metrics plus named arrays. ``output`` (R, R): the prediction, or for multi-class the
    predicted class, with ``confidence`` (R, R) its probability and ``probabilities``
    (K, R, R) every class's, in whole percent; ``neurons`` (N, T, T), every
    hidden neuron in layer order; ``weights.k`` (fan_in, fan_out) and ``biases.k`` (fan_out,);
    ``weight_space`` (2,): where the network is in ``engine.weightspace``'s window, and for
    the genetic trainer ``population_space`` (M, 2): where each member is.
    ``ranges`` gives the value range of each quantised array."""

    metrics: Metrics
    arrays: dict[str, Array] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)  # codes 0 … levels − 1 span the range
    focus: int | None = None  # the hidden neuron also drawn at full resolution ("focus")

    def picture(
        self, name: str, values: Array, value_range: tuple[float, float], levels: int = SHADES
    ) -> None:
        """Add ``values`` as a quantised picture of ``levels`` codes over ``value_range``."""
        self.arrays[name] = quantize(values, value_range, levels)
        self.ranges[name] = value_range
        self.levels[name] = levels


def grid_points(resolution: int) -> Array:
    """(R², 2) points, row-major, the top row at x2 = +6 and the left column at x1 = −6."""
    lo, hi = DOMAIN
    g1, g2 = np.meshgrid(np.linspace(lo, hi, resolution), np.linspace(hi, lo, resolution))
    points: Array = np.column_stack([g1.ravel(), g2.ravel()])
    return points


def quantize(
    values: Array, value_range: tuple[float, float] = UNIT_RANGE, levels: int = 256
) -> Array:
    """Values -> uint8 codes 0 … levels − 1: 0 at the range's low end, the top code at its
    high end, rounded; NaN -> 0. Four passes, in the values' own dtype (pictures are float32)."""
    lo, hi = value_range
    top = levels - 1
    scale = top / (hi - lo)
    scaled = values * scale
    scaled += 0.5 - lo * scale  # + 0.5: the cast below truncates, so this rounds
    np.fmax(scaled, 0.0, out=scaled)  # fmax/fmin, unlike clip, turn NaN into the bound
    np.fmin(scaled, top, out=scaled)
    codes: Array = scaled.astype(np.uint8)
    return codes


def grid_inputs(
    network: Network, features: Sequence[str], resolution: int, thumbnail: int
) -> Array:
    """The network's augmented float32 input for the full grid then the thumbnail grid:
    (features + 1, R² + T²). Pictures need no float64: float32 halves the pass."""
    points = np.concatenate([grid_points(resolution), grid_points(thumbnail)])
    return network.augment(feature_matrix(points, features).astype(np.float32))


def frame_of(
    trace: PictureTrace,
    network: Network,
    params: Array,
    head: Head,
    metrics: Metrics,
    *,
    resolution: int,
    thumbnail: int,
    value_range: tuple[float, float] = UNIT_RANGE,
    focus: int | None = None,
) -> Frame:
    """The frame of a picture pass's ``trace`` over ``grid_inputs`` (``forward_picture``,
    or ``engine.picture_job`` in pieces), with the weights ``params`` (laid out as
    ``network.params``) that made it. ``focus``: also hidden neuron number ``focus`` (in
    layer order) at full resolution."""
    full = resolution * resolution
    units = [len(layer) for layer in trace.hidden]
    neurons = [trace.act(k, np.s_[:, full:]) for k in range(len(units))]  # each (units, T²)
    stacked = np.concatenate(neurons) if neurons else np.zeros((0, thumbnail**2))
    shown = focus if focus is not None and 0 <= focus < len(stacked) else None
    frame = Frame(metrics=metrics, focus=shown)
    frame.picture("neurons", stacked.reshape(-1, thumbnail, thumbnail), UNIT_RANGE)
    if shown is not None:
        layer, unit = _locate(shown, units)
        picture = trace.act(layer, np.s_[unit, :full]).reshape(resolution, resolution)
        frame.picture("focus", picture, UNIT_RANGE)
    _output(frame, head, _activate(head, trace.output[:full]), resolution, value_range)
    for k, part in enumerate(network.views(params)):
        frame.arrays[f"weights.{k}"] = part[:-1].astype(np.float32)
        frame.arrays[f"biases.{k}"] = part[-1].astype(np.float32)
    frame.arrays["weight_space"] = project(params, network.sizes).astype(np.float32)
    return frame


def sampled_output(
    frame: Frame,
    network: Network,
    head: Head,
    grid: Array,
    rng: np.random.Generator,
    *,
    resolution: int,
    value_range: tuple[float, float] = UNIT_RANGE,
    params: Array | None = None,
) -> None:
    """Add ``dropout_output`` (and for multi-class ``dropout_confidence``) to ``frame``: the
    output picture of one sampled training-mode network: each hidden unit kept with
    probability 1 − p (and scaled by 1/(1 − p)) or dropped, by a mask drawn afresh from
    ``rng`` (the caller's own generator: training's is never touched) and shared by every
    point of the grid, so the picture is that network's boundary. Without dropout it is the
    evaluation-mode ``output``, up to float32 rounding on a shade's edge."""
    full = resolution * resolution
    a = np.asarray(grid[:-1, :full].T, np.float64)  # (R², n_in): the grid's features
    layers = network.views(network.params if params is None else params)
    with np.errstate(all="ignore"):
        for k in range(network.n_layers):
            z = a @ layers[k][:-1].astype(np.float64) + layers[k][-1]
            if k == len(network.activations):
                break
            a = network.activations[k](z)
            p = network.dropout[k]
            if p > 0.0:
                a *= (rng.random(a.shape[1]) >= p) / (1.0 - p)
        out = head.activate(z)
    _output(frame, head, out, resolution, value_range, prefix="dropout_")


def _activate(head: Head, z: Array) -> Array:
    """The head's output activation for a picture: by its picture form but for softmax."""
    if head.task == "multiclass":
        return head.activate(z)
    return picture_form(ACTIVATIONS[head.output])(z)


def _locate(index: int, units: list[int]) -> tuple[int, int]:
    """Neuron ``index`` in layer order -> (layer, unit)."""
    for layer, count in enumerate(units):
        if index < count:
            return layer, index
        index -= count
    raise IndexError(index)


def _output(
    frame: Frame,
    head: Head,
    a: Array,
    resolution: int,
    value_range: tuple[float, float],
    *,
    prefix: str = "",
) -> None:
    shape = (resolution, resolution)
    if head.task == "multiclass":
        frame.arrays[f"{prefix}output"] = a.argmax(axis=1).astype(np.uint8).reshape(shape)
        frame.picture(f"{prefix}confidence", a.max(axis=1).reshape(shape), (0.0, 1.0))
        if not prefix:  # each class's own picture: the diagram's output units, a hovered point
            frame.picture("probabilities", a.T.reshape(-1, *shape), (0.0, 1.0), PERCENT)
        return
    values = a[:, 0]
    if head.task == "binary" and head.output == "sigmoid":
        values = 2.0 * values - 1.0  # probability -> the ±1 colour scale
    frame.picture(f"{prefix}output", values.reshape(shape), value_range)


def feature_maps(features: Sequence[str], thumbnail: int) -> Frame:
    """Each input feature over the thumbnail grid, scaled by its largest magnitude to
    [-1, 1]: ``features`` (F, T, T) uint8. They never change, so they go out once a run."""
    values = feature_matrix(grid_points(thumbnail), features).T  # (F, T²)
    peak = np.abs(values).max(axis=1, keepdims=True)
    scaled = values / np.where(peak > 0, peak, 1.0)
    frame = Frame(metrics=Metrics(epoch=0, step=0, train_loss=0.0, test_loss=0.0))
    frame.picture("features", scaled.reshape(-1, thumbnail, thumbnail), UNIT_RANGE)
    return frame
