"""Write docs/messages.md: every code the engine and the server say things with, and its English
template, read from the catalogs themselves (``engine.messages.ENGINE``,
``server.messages.SERVER``).

Run after adding or changing a message (tests/server/test_docs.py checks the file is current):
    .venv/bin/python scripts/messages_doc.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.messages import ENGINE, Catalog  # noqa: E402
from server.messages import SERVER  # noqa: E402

OUT = ROOT / "docs" / "messages.md"
HEAD = """# Messages

<!-- Written by scripts/messages_doc.py from the catalogs; edit those, then run it. -->

What the engine and the server say to a person is a *message*: a code, its English template
and its parameters ([api.md](api.md), *Conventions*). A refusal carries `code` and `params`
beside its `detail`; a field error's `type` is its code; a run's error is `error_code`; a
socket's `error` and `notice` carry `code` and `params`. A `{name}` in a template is a
parameter (`{name:,}`: a number with thousands separators), and a parameter may itself be a
message (its code and parameters), such as `{what}` in `diverged.rate_high`. The page renders
each code in the student's language (`static/js/lang/ko.js` has a Korean template for each).
"""


def table(title: str, where: str, catalog: Catalog) -> str:
    rows = [f"| `{code}` | {_cell(text)} |" for code, text in sorted(catalog.templates.items())]
    head = [f"## {title}", "", where, "", "| code | English template |", "|---|---|"]
    return "\n".join([*head, *rows]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    engine = table(
        "The engine's", "Training, data and the teaching views (`engine/messages.py`).", ENGINE
    )
    server = table(
        "The server's", "Runs, limits, classes, races and sockets (`server/messages.py`).", SERVER
    )
    return "\n".join([HEAD, engine, server])


def main() -> None:
    OUT.write_text(render())
    print(f"wrote {OUT.relative_to(ROOT)}: {len(ENGINE.templates) + len(SERVER.templates)} codes")


if __name__ == "__main__":
    main()
