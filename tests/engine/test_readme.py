"""The README's notebook example runs and does what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_trains_spiral_as_it_says() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    example = next(block for block in blocks if "Trainer" in block)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, str(README), "exec"), {})
    accuracy = float(re.search(r"test accuracy ([\d.]+)%", printed.getvalue()).group(1))  # type: ignore[union-attr]
    assert accuracy >= 95.0
