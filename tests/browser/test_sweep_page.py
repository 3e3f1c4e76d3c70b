"""The sweep page: the trials' table sorts, the heatmap shows the metric over two fields,
parallel coordinates draw every trial, and a trial opens in the playground."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.a11y import assert_accessible

SPEC = {
    "config": {
        "data": {"dataset": "spiral", "n_samples": 200},
        "network": {"hidden": [8, 8]},
        "training": {"optimizer": "adam", "max_epochs": 60},
    },
    "grid": {"training.learning_rate": [0.001, 0.01, 0.1], "training.batch_size": [10, 25, 100]},
    "seeds": 2,
    "name": "spiral rates",
}


def finished_sweep(live_server: str) -> dict[str, Any]:
    with httpx.Client(base_url=live_server, timeout=30) as http:
        sweep: dict[str, Any] = http.post("/api/sweeps", json=SPEC).json()
        deadline = time.monotonic() + 120
        while http.get(f"/api/sweeps/{sweep['id']}").json()["status"] != "finished":
            assert time.monotonic() < deadline, "the sweep did not finish"
            time.sleep(0.1)
    return sweep


def test_the_sweep_page_shows_the_heatmap_table_and_lines(
    page: Page, live_server: str, artifacts: Path
) -> None:
    sweep = finished_sweep(live_server)
    page.goto(f"{live_server}/sweeps/{sweep['id']}?lang=en")
    expect(page.locator("#sweep-summary")).to_contain_text("18 of 18 trials ended")
    heatmap = page.get_by_role("group", name="The metric over two swept fields")
    expect(heatmap.get_by_role("cell")).to_have_count(9)  # 3 rates × 3 batch sizes
    expect(heatmap.get_by_role("columnheader").nth(1)).to_have_text("0.001")
    expect(heatmap.get_by_role("row")).to_have_count(4)  # the rates' header, then a row a size
    assert_accessible(page, "the sweep page")  # here too, not only where the test ends
    expect(page.locator("#parallel polyline")).to_have_count(18)
    trials = page.get_by_role("table", name="Trials")
    expect(trials.locator("tbody tr")).to_have_count(18)
    first = trials.locator("tbody tr").first
    expect(first).to_have_class("best")  # ranked by test loss, lowest first
    assert tick_labels_clear_of_lines(page), "a trial's line crosses an axis's tick label"
    page.locator("#trials").screenshot(path=str(artifacts / "sweep-table.png"))
    page.screenshot(path=str(artifacts / "sweep-page.png"), full_page=True)
    page.get_by_role("button", name="Sort by Epoch").click()
    page.get_by_role("button", name="Sort by training.batch_size").click()
    expect(trials.locator("tbody tr").first.locator("td").nth(2)).to_have_text("10")
    page.get_by_role("button", name="Sort by training.batch_size").click()
    expect(trials.locator("tbody tr").first.locator("td").nth(2)).to_have_text("100")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the page fits its width
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Open trial 0 in the playground").click()
    page.wait_for_url(f"{live_server}/#seed=0*")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.001")


# Each tick label of the parallel coordinates is readable: left of the first axis (where no
# line runs), or on a card that covers it (a line through "0.1" made it read "0:1").
CLEAR = """() => {
  const axes = [...document.querySelectorAll("#parallel line.axis")]
    .map((l) => +l.getAttribute("x1"));
  const cards = [...document.querySelectorAll("#parallel rect.axis-card")].map((r) => r.getBBox());
  return [...document.querySelectorAll("#parallel text.axis-tick")].every((label) => {
    const box = label.getBBox();
    if (box.x + box.width < axes[0]) return true;
    return cards.some((c) => c.x <= box.x && c.y <= box.y && c.x + c.width >= box.x + box.width
      && c.y + c.height >= box.y + box.height);
  });
}"""


def tick_labels_clear_of_lines(page: Page) -> bool:
    return bool(page.evaluate(CLEAR))
