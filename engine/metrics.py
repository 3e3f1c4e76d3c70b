"""Evaluation of a run at an epoch: losses, accuracy and confusion, RMSE and R², norms."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.data import Prepared
    from engine.heads import Head
    from engine.network import Network

Array = np.ndarray


@dataclass(frozen=True)
class Metrics:
    epoch: int
    step: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None = None  # classification
    test_accuracy: float | None = None
    confusion: list[list[int]] | None = None  # test set, rows = true class, cols = predicted
    train_rmse: float | None = None  # regression
    test_rmse: float | None = None
    test_r2: float | None = None
    weight_norms: tuple[float, ...] = ()  # per layer, Frobenius
    grad_norms: tuple[float, ...] = ()  # per layer, of the last step's gradient
    val_loss: float | None = None  # when the config holds out a validation set
    val_accuracy: float | None = None  # ditto, classification
    forward_passes: int = 0  # examples sent forward to train so far (``Trainer.forward_passes``)

    def as_dict(self) -> dict[str, object]:
        """A shallow dict (``dataclasses.asdict`` deep-copies: 10× slower, same JSON)."""
        return {name: getattr(self, name) for name in FIELDS}


FIELDS = tuple(f.name for f in fields(Metrics))


def redated(metrics: Metrics, epoch: int, step: int, forward_passes: int) -> Metrics:
    """``metrics`` at a later epoch, step and count: what ``dataclasses.replace`` makes,
    without its field-by-field ``__init__`` (a generation that keeps its best member redates
    the last metrics: ~1 µs, not ~4)."""
    later = object.__new__(Metrics)
    vars(later).update(vars(metrics), epoch=epoch, step=step, forward_passes=forward_passes)
    return later


def layer_norms(matrices: list[Array]) -> tuple[float, ...]:
    """Frobenius norm of each matrix."""
    return tuple(np.sqrt([float(np.vdot(m, m)) for m in matrices]).tolist())


def with_norms(metrics: Metrics, network: Network) -> Metrics:
    """``metrics`` plus the per-layer Frobenius norms of the weights and of the last step's
    weight gradients."""
    return replace(
        metrics,
        weight_norms=layer_norms(network.weights),
        grad_norms=layer_norms(network.grad_weights),
    )


def accuracy(labels: Array, predicted: Array) -> float | None:
    return float(np.mean(labels == predicted)) if len(labels) else None


def confusion_matrix(labels: Array, predicted: Array, classes: Array) -> list[list[int]]:
    """(K, K) counts, rows = true class, columns = predicted class, in ``classes`` order."""
    k = len(classes)
    true_index, guess_index = np.searchsorted(classes, labels), np.searchsorted(classes, predicted)
    counts = np.bincount(true_index * k + guess_index, minlength=k * k).reshape(k, k)
    out: list[list[int]] = counts.tolist()
    return out


def rmse(targets: Array, predicted: Array) -> float | None:
    return float(np.sqrt(np.mean((predicted - targets) ** 2))) if len(targets) else None


def r2(targets: Array, predicted: Array) -> float | None:
    """1 − SS_res / SS_tot; None when the targets do not vary."""
    total = float(np.sum((targets - targets.mean()) ** 2)) if len(targets) else 0.0
    if total == 0.0:
        return None
    return 1.0 - float(np.sum((targets - predicted) ** 2)) / total


def evaluate(
    data: Prepared,
    network: Network,
    head: Head,
    epoch: int,
    step: int,
    *,
    detail: bool = True,
    forward_passes: int = 0,
) -> Metrics:
    """The task's metrics on the train, test and validation sets (no dropout, no penalty).
    ``detail`` adds the per-layer weight and gradient norms."""
    # all sets in one float32 pass (4× cheaper activations; read-outs need no more)
    z = network.forward(data.all_x_aug, augmented=True).output
    metrics = metrics_of(z, data, head, epoch, step, forward_passes)
    return with_norms(metrics, network) if detail else metrics


def metrics_of(  # noqa: PLR0917
    z: Array, data: Prepared, head: Head, epoch: int, step: int, forward_passes: int = 0
) -> Metrics:
    """``evaluate``'s metrics from the network's outputs ``z`` (all sets, as ``all_x_aug``)."""
    z = z.astype(data.train_t.dtype)
    n_train, n_test = len(data.train_t), len(data.test_t)
    a = head.activate(z)
    cut = n_train + n_test
    train_z, test_z, train_a, test_a = z[:n_train], z[n_train:cut], a[:n_train], a[n_train:cut]
    common: dict[str, object] = {
        "epoch": epoch,
        "step": step,
        "forward_passes": forward_passes,
        "train_loss": head.loss_value(train_z, train_a, data.train_t),
        "test_loss": head.loss_value(test_z, test_a, data.test_t) if len(test_z) else math.nan,
    }
    train_y, test_y = data.split.train.y, data.split.test.y
    if head.task == "regression":
        metrics = Metrics(
            **common,  # type: ignore[arg-type]
            train_rmse=rmse(train_y, train_a[:, 0]),
            test_rmse=rmse(test_y, test_a[:, 0]),
            test_r2=r2(test_y, test_a[:, 0]),
        )
    else:
        multiclass = head.task == "multiclass"
        classes = np.arange(head.n_outputs, dtype=float) if multiclass else np.array([-1.0, 1.0])
        test_pred = head.labels(test_a)
        metrics = Metrics(
            **common,  # type: ignore[arg-type]
            train_accuracy=accuracy(train_y, head.labels(train_a)),
            test_accuracy=accuracy(test_y, test_pred),
            confusion=confusion_matrix(test_y, test_pred, classes),
        )
    if data.val_t is not None and data.split.validation is not None and len(data.val_t):
        val_z, val_a = z[cut:], a[cut:]
        val_accuracy = None
        if head.task != "regression":
            val_accuracy = accuracy(data.split.validation.y, head.labels(val_a))
        metrics = replace(
            metrics,
            val_loss=head.loss_value(val_z, val_a, data.val_t),
            val_accuracy=val_accuracy,
        )
    return metrics
