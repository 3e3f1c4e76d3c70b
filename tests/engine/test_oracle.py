"""The engine against PyTorch: the same network from the same initial weights, fed the same
mini-batches with the engine's own dropout masks, trained STEPS steps in float64, for every
optimizer × activation × head (output activation and loss) × regularizer × dropout.

The PyTorch side is written without the engine: its own layers, activations and losses (through
autograd, none of them fused) and ``torch.optim``'s optimizers. The weight penalty is the rule
``engine.regularizers`` documents, written again in torch: the optimizer's step on the data loss,
then w ← w_mid − η·λ·R′(w_old) with R′ from autograd, and L1 kills a weight that this penalty
step carries across zero.

Every registered name is looked up in the tables below, and a missing entry fails the test
(it is never skipped), so a new strategy needs its PyTorch counterpart before the suite passes.
By default each strategy runs at least once; ``--full-matrix`` runs every pair of them.

Tolerance: weights agree to 1e-12, absolute. They stay of order 1 (Glorot start, STEPS steps
of η = 0.05), so that is about 1e-12 relative. Float64 rounds at 1e-16 per operation and the
two sides order their sums differently: over the full matrix the worst gap is 1.4e-14, 70
times below the bound, while a detail as small as ε = 1e-8 counted twice in AdaGrad, RMSProp
or Adam breaks it in every case that uses them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.activations import ACTIVATIONS
from engine.optimizers import OPTIMIZERS
from engine.regularizers import REGULARIZERS
from engine.trainer import Trainer
from tests.engine.helpers import make_trainer
from tests.engine.matrix import HEADS, params

torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a shared machine

STEPS = 30  # 7½ epochs of 20 training points in batches of 6, 6, 6 and 2
LEARNING_RATE = 0.05
RATE = 0.3  # λ: η·λ = 0.015 per step, so L1 kills weights within the run
ABSOLUTE = 1e-12


def _points(label: Callable[[np.ndarray], np.ndarray]) -> list[list[float]]:
    """40 points in [-2, 2]² with ``label(x)``: moderate inputs and reachable targets keep
    every unit off its flat tails, where a gradient is a difference of nearly equal numbers
    that the two sides round apart, and Adam or RMSProp would blow that up to a real step."""
    x = np.random.default_rng(0).uniform(-2, 2, (40, 2))
    return np.column_stack([x, label(x)]).tolist()


POINTS_OF_TASK = {
    "binary": _points(lambda x: np.where(x[:, 0] * x[:, 1] > 0, 1.0, -1.0)),
    "multiclass": _points(lambda x: np.floor((np.arctan2(x[:, 1], x[:, 0]) + np.pi) / 2.1)),
    "regression": _points(lambda x: 0.5 + 0.3 * np.tanh(x[:, 0] - x[:, 1])),
}

Tensor = torch.Tensor
TorchOptimizer = Callable[[list[Tensor], Any], torch.optim.Optimizer]
TORCH_OPTIMIZERS: dict[str, TorchOptimizer] = {
    "sgd": lambda ps, h: torch.optim.SGD(ps, lr=LEARNING_RATE),
    "momentum": lambda ps, h: torch.optim.SGD(ps, lr=LEARNING_RATE, momentum=h.momentum),
    "nesterov": lambda ps, h: torch.optim.SGD(
        ps, lr=LEARNING_RATE, momentum=h.momentum, nesterov=True
    ),
    "adagrad": lambda ps, h: torch.optim.Adagrad(ps, lr=LEARNING_RATE, eps=h.epsilon),
    "rmsprop": lambda ps, h: torch.optim.RMSprop(ps, lr=LEARNING_RATE, alpha=h.rho, eps=h.epsilon),
    "adam": lambda ps, h: torch.optim.Adam(
        ps, lr=LEARNING_RATE, betas=(h.beta1, h.beta2), eps=h.epsilon
    ),
    "adamw": lambda ps, h: torch.optim.AdamW(
        ps, lr=LEARNING_RATE, betas=(h.beta1, h.beta2), eps=h.epsilon, weight_decay=h.weight_decay
    ),
}
# An optimizer that does not follow a gradient (a genetic one, say) has no torch.optim
# counterpart: name it here with the test that checks it instead, and the matrix leaves it out.
NOT_GRADIENT_BASED: dict[str, str] = {
    # it breeds whole weight vectors by their loss: what can be checked against PyTorch is
    # that loss, each member's in one batched evaluation (bmm)
    "genetic": "tests.engine.test_population::test_population_losses_match_pytorch_bmm",
}
TORCH_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "linear": lambda z: z,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": F.elu,
    "selu": F.selu,
    "softplus": lambda z: torch.logaddexp(z, torch.zeros_like(z)),  # no linear cut-off
    "gelu": lambda z: F.gelu(z, approximate="tanh"),
    "swish": F.silu,
    "sine": torch.sin,
    "softmax": lambda z: torch.softmax(z, dim=1),  # an output activation only
}
# (a, t) -> the batch's loss: summed over outputs, averaged over the batch
TORCH_LOSSES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "half_mse": lambda a, t: 0.5 * ((a - t) ** 2).sum() / len(a),
    "mse": lambda a, t: ((a - t) ** 2).sum() / len(a),
    "mae": lambda a, t: (a - t).abs().sum() / len(a),
    "huber": lambda a, t: F.huber_loss(a, t, reduction="sum", delta=1.0) / len(a),
    "bce": lambda a, t: F.binary_cross_entropy(a, t, reduction="sum") / len(a),
    "cross_entropy": lambda a, t: -(t * torch.log(a)).sum() / len(a),
}
# name -> (R(w), whether a weight the penalty step carries across zero dies), or None: no step
TORCH_PENALTIES: dict[str, tuple[Callable[[Tensor], Tensor], bool] | None] = {
    "none": None,
    "l1": (lambda w: w.abs().sum(), True),
    "l2": (lambda w: 0.5 * (w * w).sum(), False),
}

GRADIENT_BASED = [name for name in OPTIMIZERS if name not in NOT_GRADIENT_BASED]
AXES = [GRADIENT_BASED, list(ACTIVATIONS), HEADS, list(REGULARIZERS), [0.0, 0.3]]


def _counterpart(table: dict[str, Any], kind: str, name: str) -> Any:
    if name not in table:
        pytest.fail(f"{kind} {name!r} has no PyTorch counterpart: add it to this test's table")
    return table[name]


@dataclass
class Step:
    """One engine step's inputs, batch-major: x (B, features), t (B, outputs), and per
    hidden layer its dropout mask (B, units) scaled by 1/(1 − p), or None."""

    x: np.ndarray
    t: np.ndarray
    masks: list[np.ndarray | None] = field(default_factory=list)


def train_engine(trainer: Trainer) -> list[Step]:
    """STEPS engine steps, recording what each one fed the network (its training pass only:
    the metrics run forward passes too)."""
    steps: list[Step] = []
    network, data_gradient = trainer.network, trainer.data_gradient
    forward = network.forward

    def recording_gradient(x: np.ndarray, t: np.ndarray, *args: Any) -> None:
        steps.append(Step(x[:-1].T.copy(), t.copy()))  # x comes augmented, feature-major
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(network, "forward", recording_forward)
            data_gradient(x, t, *args)

    def recording_forward(*args: Any) -> Any:
        trace = forward(*args)
        steps[-1].masks = [None if m is None else m.T.copy() for m in trace.masks]
        return trace

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer, "data_gradient", recording_gradient)
        for _ in range(STEPS):
            trainer.train_batch()
    assert len(steps) == STEPS
    return steps


class TorchNet:
    """The engine's network rebuilt in torch from its flat parameters."""

    def __init__(self, trainer: Trainer) -> None:
        views = trainer.network.views(trainer.initial_params)
        self.weights = [torch.tensor(v[:-1], requires_grad=True) for v in views]
        self.biases = [torch.tensor(v[-1], requires_grad=True) for v in views]
        self.dead = [torch.zeros_like(w, dtype=torch.bool) for w in self.weights]
        layers = trainer.config.network.layers()
        self.hidden = [
            _counterpart(TORCH_ACTIVATIONS, "activation", la.activation or "") for la in layers
        ]
        _, output, loss = trainer.config.head()
        self.output = _counterpart(TORCH_ACTIVATIONS, "output activation", output)
        self.loss = _counterpart(TORCH_LOSSES, "loss", loss)

    def data_loss(self, step: Step) -> Tensor:
        h = torch.tensor(step.x)
        pairs = list(zip(self.weights, self.biases, strict=True))
        for (w, b), activation, mask in zip(pairs[:-1], self.hidden, step.masks, strict=True):
            h = activation(h @ w + b)
            if mask is not None:
                h = h * torch.tensor(mask)
        w, b = pairs[-1]
        return self.loss(self.output(h @ w + b), torch.tensor(step.t))

    def flat(self) -> np.ndarray:
        """The parameters laid out as the engine's flat vector."""
        blocks = [torch.vstack([w, b[None]]).detach().numpy().ravel() for w, b in self._pairs()]
        return np.concatenate(blocks)

    def flat_dead(self) -> np.ndarray:
        blocks = [torch.vstack([d, torch.zeros_like(d[:1])]).numpy().ravel() for d in self.dead]
        return np.concatenate(blocks)

    def _pairs(self) -> list[tuple[Tensor, Tensor]]:
        return list(zip(self.weights, self.biases, strict=True))


