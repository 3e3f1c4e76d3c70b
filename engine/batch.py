"""One epoch for many same-shaped runs at once: every NumPy call works on all of them.

A playground run is tiny (batches of 10, layers of 8): NumPy's per-call overhead, not
arithmetic, is most of a training step. Stacking R runs that share a shape turns R small
calls into one, and the results are the same bit for bit as training each run alone (each
run keeps its own data, shuffle, learning rate and random generator; matmul runs the same
BLAS kernel on each slice as dot does on one run). Every optimizer stacks (its state rows
are the runs'; one that counts its steps, Adam's bias correction, only with runs at the same
count, and in float64: its per-step scalars are then the same numbers as alone). The rest of
the plain case: no weight penalty, no dropout, TF's tanh output with ½·MSE; anything else
trains alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from engine.optimizers import SGD, STATE, Optimizer
from engine.population import stacked_forward
from engine.trainer import Trainer

Array = np.ndarray


def batch_key(trainer: Trainer) -> Hashable | None:
    """Runs with equal keys can train an epoch together; None: this one trains alone."""
    network, head, optimizer = trainer.network, trainer.head, trainer.optimizer
    sgd = type(optimizer) is SGD
    plain = (
        not optimizer.gradient_free  # the genetic trainer breeds, it takes no steps
        and (sgd or trainer.dtype == np.float64)
        and (trainer.regularizer.name == "none" or trainer.regularization_rate == 0)
        and not trainer.dead.any()
        and not any(network.dropout)
        and (head.output, head.loss.name) == ("tanh", "half_mse")
        and trainer.at_epoch_start
        and not (trainer.stopper.reason or trainer.diverged)
    )
    if not plain:
        return None
    activations = tuple(a.name for a in network.activations)
    return (
        network.sizes,
        activations,
        trainer.batch_size,
        len(trainer.data.train_t),
        trainer.dtype.str,
        "sgd" if sgd else (type(optimizer).__name__, optimizer.hyper, optimizer.t),
    )


def train_epochs(trainers: Sequence[Trainer]) -> list[Exception | None]:
    """One epoch of each trainer (all with the same ``batch_key``), stacked; then each
    trainer ends its epoch itself (metrics, checks, stopping rules). Returns, per trainer,
    the error that ended it (a ``DivergedError``) or None."""
    params = np.stack([t.network.params for t in trainers])
    grads = np.empty_like(params)
    lr = np.array([t.learning_rate for t in trainers], dtype=params.dtype)[:, None]
    optimizer = _stacked_optimizer(trainers)
    orders = [t.rng.permutation(len(t.data.train_t)) for t in trainers]
    pairs = list(zip(trainers, orders, strict=True))
    x = np.stack([t.train_x_aug[:, order] for t, order in pairs])  # (R, features + 1, n)
    targets = np.stack([t.data.train_t[order] for t, order in pairs])  # (R, n, outputs)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught, not warned
        losses = _epoch(trainers[0], params, grads, optimizer, lr=lr, x=x, t=targets)
    steps = losses.shape[1]
    errors: list[Exception | None] = []
    for k, trainer in enumerate(trainers):
        trainer.network.params[:] = params[k]
        trainer.network.grads[:] = grads[k]
        _unstack_state(optimizer, trainer.optimizer, k)
        if trainer.keep_batch_losses:
            steps_done = range(trainer.step + 1, trainer.step + steps + 1)
            trainer.batch_losses.extend(zip(steps_done, losses[k].tolist(), strict=True))
        try:
            trainer.finish_epoch(steps)
            errors.append(None)
        except Exception as error:  # this run alone has ended
            errors.append(error)
    return errors


def _stacked_optimizer(trainers: Sequence[Trainer]) -> Optimizer:
    """One optimizer of the runs' kind whose state rows are theirs, (R, P)."""
    first = trainers[0].optimizer
    stacked = type(first)(
        (len(trainers), trainers[0].network.params.size), first.hyper, first.dtype
    )
    stacked.t = first.t  # equal in a stack (``batch_key``)
    for name in STATE:
        if hasattr(first, name):
            setattr(stacked, name, np.stack([getattr(t.optimizer, name) for t in trainers]))
    return stacked


def _unstack_state(stacked: Optimizer, optimizer: Optimizer, k: int) -> None:
    optimizer.t = stacked.t
    for name in STATE:
        if hasattr(optimizer, name):
            getattr(optimizer, name)[:] = getattr(stacked, name)[k]


def _epoch(
    first: Trainer,
    params: Array,
    grads: Array,
    optimizer: Optimizer,
    *,
    lr: Array,
    x: Array,
    t: Array,
) -> Array:
    """The mini-batch steps of one epoch over the stacked runs, as ``Trainer._step`` does
    them for one; returns each run's loss on each of its batches, (R, steps)."""
    network, head = first.network, first.head
    activations = network.activations
    layers, grad_layers = network.views(params), network.views(grads)
    layers_t = [layer.transpose(0, 2, 1) for layer in layers]
    weights = [layer[:, :-1] for layer in layers]
    n, batch = t.shape[1], first.batch_size
    losses = []
    for start in range(0, n, batch):
        end = min(start + batch, n)
        inputs, pre, out = stacked_forward(layers_t, activations, x[:, :, start:end])
        miss = np.tanh(out) - t[:, start:end]  # the batch's ½·MSE, as Trainer._step records it
        losses.append(np.einsum("rbo,rbo->r", miss, miss) * (0.5 / (end - start)))
        delta = head.loss_grad(out, t[:, start:end]).transpose(0, 2, 1)
        for k in range(len(layers) - 1, 0, -1):
            np.matmul(inputs[k], delta.transpose(0, 2, 1), out=grad_layers[k])
            below = np.matmul(weights[k], delta)
            below *= activations[k - 1].derivative(
                pre[k - 1], inputs[k][:, :-1], np.empty_like(below)
            )
            delta = below
        np.matmul(inputs[0], delta.transpose(0, 2, 1), out=grad_layers[0])
        optimizer.step(params, grads, lr)  # each run with its own η
    return np.stack(losses, axis=1)
