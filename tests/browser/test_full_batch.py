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


def test_a_batch_size_that_changes_nothing_is_not_a_change(page: Page, live_server: str) -> None:
    """-5 and then 0 are both the smallest batch, 1: the second changes nothing, and the loss
    chart marked it as a change all the same ("Batch size → 1 · Batch size → 1")."""
    open_page(page, live_server)
    size = page.get_by_label("Batch size", exact=True)
    for typed in ("-5", "0"):
        size.fill(typed)
        size.press("Enter")
        expect(size).to_have_value("1")
    expect(page.locator(".loss-readout")).to_contain_text("Batch size → 1")
    size.fill("3")  # a real change after them: once it is marked, the one before was too
    size.press("Enter")
    expect(page.locator(".loss-readout")).to_contain_text("Batch size → 3")
    expect(page.locator(".loss-readout")).not_to_contain_text("→ 1 · Batch size → 1")
    marks = page.evaluate("window.nnplayground.store.state.marks.map((m) => m.changes)")
    assert marks == [{"batch_size": 1}, {"batch_size": 3}], marks
    page.get_by_label("Full batch", exact=True).check()  # the largest batch reads as what it is
    expect(page.locator(".loss-readout")).to_contain_text("Batch size → 3 · Full batch")
    expect(page.locator(".loss-readout")).not_to_contain_text("10000")
