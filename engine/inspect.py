"""What the teaching page shows of a network: numbers a student can check by hand.

Pure functions next to the network, each returning plain dicts of floats and lists (JSON-ready;
a diverged network gives NaN or ±inf, never an exception, and the server turns those into null):

- ``probe``: one point's way through the network, every neuron's z and a and every link's w·a;
- ``activation_stats`` (in ``engine.inspect_units``): one layer's z over the training set, its
  histogram, dead and saturated units with a verdict code;
- ``gradient_norms``: per layer, the norm of the loss part and of the penalty part of ∂J/∂w.

One weight's arithmetic is beside it: ``next_update`` in ``engine.inspect_step`` and
``chain_rule`` in ``engine.inspect_chain``. Layers are numbered as ``Trainer.set_weight``
numbers them: weight layer k connects the ``sizes[k]`` units below to the ``sizes[k + 1]``
units it feeds, and "layer k's units" are the units it feeds (the last is the output layer).
Everything here runs a float64 pass of its own without dropout (evaluation mode), except where
a docstring says it follows the next training step. Call them from the thread that trains the
run: the batch gradients use the network's work buffers (and restore ``network.grads``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.features import feature_matrix
from engine.heads import Head
from engine.model import Model
from engine.network import Network
from engine.trainer import Trainer

Array = np.ndarray
Json = dict[str, Any]


# -- shared arithmetic -----------------------------------------------------------------------


def forward(network: Network, x: Array) -> tuple[list[Array], list[Array]]:
    """x (n, n_in) -> (inputs, pre), float64, no dropout: ``inputs[k]`` (n, sizes[k]) is what
    enters weight layer k (``inputs[0]`` the features), ``pre[k]`` (n, sizes[k + 1]) its z."""
    a = np.asarray(x, np.float64)
    inputs, pre = [], []
    with np.errstate(all="ignore"):
        for k in range(network.n_layers):
            z = a @ network.weights[k].astype(np.float64) + network.biases[k]
            inputs.append(a)
            pre.append(z)
            if k < len(network.activations):
                a = network.activations[k](z)
    return inputs, pre


def flat_index(network: Network, layer: int, source: int | None, target: int) -> int:
    """The position in ``network.params`` of the weight ``source`` -> ``target`` of weight
    layer ``layer``, or with ``source`` None of ``target``'s bias (checked as ``set_weight``)."""
    sizes = network.sizes
    if not 0 <= layer < len(sizes) - 1:
        raise ValueError(f"layer: the network has weight layers 0 … {len(sizes) - 2}")
    fan_in, fan_out = sizes[layer], sizes[layer + 1]
    if not 0 <= target < fan_out or (source is not None and not 0 <= source < fan_in):
        raise ValueError(f"layer {layer} connects {fan_in} inputs to {fan_out} units")
    offset = sum((a + 1) * b for a, b in itertools.pairwise(sizes[: layer + 1]))
    row = fan_in if source is None else source
    return offset + row * fan_out + target


@dataclass
class Batch:
    """The mini-batch the next ``train_batch`` will step on: x augmented, feature-major
    (features + 1, B), t (B, outputs), and a copy of the trainer's generator in the state that
    step will draw its dropout masks from (the trainer's own is never touched)."""

    x: Array
    t: Array
    rng: np.random.Generator
    start: int

    def describe(self, dropout: bool) -> Json:
        return {
            "start": self.start,
            "size": len(self.t),
            "new_epoch": self.start == 0,
            "dropout": dropout,
        }


def next_batch(trainer: Trainer) -> Batch:
    """The next step's batch, drawn as ``Trainer._step`` draws it but from a copy of its
    generator: a new epoch's shuffle and the dropout masks consume the copy's randomness."""
    rng = copy.deepcopy(trainer.rng)
    start = trainer._cursor
    n_train = len(trainer.data.train_t)
    if start == 0:
        order = rng.permutation(n_train)
        x, t = trainer.train_x_aug[:, order], trainer.data.train_t[order]
    else:
        x, t = trainer._epoch_x, trainer._epoch_t
    end = min(start + trainer.batch_size, n_train)
    return Batch(x[:, start:end], t[start:end], rng, start)


def loss_gradient(trainer: Trainer, batch: Batch | None = None) -> Array:
    """∂(data loss)/∂params, a fresh flat vector: on ``batch`` with its dropout masks (what the
    optimizer steps on), or with None on the whole training set without dropout. The
    trainer's ``network.grads`` (the last step's, which metrics report) are left as they were."""
    grads = trainer.network.grads
    saved = grads.copy()
    try:
        with np.errstate(all="ignore"):
            if batch is None:
                trainer.data_gradient(trainer.train_x_aug, trainer.data.train_t, None, True)
            else:
                trainer.data_gradient(batch.x, batch.t, batch.rng, True)
        return grads.copy()
    finally:
        grads[:] = saved


def penalty_gradient(trainer: Trainer) -> Array:
    """λ·R′(w) as a flat vector: zero on the biases, and everywhere without a penalty."""
    params = trainer.network.params
    out = np.zeros(params.shape, np.float64)
    if trainer.regularization_rate > 0 and trainer.regularizer.name != "none":
        mask = trainer.network.weight_mask
        with np.errstate(all="ignore"):
            out[mask] = trainer.regularization_rate * trainer.regularizer.derivative(params[mask])
    return out


def hidden_dropout(trainer: Trainer) -> bool:
    return any(trainer.network.dropout)


# -- probe -----------------------------------------------------------------------------------