def penalty_step(net: TorchNet, before: list[Tensor], regularization: str) -> None:
    """w ← w_mid − η·λ·R′(w_old), R′ by autograd; L1: a weight this step carries across 0 dies."""
    penalty = _counterpart(TORCH_PENALTIES, "regularization", regularization)
    if penalty is None:
        return
    r, clamps = penalty
    for w, old, dead in zip(net.weights, before, net.dead, strict=True):
        leaf = old.clone().requires_grad_(True)
        (derivative,) = torch.autograd.grad(r(leaf), leaf)
        with torch.no_grad():
            mid = w.clone()
            new = mid - LEARNING_RATE * RATE * derivative
            if clamps:
                crossed = mid * new < 0
                new[crossed] = 0.0
                dead[crossed] = True
            w.copy_(new)


def train_torch(
    trainer: Trainer, steps: list[Step], optimizer: str, regularization: str
) -> TorchNet:
    net = TorchNet(trainer)
    factory = _counterpart(TORCH_OPTIMIZERS, "optimizer", optimizer)
    opt = factory([*net.weights, *net.biases], trainer.optimizer.hyper)
    for step in steps:
        opt.zero_grad()
        net.data_loss(step).backward()
        with torch.no_grad():
            for w, dead in zip(net.weights, net.dead, strict=True):
                w.grad[dead] = 0.0
            before = [w.clone() for w in net.weights]
            opt.step()
        penalty_step(net, before, regularization)
        with torch.no_grad():
            for w, dead in zip(net.weights, net.dead, strict=True):
                w[dead] = 0.0
    return net


