"""docs/ says what the code does: every route, status, websocket message, module and setting
the code has is documented, nothing documented is missing from the code, and no file points
at documents outside the repository."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from server import protocol as p
from server.app import create_app
from server.clients import Bucket
from server.delivery import Delivery, Requests
from server.run import Run
from server.schemas import AnyClientMessage, RunCreate
from server.settings import Settings
from server.store import Store
from server.viewers import Viewer
from tests.conftest import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# documents that lived outside the repository (spelled apart: this file mentions none)
GONE = tuple(
    "".join(parts)
    for parts in (
        ("../", "shared"),
        ("DESIGN", ".md"),
        ("API", ".md"),
        ("STYLE", ".md"),
        ("CURRICULUM", ".md"),
        ("REFERENCE", "-tf"),
    )
)
ROUTE_HEADING = re.compile(r"^### `([A-Z]+) (/\S*)`$", re.M)
MODULE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.(?:py|js))\b")
SETTING = re.compile(r"NNPG_[A-Z][A-Z0-9_]*")


def doc(name: str) -> str:
    return (DOCS / name).read_text()


def table_names(text: str) -> set[str]:
    """The first cells of the text's table rows: ``| `name` | …``."""
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.M))


def sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


# -- (a) every route, and every status it declares --------------------------------------


def openapi_operations() -> dict[str, set[str]]:
    schema: dict[str, Any] = create_app(Settings(database=":memory:")).openapi()
    return {
        f"{method.upper()} {path}": set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def route_sections(text: str) -> dict[str, str]:
    """Each ``### `METHOD /path``` heading of api.md and the text up to the next heading."""
    parts = ROUTE_HEADING.split(text)
    return {
        f"{method} {path}": body.split("\n#", 1)[0]
        for method, path, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)
    }


def test_api_md_has_a_section_for_every_route_and_no_other() -> None:
    documented, operations = route_sections(doc("api.md")), openapi_operations()
    assert sorted(set(operations) - set(documented)) == [], "routes missing from api.md"
    assert sorted(set(documented) - set(operations)) == [], "api.md has routes the app has not"


def test_each_route_section_names_every_status_the_route_declares() -> None:
    documented = route_sections(doc("api.md"))
    missing = {
        operation: sorted(code for code in codes if f"`{code}`" not in documented[operation])
        for operation, codes in openapi_operations().items()
    }
    assert {op: codes for op, codes in missing.items() if codes} == {}


# -- (b) every websocket message, both ways ---------------------------------------------


def client_messages() -> dict[str, set[str]]:
    """The client messages' fields by type, from the one union the server validates them
    with (a type of several models, one per ``kind`` as ``inspect``: all their fields)."""
    models: tuple[type[BaseModel], ...] = get_args(AnyClientMessage)
    fields: dict[str, set[str]] = {}
    for model in models:
        kind = get_args(model.model_fields["type"].annotation)[0]
        fields.setdefault(kind, set()).update(model.model_fields)
    return fields


