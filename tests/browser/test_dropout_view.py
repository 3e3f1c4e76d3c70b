"""Dropout, seen (issue #13, item 9): beside the output plot, the output through a fresh
dropout mask each frame, when the run has dropout and the viewer turns it on."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_inspector import EPOCH, open_run

SAMPLED = "!!window.nnplayground.store.state.frame.arrays.dropout_output"


def test_the_sampled_network_beside_the_evaluation_one(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(page, live_server, {"network": {"hidden": [8, 8], "dropout": 0.4}})
    toggle = page.get_by_label("Show a training-mode sample")
    expect(toggle).to_be_visible()
    assert not page.evaluate(SAMPLED)
    toggle.check()
    sample = page.get_by_role("img", name="The output through a fresh dropout mask")
    expect(sample).to_be_visible()
    page.wait_for_function(SAMPLED)
    page.locator("select[name=speed]").select_option("60")
    page.locator("#play").click()
    page.wait_for_function(f"{EPOCH} >= 20", timeout=30_000)
    page.locator("#play").click()
    step = sample.get_attribute("data-step")
    assert step and int(step) > 0
    page.locator("#output").screenshot(path=artifacts / "dropout-eval.png")
    page.locator(".dropout-view").screenshot(path=artifacts / "dropout-sample.png")
    toggle.uncheck()
    expect(sample).to_be_hidden()


def test_no_toggle_without_dropout(page: Page, live_server: str) -> None:
    open_run(page, live_server)
    expect(page.get_by_label("Show a training-mode sample")).to_be_hidden()
