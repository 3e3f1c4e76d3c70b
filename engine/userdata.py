"""A user's own data: points ``[[x1, x2, label], ...]`` or CSV text with the same columns.

Bad rows are reported with their row and column; nothing non-finite gets through. The task
follows from the labels: ±1 or 0/1 is binary, whole numbers 0..K−1 (K ≥ 3) multi-class,
anything else regression.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence

import numpy as np

from engine.datasets import DOMAIN, Dataset

MAX_POINTS = 10_000
MAX_CSV_CHARS = 1_000_000
MAX_CLASSES = 10
MIN_POINTS = 4
COLUMNS = ("x1", "x2", "label")


class UserDataError(ValueError):
    """A row or column of user data is unusable; the message says where and why."""


def _cell(value: object, row: int, column: int) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UserDataError(
            f"row {row}, column {column} ({COLUMNS[column - 1]}): {value!r} is not a number"
        ) from None
    if not math.isfinite(number):
        raise UserDataError(
            f"row {row}, column {column} ({COLUMNS[column - 1]}): {value!r} is not finite"
        )
    if column < 3 and not DOMAIN[0] <= number <= DOMAIN[1]:
        raise UserDataError(
            f"row {row}, column {column} ({COLUMNS[column - 1]}): {number} lies outside [-6, 6]"
        )
    return number


def points_to_dataset(rows: Sequence[Sequence[object]], first_row: int = 1) -> Dataset:
    """Rows of (x1, x2, label) -> a Dataset; labels keep the task's convention (±1 for binary)."""
    if not MIN_POINTS <= len(rows) <= MAX_POINTS:
        raise UserDataError(f"need {MIN_POINTS} to {MAX_POINTS} points, got {len(rows)}")
    table = np.empty((len(rows), 3))
    for i, row in enumerate(rows):
        if len(row) != 3:
            raise UserDataError(
                f"row {i + first_row}: expected 3 values (x1, x2, label), got {len(row)}"
            )
        table[i] = [_cell(value, i + first_row, j + 1) for j, value in enumerate(row)]
    labels = table[:, 2]
    if infer_task(labels) == "binary":
        labels = np.where(labels > 0, 1.0, -1.0)  # 0/1 -> ±1
    return Dataset(table[:, :2].copy(), labels)


def parse_csv(text: str) -> Dataset:
    """CSV with columns x1, x2, label; a first row that is not numeric is taken as a header."""
    if len(text) > MAX_CSV_CHARS:
        raise UserDataError(f"the CSV is over {MAX_CSV_CHARS:,} characters")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    first_row = 1
    if rows and not _numeric(rows[0][0]):
        rows, first_row = rows[1:], 2
    return points_to_dataset(rows, first_row)


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def infer_task(labels: np.ndarray) -> str:
    values = set(np.unique(labels).tolist())
    if values <= {-1.0, 1.0} or values <= {0.0, 1.0}:
        return "binary"
    whole = all(v == int(v) for v in values)
    if whole and values <= set(range(MAX_CLASSES)) and len(values) >= 3:
        return "multiclass"
    return "regression"


def n_classes(labels: np.ndarray) -> int:
    return int(labels.max()) + 1