def _strings(node: ast.expr) -> set[str] | None:
    """The string constants an expression can be (None: it is not spelled out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return None if body is None or orelse is None else body | orelse
    return None


def server_message_types() -> set[str]:
    """Every ``"type"`` the server puts in a message: each dict in server/ with a "type" key,
    but ASGI events (``http.…``, ``websocket.…``) and validation errors (they have "loc")."""
    found: set[str] = set()
    for path in sources("server"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Dict):
                continue
            keys = {
                k.value: v
                for k, v in zip(node.keys, node.values, strict=True)
                if k and isinstance(k, ast.Constant)
            }
            if "type" not in keys or "loc" in keys:
                continue
            types = _strings(keys["type"])
            assert types is not None, f"{path.name}:{node.lineno}: spell the message type out"
            found |= {kind for kind in types if "." not in kind}
    return found


def test_protocol_md_has_a_row_for_every_message_the_server_sends() -> None:
    sent = server_message_types()
    assert {"frame", "features", "status", "error"} <= sent  # the scan itself works
    assert sorted(sent - table_names(doc("protocol.md"))) == []


def test_protocol_md_has_a_row_for_every_client_message_and_names_its_fields() -> None:
    text, rows = doc("protocol.md"), table_names(doc("protocol.md"))
    messages = client_messages()
    assert {"view", "step", "set", "weight", "inspect"} <= set(messages)
    assert {"kind", "point", "layer", "on", "example"} <= messages["inspect"]
    assert sorted(set(messages) - rows) == []
    unnamed = {
        kind: sorted(name for name in fields if name != "type" and f"`{name}`" not in text)
        for kind, fields in messages.items()
    }
    assert {kind: names for kind, names in unnamed.items() if names} == {}


def test_a_worker_notice_reaches_every_viewer_as_documented() -> None:
    """The one message type the scan reads off a conditional: both of its branches."""
    run = Run(id="r", token_hash="", share_code="ABCDEF", body=RunCreate(), worker=0)
    viewers = [Viewer(can_control=k == 0, bucket=Bucket(1.0, 1.0)) for k in range(2)]
    run.viewers.update(viewers)
    deliver = Delivery({"r": run}, Store(":memory:"), Requests(), lambda run, status: None)
    deliver([p.Notice("r", "stopped", error=False), p.Notice("r", "no such layer")])

    async def drain(viewer: Viewer) -> list[Any]:
        return [json.loads(await viewer.next()) for _ in range(2)]  # type: ignore[arg-type]

    for viewer in viewers:
        # on a thread of its own: a browser test may leave this thread's loop running
        with ThreadPoolExecutor(1) as thread:
            sent = thread.submit(asyncio.run, drain(viewer)).result()
        assert sent == [
            {"type": "notice", "message": "stopped"},
            {"type": "error", "message": "no such layer"},
        ]


# -- (c) every module named exists, and every server module is named --------------------


def test_every_module_architecture_md_names_exists() -> None:
    named = set(MODULE.findall(doc("architecture.md")))
    tracked = {
        path.relative_to(ROOT).as_posix()
        for folder in (
            *("engine", "server", "nnplayground", "static", "tests", "scripts", "bench"),
            "examples",
        )
        for path in (ROOT / folder).rglob("*.*")
    }
    basenames = {Path(path).name for path in tracked}
    missing = [n for n in sorted(named) if n not in (tracked if "/" in n else basenames)]
    assert len(named) > 30 and missing == []


def test_architecture_md_names_every_server_module() -> None:
    named = set(MODULE.findall(doc("architecture.md")))
    modules = [p.relative_to(ROOT).as_posix() for p in sources("server")]
    unnamed = [m for m in modules if not m.endswith("__init__.py") and m not in named]
    assert unnamed == []


def test_the_engine_never_imports_the_server() -> None:
    for path in sources("engine"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "server"], path.name


# -- (d) no pointer out of the repository -----------------------------------------------


def test_no_tracked_file_points_at_documents_outside_the_repository() -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for name in listed.stdout.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{name}: {gone}" for gone in GONE if gone in text]
    assert found == []


# -- (e) every setting ------------------------------------------------------------------


def test_api_md_documents_every_setting_and_no_other() -> None:
    prefix = Settings.model_config.get("env_prefix", "")
    settings = {prefix + name.upper() for name in Settings.model_fields}
    for path in [*sources("server"), *sources("nnplayground")]:
        settings |= set(SETTING.findall(path.read_text()))
    documented = {name for name in table_names(doc("api.md")) if name.startswith("NNPG_")}
    assert sorted(settings - documented) == [], "settings missing from api.md's table"
    assert sorted(documented - settings) == [], "api.md documents settings that do not exist"


# -- the examples run --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["api.md", "protocol.md"])
def test_the_python_example_runs(name: str) -> None:
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", doc(name), re.S) if "Client(" in b]
    with serve_in_thread(Settings(workers=0)) as url:
        code = example.replace("127.0.0.1:8000", url.removeprefix("http://"))
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            exec(compile(code, name, "exec"), {})
    assert printed.getvalue()


# -- (f) every message code -------------------------------------------------------------


def test_messages_md_lists_every_code_as_the_catalogs_say_it() -> None:
    """docs/messages.md is written from the catalogs (scripts/messages_doc.py): a code added or
    changed there without running it leaves the document behind."""
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location("messages_doc", ROOT / "scripts/messages_doc.py")
    assert spec is not None and spec.loader is not None
    writer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(writer)
    assert (ROOT / "docs/messages.md").read_text() == writer.render(), (
        "run: .venv/bin/python scripts/messages_doc.py"
    )
