"""The README's notebook example runs and does what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from engine import ExperimentConfig, Trainer

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_trains_spiral_as_it_says() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    example = next(block for block in blocks if "Trainer" in block)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, str(README), "exec"), {})
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", printed.getvalue()).group(1))  # type: ignore[union-attr]
    assert accuracy >= 95.0


def test_a_trainer_takes_the_config_as_a_dict_too() -> None:
    """``Trainer({...})``, the config's JSON as a notebook has it, was an AttributeError
    ('dict' object has no attribute 'seed'); now it is validated as the config is."""
    raw = {"seed": 3, "data": {"dataset": "xor"}, "training": {"max_epochs": 4}}
    validated = ExperimentConfig.model_validate(raw)
    assert Trainer(validated).config is validated  # a config is taken as it is
    assert Trainer(raw).fit(4) == Trainer(validated).fit(4)
    with pytest.raises(ValidationError) as typo:
        Trainer({"trainig": {}})
    assert typo.value.errors()[0]["loc"] == ("trainig",)
