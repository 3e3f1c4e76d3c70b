"""axe-core (vendored in tests/browser/vendor/axe-core) run on the page under test: its serious
and critical violations, which every browser test's last state and the scenarios of
test_accessibility.py must not have."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
RUN = """async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe-core finds in the page as it is now (the page's context must bypass
    its Content-Security-Policy: axe is added as an inline script)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=_axe_source())
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return found


def blocking(page: Page) -> list[dict[str, Any]]:
    return [v for v in violations(page) if v["impact"] in BLOCKING]


def assert_accessible(page: Page, state: str) -> None:
    found = blocking(page)
    said = "; ".join(f"{v['id']} ({v['impact']}: {v['help']}) at {v['nodes']}" for v in found)
    assert not found, f"axe-core, {state}: {said}"
