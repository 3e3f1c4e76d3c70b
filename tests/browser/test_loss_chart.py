"""The loss chart (issue #13): axes, a readout by mouse and keys, per-step losses, the
validation line, live changes marked, and the batches an epoch under the batch size."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import EPOCH, wait_for_new_run

CHART = "#loss-chart"


def setup_url(live_server: str, config: dict[str, object], seed: int = 1) -> str:
    """The page's own setup link: #seed=…&c=<the config's differences, base64url JSON>."""
    text = base64.urlsafe_b64encode(json.dumps(config).encode()).decode().rstrip("=")
    return f"{live_server}/#seed={seed}&c={text}"


def data(page: Page, name: str) -> str:
    return page.locator(CHART).get_attribute(f"data-{name}") or ""


def cursor(page: Page) -> int:
    """The epoch (or step) the readout shows, once the chart has painted it."""
    page.wait_for_function("document.querySelector('#loss-chart').dataset.cursor")
    return int(data(page, "cursor"))


def train(page: Page, epochs: int) -> None:
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= {epochs}")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_enabled()


def test_the_chart_has_axes_a_readout_and_a_per_step_view(
    page: Page, live_server: str, artifacts: Path
) -> None:
    page.goto(setup_url(live_server, {"data": {"validation_ratio": 0.2}}))
    wait_for_new_run(page)
    # 500 points, half to train, a fifth of those to validate: 200 train, 20 batches of 10
    expect(page.locator("#batch-info")).to_have_text("200 training points · 20 batches an epoch")
    chart = page.locator(CHART)
    box = chart.bounding_box()
    assert box is not None and box["height"] >= 160
    train(page, 12)
    expect(chart).to_have_attribute("data-series", "train_loss val_loss test_loss")
    assert data(page, "x-label") == "epoch" and data(page, "x-ticks") and data(page, "y-ticks")
    label = chart.get_attribute("aria-label") or ""
    assert label.startswith("Loss per epoch. epoch ") and "validation" in label
    epochs = int(data(page, "points"))
    assert epochs >= 13

    chart.hover(position={"x": 60, "y": 80})  # near the left: an early epoch
    readout = page.locator("#loss-readout")
    expect(readout).to_contain_text("training")
    early = readout.inner_text()
    assert cursor(page) < epochs // 2
    chart.hover(position={"x": box["width"] - 15, "y": 80})
    expect(readout).not_to_have_text(early)
    page.mouse.move(0, 0)

    chart.focus()  # the keyboard: the cursor starts at the newest epoch, arrows move it
    newest = cursor(page)
    chart.press("ArrowLeft")
    chart.press("ArrowLeft")
    expect(chart).to_have_attribute("data-cursor", str(newest - 2))
    expect(readout).to_contain_text(f"epoch {newest - 2} ·")
    chart.press("Home")
    expect(chart).to_have_attribute("data-cursor", "0")
    chart.press("Escape")

    page.get_by_label("Per step").check()  # the run keeps every mini-batch's loss from now
    expect(chart).to_have_attribute("data-mode", "step")
    assert data(page, "x-label") == "step"
    train(page, 2 * epochs)
    assert int(data(page, "points")) > epochs  # every mini-batch, not every epoch
    assert data(page, "series").startswith("batch ")
    page.locator("#loss-readout").scroll_into_view_if_needed()
    chart.screenshot(path=artifacts / "loss-chart-per-step.png")
    page.get_by_label("Log scale").check()
    page.locator("section.output").screenshot(path=artifacts / "loss-chart-per-step-log.png")
    page.locator("#training-setup").screenshot(path=artifacts / "batch-info.png")


def test_a_live_learning_rate_change_leaves_a_mark(
    page: Page, live_server: str, artifacts: Path
) -> None:
    page.goto(f"{live_server}/#seed=2")
    wait_for_new_run(page)
    expect(page.locator("#batch-info")).to_have_text("250 training points · 25 batches an epoch")
    assert "val_loss" not in data(page, "series")
    train(page, 3)
    page.get_by_label("Learning rate", exact=True).select_option("0.3")
    expect(page.locator(CHART)).to_have_attribute("data-marks", "1")
    page.get_by_label("Batch size", exact=True).fill("50")
    page.get_by_label("Batch size", exact=True).press("Enter")
    expect(page.locator(CHART)).to_have_attribute("data-marks", "2")
    expect(page.locator("#batch-info")).to_have_text("250 training points · 5 batches an epoch")
    chart = page.locator(CHART)
    chart.focus()
    chart.press("End")
    expect(page.locator("#loss-readout")).to_contain_text("Learning rate → 0.3")
    page.locator("section.output").screenshot(path=artifacts / "loss-chart-marks.png")
