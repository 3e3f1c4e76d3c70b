"""Big networks stay smooth and readable (issue #14, item 3): a big layer folds, a frame
restyles only the links that changed, and a layer pair too big to draw is one band."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import wait_for_new_run

BIG = {"network": {"hidden": [64, 64, 64]}}
LINK = "#diagram svg.links path[data-layer]"


def _open(page: Page, live_server: str, config: dict[str, object]) -> None:
    c = base64.urlsafe_b64encode(json.dumps(config).encode()).decode().rstrip("=")
    page.goto(f"{live_server}/#seed=4&c={c}")  # the page's own link format (urlstate.js)
    wait_for_new_run(page)


def test_a_big_layer_folds_and_unfolds(page: Page, live_server: str, artifacts: Path) -> None:
    _open(page, live_server, BIG)
    layer_2 = page.get_by_role("group", name="Layer 2", exact=True)
    expect(layer_2.get_by_role("img")).to_have_count(8)  # of 64: the rest behind a fold tile
    expect(layer_2.get_by_text("64 neurons")).to_be_visible()
    assert page.locator(LINK).count() == 2 * 8 + 8 * 8 + 8 * 8 + 8  # not 8,384
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#epoch")).not_to_have_text("000,000")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    page.screenshot(path=artifacts / "big-net-folded.png")

    unfold = page.get_by_role("button", name="Show all 64 neurons of layer 2")
    expect(unfold).to_have_attribute("aria-expanded", "false")
    unfold.click()
    expect(layer_2.get_by_role("img")).to_have_count(64)
    page.get_by_role("button", name="Show all 64 neurons of layer 3").click()
    band = page.locator("#diagram svg.links path.band")  # 64 × 64 weights: one band
    expect(band).to_have_count(1)
    band.hover()
    expect(page.get_by_role("tooltip")).to_contain_text("4,096 weights")
    layer_2.get_by_role("img", name="Layer 2, neuron 40").scroll_into_view_if_needed()
    page.wait_for_function(  # a neuron scrolled into view is painted
        """() => {
          const canvas = [...document.querySelectorAll('#diagram .neuron')]
            .find((n) => n.getAttribute('aria-label') === 'Layer 2, neuron 40')
            .querySelector('canvas');
          const pixels = canvas.getContext('2d').getImageData(0, 0, 20, 20).data;
          return pixels.some((v, i) => i % 4 === 3 && v > 0);
        }"""
    )
    fold = page.get_by_role("button", name="Fold layer 2")
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.click()
    expect(layer_2.get_by_role("img")).to_have_count(8)


def test_a_frame_restyles_only_the_links_that_changed(page: Page, live_server: str) -> None:
    _open(page, live_server, {"network": {"hidden": [8, 8, 8]}})
    page.evaluate(
        """() => {
          window.restyled = [];
          const keep = (records) => records.forEach((r) => window.restyled.push(r.target));
          new MutationObserver(keep).observe(
            document.querySelector('#diagram svg.links'), { attributes: true, subtree: true });
        }"""
    )
    link = page.locator(LINK).first  # x1 → layer 1, neuron 1
    link.click()
    editor = page.get_by_label("New value")
    editor.fill("3.5")
    editor.press("Enter")  # a new frame: one weight and every picture changed
    page.wait_for_function("window.restyled.length > 0")
    expect(link).to_have_attribute("stroke-width", "7.3")
    restyled = page.evaluate(
        "() => [...new Set(window.restyled)]"
        ".map((p) => [p.dataset.layer, p.dataset.source, p.dataset.target])"
    )
    assert restyled == [["0", "0", "0"]]  # of 152 links, the one whose weight changed
