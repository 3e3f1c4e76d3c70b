"""A run's picture as a PNG: the decision boundary (or regression surface) with its points,
coloured as the page draws it (TF Playground's orange-grey-blue, 31 shades, alpha 160/255)."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

from engine.datasets import DOMAIN
from engine.frames import SHADES
from engine.model import Model

Array = np.ndarray
NEGATIVE, ZERO, POSITIVE = (245, 147, 34), (232, 234, 235), (8, 119, 189)
# TF Playground's colours, as RGB: the page draws with them too (GET /api/options' vocabulary)
PALETTE: dict[str, Any] = {
    "negative": NEGATIVE,
    "zero": ZERO,
    "positive": POSITIVE,
    # the classes of a multi-class set, apart from the orange-grey-blue of values (a hovered
    # neuron's picture under class-coloured points) and apart for colour-blind eyes: Okabe and
    # Ito's bluish green, reddish purple, yellow and vermillion, then Paul Tol's muted wine,
    # indigo, olive, green and purple, and a grey (tests/server/test_palette.py measures them)
    "classes": [(0, 158, 115), (204, 121, 167), (240, 228, 66), (213, 94, 0), (136, 34, 85),
                (51, 34, 136), (153, 153, 51), (17, 119, 51), (170, 68, 153), (127, 127, 127)],
}  # fmt: skip
CLASS_COLORS = np.array(PALETTE["classes"], dtype=float)
ALPHA = 160 / 255
LOW, HIGH = DOMAIN
# multiply-adds one picture may cost (about a second of a core): a big network is evaluated on a
# coarser grid and its outputs interpolated up to the picture's size
PICTURE_WORK = 2e9


def diverging(values: Array) -> Array:
    """Values in [-1, 1] -> RGB (n, 3): orange, grey, blue, in ``SHADES`` shades."""
    steps = SHADES - 1
    v = np.round((np.clip(values, -1, 1) + 1) / 2 * steps) / steps * 2 - 1
    zero, far = np.array(ZERO, float), np.where(v[:, None] < 0, NEGATIVE, POSITIVE)
    rgb: Array = zero + (far - zero) * np.abs(v)[:, None]
    return rgb


def _over_white(rgb: Array, alpha: Array | float) -> Array:
    return rgb * alpha + 255 * (1 - alpha)


def _scaled(model: Model, outputs: Array, top: float) -> Array:
    """Binary and regression outputs as values in [-1, 1]."""
    if model.head.task == "regression":
        return outputs[:, 0] / top
    if model.head.output == "sigmoid":
        return outputs[:, 0] * 2 - 1
    return outputs[:, 0]


def grid_side(size: int, n_parameters: int) -> int:
    """Grid points a side the network is evaluated at: the picture's own size, unless that
    would cost more than ``PICTURE_WORK`` multiply-adds."""
    return max(2, min(size, int((PICTURE_WORK / max(n_parameters, 1)) ** 0.5)))


def upscale(grid: Array, size: int) -> Array:
    """A (n, n, k) grid of outputs bilinearly interpolated to (size, size, k)."""
    n = grid.shape[0]
    if n == size:
        return grid
    where = np.linspace(0, n - 1, size)
    low = np.minimum(where.astype(int), n - 2)
    frac = (where - low)[:, None, None]
    rows = grid[low] * (1 - frac) + grid[low + 1] * frac
    frac = frac.reshape(1, -1, 1)
    out: Array = rows[:, low] * (1 - frac) + rows[:, low + 1] * frac
    return out


def background(model: Model, size: int, top: float) -> Array:
    """The output over the [-6, 6]² grid as an RGB image (size, size, 3), x2 upwards."""
    side = grid_side(size, model.network.params.size)
    axis = np.linspace(LOW, HIGH, side)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    grid = model.outputs(np.column_stack([x1.ravel(), x2.ravel()])).reshape(side, side, -1)
    outputs = upscale(grid, size).reshape(size * size, -1)
    if model.head.task == "multiclass":
        k = outputs.shape[1]
        confidence = np.clip((outputs.max(axis=1) - 1 / k) / (1 - 1 / k), 0, 1)
        colors = CLASS_COLORS[outputs.argmax(axis=1) % len(CLASS_COLORS)]
        rgb = _over_white(colors, (ALPHA * confidence)[:, None])
    else:
        rgb = _over_white(diverging(_scaled(model, outputs, top)), ALPHA)
    return rgb.reshape(size, size, 3)


def point_colors(task: str, labels: Array, top: float) -> Array:
    """Each point's colour: its class, or for regression its value on the diverging scale."""
    if task == "multiclass":
        picked: Array = CLASS_COLORS[labels.astype(int) % len(CLASS_COLORS)]
        return picked
    if task == "regression":
        return diverging(labels / top)
    return np.where(labels[:, None] > 0, POSITIVE, NEGATIVE).astype(float)


def dataset_png(points: Array, labels: Array, task: str, size: int) -> bytes:
    """A dataset's thumbnail: its points on white, as the data picker shows them."""
    image = np.full((size, size, 3), 255.0)
    top = max(1.0, float(np.abs(labels).max())) if task == "regression" else 1.0
    draw_points(image, points, point_colors(task, labels, top), (255, 255, 255), radius=1.6)
    return encode_png(image)


def draw_points(
    image: Array,
    points: Array,
    colors: Array,
    ring: tuple[int, int, int],
    radius: float | None = None,
) -> None:
    """Dots (radius ~size/110 by default) with a ring (white for training points, black for
    test)."""
    size = image.shape[0]
    radius = radius or max(2.0, size / 110)
    cols = np.round((points[:, 0] - LOW) / (HIGH - LOW) * (size - 1)).astype(int)
    rows = np.round((HIGH - points[:, 1]) / (HIGH - LOW) * (size - 1)).astype(int)
    reach = int(radius) + 1
    for edge, paint in ((radius + 0.5, None), (radius - 0.8, colors)):
        for dy in range(-reach, reach + 1):
            for dx in range(-reach, reach + 1):
                if dx * dx + dy * dy > edge * edge:
                    continue
                y, x = rows + dy, cols + dx
                inside = (y >= 0) & (y < size) & (x >= 0) & (x < size)
                image[y[inside], x[inside]] = ring if paint is None else paint[inside]


def encode_png(image: Array) -> bytes:
    """An RGB image (h, w, 3) as PNG bytes (8-bit, no filter, deflated)."""
    pixels = np.clip(np.round(image), 0, 255).astype(np.uint8)
    height, width = pixels.shape[:2]
    raw = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )
