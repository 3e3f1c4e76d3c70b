"""One weight's ∂E/∂w for one training example, for the teaching page: ``chain_rule`` gives
it as the chain rule's factors, named as the page names them (output unit i, the hidden unit
j below it, the input k below that; x the activations, s the weighted sums, t the targets),
checked by central finite differences. ``engine.inspect_step`` has the next update of the
same weight, ``engine.inspect`` the rest.

A plain dict of floats (NaN or ±inf on a diverged network, never an exception).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.heads import FUSED, Head
from engine.inspect import (
    Array,
    Json,
    flat_index,
    forward,
    hidden_dropout,
    loss_gradient,
    next_batch,
    penalty_gradient,
)
from engine.network import Network
from engine.trainer import Trainer


def chain_rule(trainer: Trainer, layer: int, source: int | None, target: int, example: int) -> Json:
    """∂E/∂w of one weight (``source`` None: a bias) for training example ``example``, by the
    chain rule, without dropout. E is that example's loss (summed over the outputs).

    Returns ``layer``, ``source``, ``target``, ``example``, ``bias``, ``weight``, ``kind``
    ("output": a weight w_ji into output unit i = ``target`` from j = ``source``; "hidden": a
    weight w_kj into hidden unit j = ``target`` from k = ``source``), ``indices`` ({i, j} or
    {j, k}), the values named as in the slides (``x_i``, ``t_i``, ``x_j``; or ``x_j``,
    ``x_k``; a bias's x_j or x_k is 1), ``factors`` (in order, each ``symbol`` and
    ``value``: ∂E/∂x_i, ∂x_i/∂s_i, ∂s_i/∂w_ji; a softmax head: ∂E/∂s_i, ∂s_i/∂w_ji; a hidden
    weight: ∂E/∂x_j, ∂x_j/∂s_j, ∂s_j/∂w_kj), ``terms`` (the sums inside: a hidden weight's
    over the units i above, each ``i``, ``dE_ds_i``, ``w_ji``, ``product`` and, i an output
    of an element-wise head, ``x_i``, ``t_i``, ``dE_dx_i``, ``dx_i_ds_i``; a softmax's
    ∂E/∂s_i over its outputs k, each ``k``, ``dE_dx_k``, ``dx_k_ds_i``, ``product``),
    ``dE_ds`` (∂E/∂s of the target unit), ``product`` (∂E/∂w), ``simplified`` (sigmoid with
    BCE or softmax with cross-entropy, for an output weight or one just below the output:
    ``formula`` such as "(x_i − t_i)·x_j", its numbers and ``value``; else None),
    ``penalty`` (λ·R′(w)), ``total`` (``product`` + ``penalty``), ``finite_difference`` (the
    same by central differences of ``Trainer.objective`` on the example) and ``batch``
    (``mean``: the data part of ∂J/∂w on the next step's batch with its dropout masks, what
    the optimizer will use, with the batch's ``start``, ``size``, ``new_epoch``,
    ``dropout``)."""
    network = trainer.network
    index = flat_index(network, layer, source, target)
    if not 0 <= example < len(trainer.data.train_t):
        raise ValueError(f"example: the run has examples 0 … {len(trainer.data.train_t) - 1}")
    x, t = trainer.data.train_x[example : example + 1], trainer.data.train_t[example : example + 1]
    with np.errstate(all="ignore"):
        one = _Pass.run(network, trainer.head, x, t)
        below = 1.0 if source is None else float(one.inputs[layer][0, source])
        detail = _weight_detail(one, layer, source, target, below)
        dE_ds = float(one.deltas[layer][0, target])
        penalty = float(penalty_gradient(trainer)[index])
    batch = next_batch(trainer)
    return {
        "layer": layer,
        "source": source,
        "target": target,
        "example": example,
        "bias": source is None,
        "weight": float(network.params[index]),
        **detail,
        "dE_ds": dE_ds,
        "product": dE_ds * below,
        "penalty": penalty,
        "total": dE_ds * below + penalty,
        "finite_difference": _finite_difference(trainer, index, x, t),
        "batch": {
            "mean": float(loss_gradient(trainer, batch)[index]),
            **batch.describe(hidden_dropout(trainer)),
        },
    }


@dataclass
class _Pass:
    """One example's float64 pass, each array (1, units): ``inputs`` and ``pre`` per weight
    layer as ``engine.inspect.forward``'s, ``out`` the head's output x, ``t`` the targets,
    ``deltas`` ∂E/∂s of every layer's units, by backprop."""

    network: Network
    head: Head
    inputs: list[Array]
    pre: list[Array]
    out: Array
    t: Array
    deltas: list[Array]

    @classmethod
    def run(cls, network: Network, head: Head, x: Array, t: Array) -> _Pass:
        inputs, pre = forward(network, x)
        out, t = head.activate(pre[-1]), t.astype(np.float64)
        delta = head.grad_z(pre[-1], out, t)
        deltas = [delta]
        for k in range(network.n_layers - 2, -1, -1):
            delta = (delta @ network.weights[k + 1].T.astype(np.float64)) * _slope(network, pre, k)
            deltas.insert(0, delta)
        return cls(network, head, inputs, pre, out, t, deltas)

    @property
    def fused(self) -> bool:
        """Sigmoid with BCE or softmax with cross-entropy: ∂E/∂s_i = x_i − t_i."""
        return (self.head.output, self.head.loss.name) in FUSED


