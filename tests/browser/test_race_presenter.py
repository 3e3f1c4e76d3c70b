"""The race page projected (presenter mode) on a projector's screen, 1280×720 and 1920×1080:
a class's four-lane race, its lanes, loss chart and weight-space view beside the join code,
each apart from the others, nothing past the screen's edges (the page does not scroll), and
the chart's tick labels as large as the rest of the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_presenter import OUTSIDE, apart, tick_text
from tests.browser.test_race import LANES, _all, class_race

BOXES = """() => {
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const boxes = {};
  for (const name of ["race-chart", "race-space", "presenter", "race-summary"]) {
    boxes[name] = box(document.getElementById(name));
  }
  document.querySelectorAll("#race-lanes figure.race-lane").forEach((lane, k) => {
    boxes[`lane${k}`] = box(lane); // its parts apart inside it (the title's words, not its box)
    const title = ".race-lane-title > span:not([aria-hidden])";
    for (const part of [".plot", title, ".race-lane-readout"]) {
      boxes[`lane${k} ${part}`] = box(lane.querySelector(part));
    }
  });
  return boxes;
}"""


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080)])
def test_a_projected_race_fits_the_screen(
    browser: Browser, live_server: str, artifacts: Path, screen: tuple[int, int]
) -> None:
    width, height = screen
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    class_race(page, live_server, "SGD vs momentum vs RMSProp vs Adam")
    expect(page.locator(LANES)).to_have_count(4)
    page.get_by_role("button", name="Present").click()
    expect(page.locator("#presenter svg")).to_be_visible()
    page.get_by_role("button", name="Step one epoch").click()
    _all(page, "Number(l.dataset.epoch) >= 1")
    readable = 24 if width >= 1920 else 18  # the chart repaints at its size in an animation frame
    page.wait_for_function(f"({tick_text('race-chart')})() >= {readable}", timeout=15_000)
    page.screenshot(path=artifacts / f"race-presenter-{width}x{height}.png")
    boxes = page.evaluate(BOXES)
    names = sorted(boxes)
    for k, one in enumerate(names):
        for other in names[k + 1 :]:
            if not other.startswith(one):  # a lane holds its parts
                assert apart(boxes[one], boxes[other]), (one, other, boxes)
    assert page.evaluate(OUTSIDE) == []
    assert page.evaluate("document.documentElement.scrollHeight") <= height  # it does not scroll
    context.close()
