"""A layer's units over the training set, for the teaching page: the histogram of their z,
and which units are dead (f′ = 0 on every example) or saturated (a flat-tailed activation
flat on most of them), with the layer's verdict. As ``engine.inspect``: plain dicts, a float64
pass without dropout, from the thread that trains the run."""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.inspect import Array, Json, forward
from engine.trainer import Trainer

SATURATED_DERIVATIVE = 0.1  # |f′(z)| below this share of f′'s peak: the unit is flat there
SATURATED_SHARE = 0.9  # flat on this share of the examples: a saturated unit
VERDICT_SHARE = 0.5  # a layer's verdict once this share of its units is dead or saturated
BINS = 20


@cache
def _shape_of(activation: Activation) -> tuple[float, bool]:
    """(peak |f′| on [-6, 6], whether f′ dies away on both tails: tanh and sigmoid saturate)."""
    z = np.linspace(-6.0, 6.0, 1201)
    peak = float(np.abs(activation.derivative(z, activation(z), np.empty_like(z))).max())
    tails = np.array([-20.0, 20.0])
    slopes = np.abs(activation.derivative(tails, activation(tails), np.empty_like(tails)))
    return peak, bool(np.all(slopes < 1e-3 * peak))


def activation_stats(trainer: Trainer, layer: int, bins: int = BINS, values: bool = True) -> Json:
    """Layer ``layer``'s units (those weight layer ``layer`` feeds) over the training set,
    without dropout.

    Returns ``layer``, ``activation``, ``units``, ``examples`` (n), ``saturating`` (whether
    the activation has flat tails), ``edges`` (bins + 1) and ``histogram`` (bins) of every
    finite z, ``nonfinite`` (count of the rest), ``dead`` and ``saturated`` (unit counts),
    ``dead_share`` and ``saturated_share`` (their shares of the units),
    ``verdict`` ({code: "dead" | "saturated", units, of, share} once ``VERDICT_SHARE`` of the
    units are so, else None), ``neurons`` (per unit: ``unit``, ``mean``, ``std``, ``min``,
    ``max``, ``histogram`` on the same edges, ``flat_share`` (share of examples with
    |f′(z)| < ``SATURATED_DERIVATIVE``·peak), ``verdict`` (a code or None)) and, with
    ``values``, ``z`` (units, n). Dead: f′(z) = 0 on every example (ReLU with z ≤ 0).
    Saturated: a flat-tailed activation flat on ``SATURATED_SHARE`` of them. Softmax output
    units get neither (None)."""
    network = trainer.network
    if not 0 <= layer < network.n_layers:
        raise ValueError(f"layer: the network has layers 0 … {network.n_layers - 1}")
    z = forward(network, trainer.data.train_x)[1][layer]  # (n, units)
    activation = (
        network.activations[layer]
        if layer < len(network.activations)
        else ACTIVATIONS.get(trainer.head.output)
    )
    finite = np.isfinite(z)
    edges = _edges(z[finite], bins)
    with np.errstate(all="ignore"):
        flat, codes = _flatness(activation, z)
        neurons = [
            {
                "unit": u,
                "mean": float(np.mean(column)),
                "std": float(np.std(column)),
                "min": float(np.min(column)),
                "max": float(np.max(column)),
                "histogram": np.histogram(column[finite[:, u]], edges)[0].tolist(),
                "flat_share": None if flat is None else float(flat[u]),
                "verdict": codes[u],
            }
            for u, column in enumerate(z.T)
        ]
    stats = {
        "layer": layer,
        "activation": activation.name if activation else trainer.head.output,
        "units": z.shape[1],
        "examples": z.shape[0],
        "saturating": activation is not None and _shape_of(activation)[1],
        "edges": edges.tolist(),
        "histogram": np.histogram(z[finite], edges)[0].tolist(),
        "nonfinite": int((~finite).sum()),
        **_verdict(codes),
        "neurons": neurons,
    }
    if values:
        stats["z"] = z.T.tolist()
    return stats


def _verdict(codes: list[str | None]) -> Json:
    """The units' counts and shares of each code, and the layer's verdict."""
    counts = {code: codes.count(code) for code in ("dead", "saturated")}
    found = max(counts, key=lambda code: counts[code])
    share = counts[found] / len(codes)
    verdict = {"code": found, "units": counts[found], "of": len(codes), "share": share}
    return {
        **counts,
        **{f"{code}_share": count / len(codes) for code, count in counts.items()},
        "verdict": verdict if counts[found] and share >= VERDICT_SHARE else None,
    }


def _edges(finite: Array, bins: int) -> Array:
    """``bins`` + 1 even edges over the finite values (over [-1, 1] when there are none or
    their range overflows)."""
    with np.errstate(all="ignore"):
        if finite.size and np.isfinite(finite.max() - finite.min()):
            edges: Array = np.histogram_bin_edges(finite, bins)
            return edges
    return np.linspace(-1.0, 1.0, bins + 1)


def _flatness(activation: Activation | None, z: Array) -> tuple[Array | None, list[str | None]]:
    """Per unit: the share of examples where f′ is flat, and its verdict code."""
    if activation is None:
        return None, [None] * z.shape[1]
    peak, saturating = _shape_of(activation)
    slope = np.abs(activation.derivative(z, activation(z), np.empty_like(z)))
    flat = (slope < SATURATED_DERIVATIVE * peak).mean(axis=0)
    dead = np.all(slope == 0.0, axis=0)
    codes: list[str | None] = [
        "saturated" if saturating and share >= SATURATED_SHARE else "dead" if gone else None
        for share, gone in zip(flat, dead, strict=True)
    ]
    return flat, codes
