"""Output heads: the output activation and the loss as one allowed pair, per task.

A task is ``binary`` (labels ±1), ``multiclass`` (labels 0..K−1) or ``regression``. The
network's last layer is linear (z); the head turns z into the prediction a and the loss
gradient into dL/dz. Sigmoid + BCE and softmax + cross-entropy use their fused, stable forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.activations import ACTIVATIONS, Activation
from engine.losses import LOSSES, Loss
from engine.messages import ENGINE

Array = np.ndarray
TASKS = ("binary", "multiclass", "regression")
REGRESSION_LOSSES = frozenset({"half_mse", "mse", "mae", "huber"})
ALLOWED: dict[str, dict[str, frozenset[str]]] = {
    "binary": {
        "tanh": frozenset({"half_mse", "mse"}),
        "sigmoid": frozenset({"bce", "half_mse", "mse"}),
    },
    "multiclass": {"softmax": frozenset({"cross_entropy"})},
    "regression": {
        name: REGRESSION_LOSSES for name in ("linear", "relu", "softplus", "sigmoid", "tanh")
    },
}
AUTO: dict[str, tuple[str, str]] = {
    "binary": ("tanh", "half_mse"),  # TF Playground's pair
    "multiclass": ("softmax", "cross_entropy"),
    "regression": ("linear", "half_mse"),
}
OUTPUT_ALIASES = {"none": "linear"}
FUSED = {("sigmoid", "bce"), ("softmax", "cross_entropy")}


def _auto_loss(task: str, output: str) -> str:
    if task == "binary" and output == "sigmoid":
        return "bce"
    return AUTO[task][1] if output == AUTO[task][0] or task == "regression" else ""


def resolve_pair(task: str, output: str, loss: str) -> tuple[str, str]:
    """("auto" or a name, "auto" or a name) -> an allowed pair, or ValueError naming them."""
    output = OUTPUT_ALIASES.get(output, output)
    allowed = ALLOWED[task]
    if output == "auto":  # the task's default, unless the loss asks for another output
        fits = [o for o in (AUTO[task][0], *allowed) if loss == "auto" or loss in allowed[o]]
        output = fits[0] if fits else AUTO[task][0]
    if loss == "auto":
        loss = _auto_loss(task, output)
    if output not in allowed or loss not in allowed[output]:
        kind = ENGINE.say(f"task.{task}")
        said = ENGINE.say(
            "head.misfit", output=output, loss=loss or "auto", task=kind, allowed=_pairs(allowed)
        )
        raise ValueError(said)
    return output, loss


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _pairs(allowed: dict[str, frozenset[str]]) -> str:
    """The allowed pairs as a person says them: outputs that take the same losses together."""
    groups: dict[frozenset[str], list[str]] = {}
    for output, losses in allowed.items():
        groups.setdefault(losses, []).append(output)
    said = [f"{_either(outs)} with {_either(sorted(ls))}" for ls, outs in groups.items()]
    return ", or ".join(said)


def softmax(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: Array = e / e.sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True)
class Head:
    task: str
    output: str
    loss: Loss
    n_outputs: int
    _activation: Activation | None = field(init=False, repr=False, compare=False)

    @classmethod
    def build(cls, task: str, output: str, loss: str, n_classes: int = 2) -> Head:
        output, loss_name = resolve_pair(task, output, loss)
        return cls(task, output, LOSSES[loss_name], n_classes if task == "multiclass" else 1)

    def targets(self, labels: Array) -> Array:
        """Labels (n,) -> targets (n, outputs) in the range of this head's output."""
        if self.task == "multiclass":
            onehot: Array = np.eye(self.n_outputs)[labels.astype(int)]
            return onehot
        t = labels.reshape(-1, 1).astype(np.float64)
        if self.task == "binary" and self.output == "sigmoid":
            return (t + 1.0) / 2.0  # ±1 -> 0/1
        return t

    def __post_init__(self) -> None:
        activation = None if self.output == "softmax" else ACTIVATIONS[self.output]
        object.__setattr__(self, "_activation", activation)

    def activate(self, z: Array) -> Array:
        if self._activation is None:
            return softmax(z)
        return self._activation(z)

    def loss_value(self, z: Array, a: Array, t: Array) -> float:
        if (self.output, self.loss.name) == ("sigmoid", "bce"):  # from logits, never log(0)
            return float(np.mean(np.logaddexp(0.0, z) - t * z) * z.shape[1])
        if self.output == "softmax":
            zmax = z.max(axis=1, keepdims=True)
            lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
            return float(np.mean(lse - np.sum(t * z, axis=1)))
        return self.loss.value(t, a)

    @property
    def fused(self) -> bool:
        """Whether the loss is taken from z (sigmoid + BCE, softmax + cross-entropy)."""
        return (self.output, self.loss.name) in FUSED

    def loss_values(self, z: Array | None, a: Array | None, t: Array) -> Array:
        """``loss_value`` of R networks at once (``engine.population``): z or a (R, B,
        outputs), t (B, outputs) -> (R,). A ``fused`` pair reads z, any other a."""
        if self.fused:
            assert z is not None
            if self.output == "softmax":
                zmax = z.max(axis=-1, keepdims=True)
                lse = zmax[..., 0] + np.log(np.exp(z - zmax).sum(axis=-1))
                per_example: Array = lse - np.sum(t * z, axis=-1)
                mean: Array = per_example.sum(axis=-1) / z.shape[-2]
                return mean
            terms: Array = np.logaddexp(0.0, z) - t * z
        else:
            assert a is not None
            terms = self.loss.terms(t, a)
        values: Array = terms.sum(axis=(-2, -1)) / terms.shape[-2]
        return values

    def loss_grad(self, z: Array, t: Array) -> Array:
        """dL/dz (B, outputs) straight from z: what a training step needs. The TF pair also
        takes runs stacked (R, B, outputs), as ``engine.batch`` trains them."""
        if self.output == "tanh" and self.loss.name == "half_mse":  # TF's pair: the hot path
            a = np.tanh(z)
            d: Array = a - t
            np.multiply(a, a, a)  # a is not needed after: reuse it for 1 − a²
            np.subtract(1.0, a, a)
            d *= a
            d *= 1.0 / d.shape[-2]  # the batch size, also for stacked runs (R, B, outputs)
            return d
        return self.grad_z(z, self.activate(z), t)

    def grad_z(self, z: Array, a: Array, t: Array) -> Array:
        """dL/dz (B, outputs) for the output layer's pre-activation, given a = f(z)."""
        if (self.output, self.loss.name) in FUSED:
            fused: Array = (a - t) / len(a)
            return fused
        act = self._activation
        assert act is not None
        grad: Array = self.loss.grad(t, a) * act.derivative(z, a, np.empty_like(z))
        return grad

    def labels(self, a: Array) -> Array:
        """Predicted labels (n,) in the dataset's convention: ±1 or class indices."""
        if self.task == "multiclass":
            classes: Array = a.argmax(axis=1).astype(np.float64)
            return classes
        threshold = 0.5 if self.output == "sigmoid" else 0.0
        signs: Array = np.where(a[:, 0] >= threshold, 1.0, -1.0)
        return signs