def output_kind(head: Head | None) -> str:
    """What the output units' values are: probabilities (softmax), probability (sigmoid's
    class +1), score (tanh's ±1), value (regression), or z (no head)."""
    if head is None:
        return "z"
    if head.task == "multiclass":
        return "probabilities"
    if head.task == "regression":
        return "value"
    return "probability" if head.output == "sigmoid" else "score"


def probe(
    source: Trainer | Model | Network,
    point: Sequence[float] | int,
    features: Sequence[str] | None = None,
) -> Json:
    """One point through the network, without dropout. ``point``: (x1, x2) in the plane,
    featurised as the run does, or (a trainer only) a training example's index.

    Returns ``point`` [x1, x2], ``example`` (index or None), ``target`` (the example's
    targets, or None), ``features`` (names) and ``inputs`` (their values); ``layers``, one per
    weight layer k: ``activation`` (the output layer's: the head's), ``z`` and ``a``
    (sizes[k + 1]), ``bias`` (sizes[k + 1]) and ``contributions`` (sizes[k], sizes[k + 1]),
    each link's w·a with a the source's activation (so z = Σ contributions + bias); and
    ``output``: ``kind`` (see ``output_kind``), ``values`` (the last ``a``), ``label``
    (predicted ±1 or class; None for regression or no head). A bare ``Network`` has no head
    (its output is z) and reads ``features`` (default x1, x2)."""
    network, head, names = _parts(source, features)
    x, plane, example, target = _probe_input(source, point, names)
    inputs, pre = forward(network, x)
    layers = []
    with np.errstate(all="ignore"):
        for k, (a_in, z) in enumerate(zip(inputs, pre, strict=True)):
            name, a = _activate(network, head, k, z)
            weights = network.weights[k].astype(np.float64)
            layers.append(
                {
                    "layer": k,
                    "activation": name,
                    "z": z[0].tolist(),
                    "a": a[0].tolist(),
                    "bias": network.biases[k].tolist(),
                    "contributions": (weights * a_in[0][:, None]).tolist(),
                    "output": k == network.n_layers - 1,
                }
            )
        label = None if head is None or head.task == "regression" else float(head.labels(a)[0])
    return {
        "point": plane.tolist(),
        "example": example,
        "target": target,
        "features": names,
        "inputs": inputs[0][0].tolist(),
        "layers": layers,
        "output": {"kind": output_kind(head), "values": a[0].tolist(), "label": label},
    }


def _probe_input(
    source: Trainer | Model | Network, point: Sequence[float] | int, names: list[str]
) -> tuple[Array, Array, int | None, list[float] | None]:
    """(features (1, n_in), the point in the plane, the example's index, its targets)."""
    if not isinstance(point, int):
        plane = np.asarray(point, np.float64).reshape(2)
        return feature_matrix(plane.reshape(1, 2), names), plane, None, None
    if not isinstance(source, Trainer):
        raise ValueError("point: a training example's index needs a trainer")
    data = source.data
    if not 0 <= point < len(data.train_t):
        raise ValueError(f"example: the run has examples 0 … {len(data.train_t) - 1}")
    plane = data.split.train.x[point].astype(np.float64)
    return data.train_x[point : point + 1], plane, point, data.train_t[point].tolist()


def _parts(
    source: Trainer | Model | Network, features: Sequence[str] | None
) -> tuple[Network, Head | None, list[str]]:
    if isinstance(source, Trainer):
        return source.network, source.head, list(source.config.data.features)
    if isinstance(source, Model):
        return source.network, source.head, source.features
    names = list(features or ("x1", "x2"))
    if len(names) != source.sizes[0]:
        raise ValueError(f"features: the network takes {source.sizes[0]} inputs, got {names}")
    return source, None, names


def _activate(network: Network, head: Head | None, layer: int, z: Array) -> tuple[str, Array]:
    """Layer ``layer``'s units' activation name and values a = f(z) (the head's for the last)."""
    if layer < len(network.activations):
        activation = network.activations[layer]
        return activation.name, activation(z)
    if head is None:
        return "linear", z
    return head.output, head.activate(z)


# -- gradient norms --------------------------------------------------------------------------


def gradient_norms(trainer: Trainer, on: str = "batch") -> Json:
    """Per weight layer, the Euclidean norms of ∂J/∂params' parts: ``on`` "batch" the next
    step's batch with its dropout masks (what the optimizer will use), "train" the whole
    training set without dropout.

    Returns ``on``, ``examples``, ``batch`` (the batch's ``start``, ``size``, ``new_epoch``,
    ``dropout``; None for "train") and ``layers``, per layer: ``layer``, ``loss`` (weights and
    bias), ``loss_weights``, ``loss_bias``, ``penalty`` (λ·R′(w), weights only) and ``total``
    (the norm of their sum)."""
    if on not in ("batch", "train"):
        raise ValueError('on: "batch" or "train"')
    batch = next_batch(trainer) if on == "batch" else None
    loss = loss_gradient(trainer, batch)
    penalty = penalty_gradient(trainer)
    network = trainer.network
    layers = []
    with np.errstate(all="ignore"):
        for k, (g, p) in enumerate(zip(network.views(loss), network.views(penalty), strict=True)):
            layers.append(
                {
                    "layer": k,
                    "loss": _norm(g),
                    "loss_weights": _norm(g[:-1]),
                    "loss_bias": _norm(g[-1]),
                    "penalty": _norm(p),
                    "total": _norm(g + p),
                }
            )
    return {
        "on": on,
        "examples": len(trainer.data.train_t) if batch is None else len(batch.t),
        "batch": None if batch is None else batch.describe(hidden_dropout(trainer)),
        "layers": layers,
    }


def _norm(values: Array) -> float:
    return float(np.sqrt(np.sum(np.square(values, dtype=np.float64))))