def _weight_detail(one: _Pass, layer: int, source: int | None, target: int, below: float) -> Json:
    """The weight's ``kind``, ``indices``, named values, ``factors``, ``terms`` and
    ``simplified``: an output weight's or a hidden one's (``below``: the x of the unit under
    it, 1 for a bias, whose last factor is then ∂s/∂b)."""
    if layer == one.network.n_layers - 1:
        detail = _output_weight(one, target, below)
    else:
        detail = _hidden_weight(one, layer, target, below)
    unit = "i" if detail["kind"] == "output" else "j"
    detail["indices"]["j" if unit == "i" else "k"] = source
    if source is None:  # ∂s/∂b = 1
        detail["factors"][-1]["symbol"] = f"∂s_{unit}/∂b_{unit}"
    return detail


def _slope(network: Network, pre: list[Array], k: int) -> Array:
    """f′(s) of hidden layer k's units."""
    activation, z = network.activations[k], pre[k]
    slope: Array = activation.derivative(z, activation(z), np.empty_like(z))
    return slope


def _factor(symbol: str, value: Any) -> Json:
    return {"symbol": symbol, "value": float(value)}


def _output_weight(one: _Pass, i: int, x_j: float) -> Json:
    """An output weight's factors: ∂E/∂x_i·∂x_i/∂s_i·∂s_i/∂w_ji (softmax: ∂E/∂s_i as a sum)."""
    head, z, out, t = one.head, one.pre[-1], one.out, one.t
    dE_dx = head.loss.grad(t, out)[0]  # a batch of one: per example
    x_i, t_i = float(out[0, i]), float(t[0, i])
    terms = []
    if head.output == "softmax":
        jacobian = out[0] * (np.eye(len(out[0]))[i] - x_i)  # ∂x_k/∂s_i
        terms = [
            {"k": k, "dE_dx_k": float(d), "dx_k_ds_i": float(j), "product": float(d * j)}
            for k, (d, j) in enumerate(zip(dE_dx, jacobian, strict=True))
        ]
        factors = [_factor("∂E/∂s_i", one.deltas[-1][0, i])]
    else:
        slope = ACTIVATIONS[head.output].derivative(z, out, np.empty_like(z))[0, i]
        factors = [_factor("∂E/∂x_i", dE_dx[i]), _factor("∂x_i/∂s_i", slope)]
    simplified = None
    if one.fused:
        simplified = {
            "formula": "(x_i − t_i)·x_j",
            "x_i": x_i,
            "t_i": t_i,
            "x_j": x_j,
            "value": (x_i - t_i) * x_j,
        }
    return {
        "kind": "output",
        "indices": {"i": i},
        "x_i": x_i,
        "t_i": t_i,
        "x_j": x_j,
        "factors": [*factors, _factor("∂s_i/∂w_ji", x_j)],
        "terms": terms,
        "simplified": simplified,
    }


