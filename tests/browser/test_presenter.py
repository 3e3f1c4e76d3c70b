"""Presenter mode measured on a projector's screen (1280×720, a common projector, and
1920×1080): the plot, the network's output tile and the readouts apart, everything shown
inside the screen, and the loss chart's tick labels as large as the rest of the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_classroom import start_class

BOXES = """() => {
  const box = (selector) => {
    const r = document.querySelector(selector).getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  return { plot: box("#output"), tile: box(".node.output-node"), readout: box(".readouts"),
           chart: box("#loss-chart"), strip: box("#presenter") };
}"""

OUTSIDE = """() => {
  // every shown element with a box of its own that reaches past the screen's edges
  const [w, h] = [document.documentElement.clientWidth, document.documentElement.clientHeight];
  const out = [];
  for (const node of document.querySelectorAll("body *")) {
    const r = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    if (!r.width || !r.height || style.visibility === "hidden") continue;
    if (node.closest("[hidden]") || (r.width <= 1 && r.height <= 1)) continue; // not shown
    if (r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5) {
      const name = node.id || node.className.baseVal || node.className;
      out.push([node.tagName, name, r.left, r.top, r.right, r.bottom]);
    }
  }
  return out.slice(0, 5);
}"""


# The tick labels' size on screen, in CSS pixels: the chart's canvas font (in its own
# pixels) times the canvas's shown size over its pixel size (a whole number of pixels: to
# a tenth of a pixel).
def tick_text(canvas: str) -> str:
    """The JS of the chart ``canvas``'s tick labels' size on screen, in CSS pixels."""
    return TICK_TEXT.replace("loss-chart", canvas)


TICK_TEXT = """() => {
  const canvas = document.getElementById("loss-chart");
  const size = parseFloat(canvas.getContext("2d").font.match(/([\\d.]+)px/)[1]);
  return Math.round(10 * size * canvas.getBoundingClientRect().width / canvas.width) / 10;
}"""


def apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize("screen", [(1280, 720, "en"), (1920, 1080, "en"), (1280, 720, "ko")])
def test_presenter_mode_fits_the_projector(
    browser: Browser, live_server: str, artifacts: Path, screen: tuple[int, int, str]
) -> None:
    width, height, language = screen
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    start_class(page, live_server)
    expect(page.locator("#test-loss")).not_to_have_text("—")
    page.locator("#language").select_option(language)  # Korean labels are longer
    page.locator("#present-toggle").click()
    expect(page.locator("body")).to_have_class("presenter")
    expect(page.locator("#presenter svg")).to_be_visible()
    page.screenshot(path=artifacts / f"presenter-{width}x{height}-{language}.png")
    boxes = page.evaluate(BOXES)
    for one, other in [("plot", "tile"), ("plot", "readout"), ("tile", "readout")]:
        assert apart(boxes[one], boxes[other]), (one, other, boxes)
    for name in ("plot", "tile", "readout", "chart"):
        assert apart(boxes[name], boxes["strip"]), (name, boxes)
    assert page.evaluate(OUTSIDE) == []
    # the chart repaints at its new size in an animation frame: until its ticks are readable
    page.wait_for_function(f"({TICK_TEXT})() >= 24", timeout=15_000)
    context.close()


STAGE = """() => {
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const one = (selector) => box(document.querySelector(selector));
  const diagram = one("#diagram");
  const labels = [...document.querySelectorAll(".node.feature:not(.off) .node-label")];
  return { network: one(".column.network"), readout: one(".readouts"), chart: one("#loss-chart"),
           plot: one("#output"), cut: labels.filter((l) => box(l).left < diagram.left).length };
}"""


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080)])
def test_a_lesson_and_a_big_network_on_the_projector(
    browser: Browser, live_server: str, artifacts: Path, screen: tuple[int, int]
) -> None:
    """The overfitting lesson projected: its question over the stage, a network of three
    layers of 8 on seven features. The network ran over the readouts, the plot past the
    screen's bottom, and the features' names lost their first letters (₁X₂ for X₁X₂)."""
    width, height = screen
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.add_init_script("localStorage.setItem('nnplayground.intro-seen', '1')")
    page.goto(f"{live_server}/#lesson=overfitting")
    expect(page.locator("#test-loss")).not_to_have_text("—")
    page.locator("#present-toggle").click()
    expect(page.locator("#lesson")).to_be_visible()
    page.screenshot(path=artifacts / f"presenter-lesson-{width}x{height}.png")
    boxes = page.evaluate(STAGE)
    for one, other in [("network", "readout"), ("network", "chart"), ("readout", "chart")]:
        assert apart(boxes[one], boxes[other]), (one, other, boxes)
    for name in ("plot", "readout", "chart"):
        assert boxes[name]["bottom"] <= height + 0.5 and boxes[name]["right"] <= width, boxes
    assert boxes["cut"] == 0, "features' names cut at the diagram's left edge"
    context.close()
