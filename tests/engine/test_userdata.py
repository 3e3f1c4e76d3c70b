"""A user's own points and CSV: validated row by row, the task read from the labels."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from engine import ExperimentConfig, Trainer
from engine import data_config as config_module
from engine.userdata import (
    MAX_CSV_LINES,
    MAX_LABEL,
    MAX_POINTS,
    UserDataError,
    infer_task,
    parse_csv,
    points_to_dataset,
)

SQUARE = [[-1, -1, 0], [1, 1, 0], [-1, 1, 1], [1, -1, 1], [2, 2, 0], [-2, 2, 1]]


def test_points_with_0_1_labels_become_a_binary_set_in_plus_minus_one() -> None:
    data = points_to_dataset(SQUARE)
    assert data.x.tolist()[0] == [-1.0, -1.0]
    assert data.y.tolist() == [-1, -1, 1, 1, -1, 1]


@pytest.mark.parametrize(
    ("labels", "task"),
    [
        ([1, -1, 1], "binary"),
        ([0, 1, 0], "binary"),
        ([0, 1, 2], "multiclass"),
        ([0.5, 1, 2], "regression"),
        ([0, 1, 20], "regression"),
    ],
)
def test_task_follows_from_the_labels(labels: list[float], task: str) -> None:
    assert infer_task(np.array(labels, dtype=float)) == task


def test_csv_with_a_header_and_blank_lines() -> None:
    data = parse_csv("x1,x2,label\n0.5,1,1\n\n-1,2,-1\n3,-3,1\n-4,4,-1\n")
    assert data.x.shape == (4, 2) and data.y.tolist() == [1, -1, 1, -1]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "x1,x2,label\n1,2,1\n1,abc,1\n1,1,1\n2,2,1",
            "row 3, column 2 (x2): 'abc' is not a number",
        ),
        ("1,2,1\n1,2\n1,1,1\n2,2,1", "row 2: expected 3 values"),
        ("1,2,1\n1,2,nan\n1,1,1\n2,2,1", "row 2, column 3 (label): 'nan' is not finite"),
        ("1,2,1\n9,2,1\n1,1,1\n2,2,1", "row 2, column 1 (x1): 9.0 lies outside [-6, 6]"),
        ("1,2,1\n", "need 4 to"),
        # too few rows, and wrong ones: the wrong row says more than the count (a file of
        # words was "need 4 to 10,000 points, got 2")
        ("a,b,c\nx,y,z\nfoo,bar,baz\n", "row 2, column 1 (x1): 'x' is not a number"),
        ("1,2\n3,4\n", "row 1: expected 3 values"),
    ],
)
def test_bad_csv_says_where(text: str, where: str) -> None:
    with pytest.raises(
        UserDataError, match=where.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        parse_csv(text)


def test_the_first_problem_in_file_order_is_the_one_reported() -> None:
    """Row 3 holds a word and row 7 a short row: row 3 is the first a reader meets."""
    text = "x1,x2,label\n1,2,1\nabc,1,1\n1,1,1\n2,2,1\n-1,-1,-1\n1,2\n0,0,1\n"
    with pytest.raises(UserDataError, match=r"row 3, column 1 \(x1\): 'abc' is not a number"):
        parse_csv(text)
    points = [[1, 2, 1], [1, 9, 1], [1, 1, 1], [2, 2]]
    with pytest.raises(UserDataError, match=r"row 2, column 2 \(x2\): 9.0 lies outside"):
        points_to_dataset(points)


def test_too_many_points_are_refused() -> None:
    with pytest.raises(UserDataError, match="need 4 to"):
        points_to_dataset([[0, 0, 1]] * (MAX_POINTS + 1))


def test_bad_points_are_a_config_error_at_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        ExperimentConfig.model_validate(
            {"data": {"dataset": "points", "points": [[0, 0, 1]] * 3 + [[0, 99, 1]]}}
        )
    assert "row 4, column 2" in str(error.value) and "data" in str(error.value)
    with pytest.raises(ValidationError, match='needs the field "csv"'):
        ExperimentConfig.model_validate({"data": {"dataset": "csv"}})


def test_a_network_learns_drawn_points() -> None:
    points = [[x, y, int(x > 0)] for x in np.linspace(-5, 5, 8) for y in np.linspace(-5, 5, 8)]
    trainer = Trainer(
        ExperimentConfig.model_validate(
            {"seed": 1, "data": {"dataset": "points", "points": points, "train_ratio": 0.75}}
        )
    )
    assert trainer.head.task == "binary"
    assert trainer.fit(100).test_accuracy == 1.0


def test_three_class_csv_trains_a_softmax_head() -> None:
    rows = "\n".join(
        f"{x},{y},{int(x > 0) + int(y > 0)}" for x in range(-5, 6, 2) for y in range(-5, 6, 2)
    )
    trainer = Trainer(
        ExperimentConfig.model_validate({"seed": 1, "data": {"dataset": "csv", "csv": rows}})
    )
    assert (trainer.head.task, trainer.head.output, trainer.head.n_outputs) == (
        "multiclass",
        "softmax",
        3,
    )
    assert trainer.fit(20).confusion is not None


FOUR = [(1, 2, 1), (-1, 2, 0), (1, 1, 1), (2, 2, 0)]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_reads_the_same(newline: str) -> None:
    """A classic Mac or Excel file ends its lines with a lone CR."""
    text = newline.join(",".join(map(str, row)) for row in FOUR) + newline
    data = parse_csv("x1,x2,label" + newline + text)
    assert data.x.tolist() == [[1, 2], [-1, 2], [1, 1], [2, 2]] and data.y.tolist() == [1, -1] * 2


def test_a_byte_order_mark_does_not_cost_the_first_row() -> None:
    text = "\ufeff" + "\n".join(",".join(map(str, row)) for row in FOUR)
    assert len(parse_csv(text)) == 4
    assert len(parse_csv("\ufeffx1,x2,label\n" + text[1:])) == 4


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("1,2,1\n1,2," + "9" * 140_000 + "\n1,1,1\n2,2,1", "row 2: a value is over 131,072"),
        ('1,2,1\n1,1,1\n"2,2,1\n-1,2,1\n', "row 3: unexpected end of data"),
        ("1,2,1\n1,2,1e200\n1,1,1\n2,2,1", "row 2, column 3 (label): 1e+200 is beyond ±1e+06"),
        ("1,2,1\n\n\n1,2,1e999\n1,1,1\n2,2,1", "row 4, column 3 (label): '1e999' is not finite"),
        ("1,2,1\n" * MAX_POINTS + "1,2,1\n", f"row {MAX_POINTS + 1}: the CSV has more than"),
        ("\n" * MAX_CSV_LINES, f"at most {MAX_CSV_LINES:,} are read"),
    ],
)
def test_hostile_csv_is_refused_naming_the_row(text: str, where: str) -> None:
    with pytest.raises(UserDataError) as error:
        parse_csv(text)
    assert where in str(error.value)


def test_an_absurd_label_in_points_names_the_row_and_field() -> None:
    points = [[1, 2, 0.5], [1, 1, 1e200], [2, 2, 0], [3, 3, 1]]
    with pytest.raises(ValidationError, match=r"row 2, column 3 \(label\): 1e\+200"):
        ExperimentConfig.model_validate({"data": {"dataset": "points", "points": points}})
    points[1][2] = MAX_LABEL  # the bound itself trains
    ExperimentConfig.model_validate({"data": {"dataset": "points", "points": points}})


def test_a_stored_config_parses_its_csv_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "\n".join(f"{x},{y},{int(x > y)}" for x in range(-5, 6) for y in range(-5, 6))
    text = ExperimentConfig.model_validate(
        {"seed": 1, "data": {"dataset": "csv", "csv": rows}}
    ).model_dump_json()
    calls: list[str] = []
    monkeypatch.setattr(config_module, "parse_csv", lambda t: calls.append(t) or parse_csv(t))
    stored = ExperimentConfig.from_stored(text)
    assert calls == [] and stored.data.csv == rows
    assert stored.n_parameters() == ExperimentConfig.model_validate_json(text).n_parameters()
    assert len(calls) == 2  # once for the stored config when asked, once for the full check
