"""A user's own data: points ``[[x1, x2, label], ...]`` or CSV text with the same columns.

Bad rows are reported with their row and column; nothing non-finite or absurd gets through:
x1 and x2 lie in the [-6, 6]² domain and a label within ±``MAX_LABEL`` (a regression target
of 1e200 cannot train; one of a million still shows as a surface). The task follows from the
labels: ±1 or 0/1 is binary, whole numbers 0..K−1 (K ≥ 3) multi-class, anything else
regression.

The CSV is read in one bounded pass: any line ending (``\\n``, ``\\r\\n``, a classic Mac's
``\\r``), a byte-order mark, at most ``MAX_CSV_LINES`` lines, and reading stops at the first
row past ``MAX_POINTS``; every problem is a ``UserDataError`` naming the row (its line in the
file).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence

import numpy as np

from engine.datasets import DOMAIN, Dataset
from engine.messages import ENGINE

MAX_POINTS = 10_000
MAX_CSV_CHARS = 1_000_000
MAX_CSV_LINES = 3 * MAX_POINTS  # rows, a header and blank lines between them
MAX_LABEL = 1e6
MAX_CLASSES = 10
MIN_POINTS = 4
COLUMNS = ("x1", "x2", "label")


class UserDataError(ValueError):
    """A row or column of user data is unusable; the message says where and why."""


def _bad_cell(code: str, row: int, column: int, value: str | float, **more: float) -> UserDataError:
    """A cell's problem, naming its row, column and the column's name."""
    name = COLUMNS[column - 1]
    return UserDataError(ENGINE.say(code, row=row, column=column, name=name, value=value, **more))


def _cell(value: object, row: int, column: int) -> float:
    """One value, checked: a number, finite, and in its column's range."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise _bad_cell("cell.not_number", row, column, repr(value)) from None
    if not math.isfinite(number):
        raise _bad_cell("cell.not_finite", row, column, repr(value))
    if column < 3 and not DOMAIN[0] <= number <= DOMAIN[1]:
        raise _bad_cell("cell.outside", row, column, number)
    if column == 3 and abs(number) > MAX_LABEL:
        raise _bad_cell("cell.beyond", row, column, number, limit=MAX_LABEL)
    return number


def points_to_dataset(
    rows: Sequence[Sequence[object]], row_numbers: Sequence[int] | None = None
) -> Dataset:
    """Rows of (x1, x2, label) -> a Dataset; labels keep the task's convention (±1 for
    binary). ``row_numbers`` name the rows in messages (default: 1, 2, …)."""
    count = ENGINE.say("points.count", low=MIN_POINTS, high=MAX_POINTS, count=len(rows))
    if len(rows) > MAX_POINTS:
        raise UserDataError(count)
    numbers = row_numbers or range(1, len(rows) + 1)
    table = _table(rows)
    bad = np.flatnonzero(~_in_range(table)).tolist() if table is not None else range(len(rows))
    for k in bad:  # the slow path, only on a problem: the first in file order, row and column
        _check_row(rows[k], numbers[k])
    if len(rows) < MIN_POINTS:  # after the rows: a wrong row says more than their count
        raise UserDataError(count)
    assert table is not None
    labels = table[:, 2]
    if infer_task(labels) == "binary":
        labels = np.where(labels > 0, 1.0, -1.0)  # 0/1 -> ±1
    return Dataset(table[:, :2].copy(), labels.copy())


def _check_row(row: Sequence[object], number: int) -> None:
    """One row, checked whole: three values first, then each value in its column."""
    if len(row) != 3:
        raise UserDataError(ENGINE.say("points.width", row=number, count=len(row)))
    for column, value in enumerate(row, start=1):
        _cell(value, number, column)


def _table(rows: Sequence[Sequence[object]]) -> np.ndarray | None:
    """The rows as an (n, 3) float array in one vectorised step (NumPy reads a string as
    ``float`` does); None if a value is not a number or a row not three values."""
    try:
        table: np.ndarray = np.asarray(rows, dtype=np.float64).reshape(len(rows), 3)
    except (TypeError, ValueError, OverflowError):
        return None
    return table


def _in_range(table: np.ndarray) -> np.ndarray:
    finite = np.isfinite(table).all(axis=1)
    inside = (np.abs(table[:, :2]) <= DOMAIN[1]).all(axis=1)
    ok: np.ndarray = finite & inside & (np.abs(table[:, 2]) <= MAX_LABEL)
    return ok


def parse_csv(text: str) -> Dataset:
    """CSV with columns x1, x2, label; a first row that is not numeric is taken as a header."""
    if len(text) > MAX_CSV_CHARS:
        raise UserDataError(ENGINE.say("csv.too_long", limit=MAX_CSV_CHARS))
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.count("\n") + 1
    if lines > MAX_CSV_LINES:
        raise UserDataError(ENGINE.say("csv.too_many_lines", count=lines, limit=MAX_CSV_LINES))
    rows: list[list[str]] = []
    numbers: list[int] = []
    first = True
    for number, row in _rows(text):
        if first and not _numeric(row[0]):
            first = False
            continue  # a header
        first = False
        rows.append(row)
        numbers.append(number)
        if len(rows) > MAX_POINTS:
            raise UserDataError(ENGINE.say("csv.too_many_points", row=number, limit=MAX_POINTS))
    return points_to_dataset(rows, numbers)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV's non-blank rows with their line numbers; a malformed one names its line."""
    reader = csv.reader(io.StringIO(text), strict=True)
    while True:
        line = reader.line_num + 1  # where the next row starts (a quoted value may span lines)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                limit = csv.field_size_limit()
                said = ENGINE.say("csv.value_too_long", row=line, limit=limit)
                raise UserDataError(said) from None
            raise UserDataError(ENGINE.say("csv.malformed", row=line, error=str(error))) from None
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


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