def _hidden_weight(one: _Pass, layer: int, j: int, x_k: float) -> Json:
    """A hidden weight's factors: (Σ_i ∂E/∂s_i·w_ji)·∂x_j/∂s_j·∂s_j/∂w_kj, i over the
    units above j (the outputs, in the slides' one-hidden-layer network)."""
    network = one.network
    x_j = float(network.activations[layer](one.pre[layer])[0, j])
    slope = float(_slope(network, one.pre, layer)[0, j])
    w_j = network.weights[layer + 1][j].astype(np.float64)  # w_ji for every i above
    above = one.deltas[layer + 1][0]
    below_output = layer + 1 == network.n_layers - 1
    terms = []
    for i, (d, w) in enumerate(zip(above, w_j, strict=True)):
        term: Json = {"i": i, "dE_ds_i": float(d), "w_ji": float(w)}
        term["product"] = float(d * w * slope * x_k)
        if below_output:
            term |= _output_unit(one, i)
        terms.append(term)
    simplified = _simplified_hidden(one, layer, j, x_k) if below_output and one.fused else None
    return {
        "kind": "hidden",
        "indices": {"j": j},
        "x_j": x_j,
        "x_k": x_k,
        "factors": [
            _factor("∂E/∂x_j", np.dot(above, w_j)),
            _factor("∂x_j/∂s_j", slope),
            _factor("∂s_j/∂w_kj", x_k),
        ],
        "terms": terms,
        "simplified": simplified,
    }


def _simplified_hidden(one: _Pass, layer: int, j: int, x_k: float) -> Json:
    """The slides' Σ_i (x_i − t_i)·w_ji·x_j(1 − x_j)·x_k, for a fused head (and f′(s_j)
    in place of x_j(1 − x_j) for an activation other than the sigmoid)."""
    network = one.network
    x_j = float(network.activations[layer](one.pre[layer])[0, j])
    sigmoid = network.activations[layer].name == "sigmoid"
    local = x_j * (1.0 - x_j) if sigmoid else float(_slope(network, one.pre, layer)[0, j])
    errors = (one.out[0] - one.t[0]).astype(np.float64)
    w_j = network.weights[layer + 1][j].astype(np.float64)
    return {
        "formula": f"Σ_i (x_i − t_i)·w_ji·{'x_j(1 − x_j)' if sigmoid else 'f′(s_j)'}·x_k",
        "errors": errors.tolist(),
        "x_j": x_j,
        "dx_j_ds_j": local,
        "x_k": x_k,
        "value": float(np.sum(errors * w_j) * local * x_k),
    }


def _output_unit(one: _Pass, i: int) -> Json:
    """Output unit i's x_i and t_i and, for an element-wise head, ∂E/∂x_i and ∂x_i/∂s_i."""
    found = {"x_i": float(one.out[0, i]), "t_i": float(one.t[0, i])}
    if one.head.output != "softmax":
        z, out = one.pre[-1], one.out
        found["dE_dx_i"] = float(one.head.loss.grad(one.t, out)[0, i])
        slope = ACTIVATIONS[one.head.output].derivative(z, out, np.empty_like(z))
        found["dx_i_ds_i"] = float(slope[0, i])
    return found


def _finite_difference(trainer: Trainer, index: int, x: Array, t: Array) -> float:
    """∂J/∂params[index] on one example by central differences of ``Trainer.objective``,
    with a step of ε^⅓·max(1, |w|) in the network's precision; the weight is restored."""
    params = trainer.network.params
    saved = params[index].copy()
    h = float(np.finfo(params.dtype).eps) ** (1 / 3) * max(1.0, abs(float(saved)))
    with np.errstate(all="ignore"):
        try:
            params[index] = saved + h
            up, width = trainer.objective(x, t), params[index].copy()
            params[index] = saved - h
            down, width = trainer.objective(x, t), width - params[index]
        finally:
            params[index] = saved
        return float(np.float64(up - down) / np.float64(width))
