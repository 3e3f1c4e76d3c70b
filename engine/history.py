"""A run's metrics per epoch, columnar and bounded: old points thin out, the curve's shape stays."""

from __future__ import annotations

import math
from array import array

from engine.metrics import Metrics

# New columns go at the end: rows stored with fewer read back with the rest missing.
COLUMNS = (
    "epoch",
    "step",
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "val_loss",
    "val_accuracy",
)
MAX_POINTS = 4096


class History:
    def __init__(self, max_points: int = MAX_POINTS) -> None:
        self.max_points = max_points
        self.columns: dict[str, array[float]] = {name: array("d") for name in COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["epoch"])

    def append(self, metrics: Metrics) -> None:
        for name, column in self.columns.items():
            value = getattr(metrics, name)
            # a missing value, or one that is not a finite number, is recorded as missing:
            # no row ever carries an infinity to the store, the wire or a CSV
            column.append(math.nan if value is None or not math.isfinite(value) else float(value))
        if len(self) > self.max_points:
            self._thin()

    def _thin(self) -> None:
        """Keep every other point of the older half; the recent half stays dense."""
        half = len(self) // 2
        for name, column in self.columns.items():
            self.columns[name] = column[:half:2] + column[half:]

    def rows_after(self, epoch: float) -> list[tuple[int, int, *tuple[float | None, ...]]]:
        """The rows of epochs after ``epoch``, oldest first, in ``COLUMNS`` order (epoch,
        step, train_loss, test_loss, train_accuracy, test_accuracy, val_loss, val_accuracy),
        with None for a missing value."""
        epochs = self.columns["epoch"]
        start = len(epochs)
        while start > 0 and epochs[start - 1] > epoch:
            start -= 1
        steps, values = self.columns["step"], [self.columns[name] for name in COLUMNS[2:]]
        return [
            (int(epochs[i]), int(steps[i]), *(None if math.isnan(c[i]) else c[i] for c in values))
            for i in range(start, len(epochs))
        ]

    def as_lists(self) -> dict[str, list[float | None]]:
        """Columns with NaN as None, ready for JSON."""
        return {
            name: [None if math.isnan(v) else v for v in column]
            for name, column in self.columns.items()
        }
