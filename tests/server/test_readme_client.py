"""The README's client example runs against a real server and prints what it says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from server.settings import Settings
from tests.conftest import serve_in_thread

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_client_example() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    example = next(block for block in blocks if "Client(" in block)
    with serve_in_thread(Settings(workers=0)) as url:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(example.replace("http://127.0.0.1:8000", url), "README", "exec"), {})
    status_line, labels_line = printed.getvalue().splitlines()
    status, loss = status_line.split()
    assert status == "succeeded" and 0 < float(loss) < 1
    assert re.fullmatch(r"\[(-?1\.0), (-?1\.0)\]", labels_line)