def oracle_trainer(
    optimizer: str, activation: str, head: tuple[str, str, str], regularization: str, dropout: float
) -> Trainer:
    task, output, loss = head
    return make_trainer(
        seed=5,
        data={
            "dataset": "points",
            "points": POINTS_OF_TASK[task],
            "features": ["x1", "x2", "x1x2"],
        },
        network={
            "hidden": [5, 4],
            "activation": activation,
            "dropout": dropout,
            "output_activation": output,
            "init": "glorot",
        },
        training={
            "optimizer": optimizer,
            "learning_rate": LEARNING_RATE,
            "batch_size": 6,
            "loss": loss,
            "regularization": regularization,
            "regularization_rate": RATE,
        },
    )


@pytest.mark.parametrize(
    ("optimizer", "activation", "head", "regularization", "dropout"), params(AXES, "pairs")
)
def test_training_matches_pytorch(
    optimizer: str,
    activation: str,
    head: tuple[str, str, str],
    regularization: str,
    dropout: float,
) -> None:
    trainer = oracle_trainer(optimizer, activation, head, regularization, dropout)
    steps = train_engine(trainer)
    net = train_torch(trainer, steps, optimizer, regularization)
    engine = trainer.network.params
    np.testing.assert_allclose(engine, net.flat(), rtol=0, atol=ABSOLUTE)
    np.testing.assert_array_equal(trainer.dead, net.flat_dead())
    assert np.abs(engine - trainer.initial_params).max() > 1e-3, "nothing trained"
    if dropout:
        assert any(mask is not None for step in steps for mask in step.masks)
    if regularization == "l1":
        assert trainer.dead.any(), "the dead-link rule was never exercised"


def test_every_registered_strategy_has_a_pytorch_counterpart() -> None:
    missing = {
        kind: sorted(set(names) - set(table))
        for kind, names, table in [
            ("optimizer", GRADIENT_BASED, TORCH_OPTIMIZERS),
            ("activation", list(ACTIVATIONS), TORCH_ACTIVATIONS),
            ("output activation", [head[1] for head in HEADS], TORCH_ACTIVATIONS),
            ("loss", [head[2] for head in HEADS], TORCH_LOSSES),
            ("regularization", list(REGULARIZERS), TORCH_PENALTIES),
        ]
    }
    assert not any(missing.values()), f"no PyTorch counterpart: {missing}"
    assert set(NOT_GRADIENT_BASED) <= set(OPTIMIZERS), "a stale entry in NOT_GRADIENT_BASED"
    for name, test in NOT_GRADIENT_BASED.items():
        assert OPTIMIZERS[name].gradient_free, f"{name} takes gradient steps: test it here"
        module, function = test.split("::")
        assert callable(getattr(importlib.import_module(module), function)), test
