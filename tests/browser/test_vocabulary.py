"""The page's shared vocabulary is the server's (issue #14, item 2): run statuses, history
columns, the plane's domain, the palette and the shade count come from the options the server
writes into the page (GET /api/options's answer), so
a change there is the page's, and nothing in the page's code can drift from it."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.test_setup import open_page

STATIC = Path(__file__).resolve().parents[2] / "static" / "js"
GREEN, PURPLE = [0, 200, 0], [200, 0, 200]
STROKES = """() => [...document.querySelectorAll('#diagram svg.links path')]
  .map((p) => p.getAttribute('stroke'))"""


def _five_shades() -> list[str]:
    """Grey, half-way and full green and purple (JavaScript's Math.round: halves go up)."""
    grey = [232, 234, 235]
    mixes = [[math.floor(z + (c - z) * t + 0.5) for z, c in zip(grey, far, strict=True)]
             for far in (GREEN, PURPLE) for t in (0.5, 1)]  # fmt: skip
    return [f"rgb({r}, {g}, {b})" for r, g, b in [grey, *mixes]]


def _altered(options: dict[str, Any]) -> dict[str, Any]:
    """The real options, with another vocabulary."""
    vocabulary = options["vocabulary"]
    vocabulary["palette"]["positive"] = GREEN
    vocabulary["palette"]["negative"] = PURPLE
    vocabulary["shades"] = 5  # the links take five colours, no shade between
    vocabulary["domain"] = [-3, 3]
    vocabulary["ended"] = [*vocabulary["ended"], "paused"]  # a paused run counts as ended
    columns = vocabulary["history_columns"]
    i, j = columns.index("train_loss"), columns.index("test_loss")
    columns[i], columns[j] = columns[j], columns[i]  # rows read with the names swapped
    return options


def _carry(page: Page, options: dict[str, Any]) -> None:
    """The page carries ``options`` in place of the server's: its #options element is
    rewritten once the page is parsed, before its modules run (a page fulfilled by a route
    would be another origin to Chromium, whose sockets to loopback it blocks)."""
    text = json.dumps(json.dumps(options))  # a JavaScript string of the JSON
    page.add_init_script(
        f"""document.addEventListener("readystatechange", () => {{
          if (document.readyState !== "interactive") return;
          document.getElementById("options").textContent = {text};
        }})"""
    )


def test_the_page_draws_and_reads_with_the_servers_vocabulary(page: Page, live_server: str) -> None:
    _carry(page, _altered(page.request.get(f"{live_server}/api/options").json()))
    open_page(page, live_server)
    strokes = page.wait_for_function(f"({STROKES})().length > 0 && ({STROKES})()").json_value()
    assert set(strokes) <= set(_five_shades())
    assert len(set(strokes)) > 1
    bar = page.locator(".legend-bar").evaluate("e => getComputedStyle(e).backgroundImage")
    assert "rgb(0, 200, 0)" in bar
    assert "rgb(200, 0, 200)" in bar
    expect(page.locator("#output .axis.x")).to_have_text("−303")
    expect(page.locator("#output .axis.y")).to_have_text("30−3")
    test_loss = page.locator("#test-loss").inner_text()  # from the frame, not the history
    expect(page.locator("#loss-readout")).to_contain_text(f"training {test_loss}")
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_disabled()  # "paused" is ended now


def test_no_module_of_the_page_writes_the_vocabulary_again() -> None:
    """Beside the behavioural test above: the old literals are gone from the page's code."""
    old = [
        r"= \[-6, 6\]",
        r"SHADES = \d",
        r'"succeeded", "failed"',
        r'"train_loss", "test_loss", "train_accuracy"',
        r"245, 147, 34",
        r"#f59322",
        r"#0877bd",
    ]
    for module in [*STATIC.glob("*.js"), STATIC.parent / "css" / "app.css"]:
        text = module.read_text()
        for pattern in old:
            assert not re.search(pattern, text), f"{module.name} writes {pattern} again"


def test_the_pages_buttons_answer_as_soon_as_it_has_loaded(page: Page, live_server: str) -> None:
    """A loaded page's buttons work at once: the page needs no request of its own before its
    controls are made (it once fetched /api/options first, so a click made before the answer
    came, as a student's on a busy server, or a test's, did nothing). Here the options never
    come: the page must not need them."""
    held: list[Route] = []
    page.route("**/api/options", lambda route: held.append(route))  # noqa: PLW0108 (a bound builtin is refused)
    page.goto(live_server)
    page.get_by_role("button", name="Class").click()
    page.get_by_role("button", name="Teaching? Start a class instead").click()
    expect(page.get_by_role("form", name="Start a class")).to_be_visible()
    assert not held, "the page asked for /api/options"
    expect(page.locator("#test-loss")).not_to_have_text("—")
