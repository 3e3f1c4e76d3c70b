"""Full batch for any training set (issue #14): "Full batch" makes each step use every training
point, however many the data has (past the 500 the batch box once stopped at)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import open_page, wait_for_new_run


def test_full_batch_trains_on_two_thousand_points_in_one_step(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    page.get_by_label("Points", exact=True).select_option("2000")
    wait_for_new_run(page)
    setup = page.get_by_role("region", name="Training")
    full = setup.get_by_role("checkbox", name="Full batch")
    expect(full).not_to_be_checked()
    full.check()
    note = page.locator("#batch-info")
    expect(note).to_have_text("1000 training points · one batch an epoch (full batch)")
    batch = setup.get_by_role("spinbutton", name="Batch size")
    expect(batch).to_be_disabled()
    expect(batch).to_have_value("1000")
    setup.screenshot(path=artifacts / "full-batch.png")
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    expect(page.locator("#step-count")).to_have_text("1")  # one gradient step: all 1000 points

    full.uncheck()  # back to the size it had
    expect(batch).to_be_enabled()
    expect(batch).to_have_value("10")
    expect(note).to_have_text("1000 training points · 100 batches an epoch")
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#step-count")).to_have_text("101")
    batch.fill("")  # an emptied box keeps the size it had (it quietly became 1)
    batch.press("Enter")
    expect(batch).to_have_value("10")
    expect(note).to_have_text("1000 training points · 100 batches an epoch")
