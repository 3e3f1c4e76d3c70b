"""One evaluation of a run: losses and accuracies at an epoch."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Metrics:
    epoch: int
    step: int
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)
