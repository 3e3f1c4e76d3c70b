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
    "forward_passes",
)
COUNTS = ("epoch", "step", "forward_passes")  # whole numbers: ints on the wire
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

    def rows_after(self, epoch: float) -> list[tuple[int | float | None, ...]]:
        """The rows of epochs after ``epoch``, oldest first, in ``COLUMNS`` order (epoch,
        step, train_loss, test_loss, train_accuracy, test_accuracy, val_loss, val_accuracy,
        forward_passes), with None for a missing value and the ``COUNTS`` as ints."""
        epochs = self.columns["epoch"]
        start = len(epochs)
        while start > 0 and epochs[start - 1] > epoch:
            start -= 1
        columns = [self.columns[name] for name in COLUMNS]
        return [row_of([c[i] for c in columns]) for i in range(start, len(epochs))]

    def as_lists(self) -> dict[str, list[int | float | None]]:
        """Columns with NaN as None and the ``COUNTS`` as ints, ready for JSON."""
        return {
            name: [None if math.isnan(v) else int(v) if name in COUNTS else v for v in column]
            for name, column in self.columns.items()
        }


def row_of(values: list[float]) -> tuple[int | float | None, ...]:
    """One row of ``COLUMNS`` values as sent and stored: NaN as None, the ``COUNTS`` as ints."""
    return tuple(
        None if math.isnan(v) else int(v) if name in COUNTS else v
        for name, v in zip(COLUMNS, values, strict=True)
    )
