"""A student picks the genetic trainer (issue #15), reads why it is slower than backprop,
presses Play, and watches it learn circle: the counter counts generations."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_setup import EPOCH, open_page, wait_for_new_run


def test_the_genetic_trainer_learns_circle_from_the_page(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    page.get_by_label("Optimizer", exact=True).select_option("genetic")
    wait_for_new_run(page)
    expect(page.locator("#epoch-label")).to_have_text("Generation")
    expect(page.get_by_label("Generations per second", exact=True)).to_be_visible()
    # the default population of 64 keeps 2 elites: 62 new networks over 250 points
    expect(page.locator("#batch-info")).to_have_text(
        "250 training points · no batches: a generation sends all of them through "
        "62 new networks (15,500 forward passes)"
    )
    menu = page.get_by_label("Optimizer", exact=True)
    assert menu.evaluate("s => s.selectedOptions[0].textContent") == "genetic algorithm"
    tip = page.locator("label.field", has=menu).get_attribute("title")
    assert tip is not None and "genetic algorithm: no gradient" in tip
    assert "Slower than backprop" in tip
    # it takes no gradient step: the learning rate and the batch size do nothing, and say so
    for unused in ("Learning rate", "Batch size"):
        expect(page.get_by_label(unused, exact=True)).to_be_disabled()
    expect(page.get_by_label("Full batch", exact=True)).to_be_hidden()
    # it steps a generation, and has no mini-batch to step (the buttons spoke of both)
    step = page.locator("#step")
    expect(step).to_have_accessible_name("Step one generation")
    expect(step.locator(".caption")).to_have_text("Step one generation")
    expect(page.locator("#step-batch")).to_be_disabled()
    assert "no mini-batches" in (page.locator("#step-batch").get_attribute("title") or "")
    step.click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    rate = page.get_by_label("Learning rate", exact=True)
    rate_tip = page.locator("label.field", has=rate).get_attribute("title") or ""
    assert "no learning rate and no mini-batches" in rate_tip, rate_tip
    first_loss = float(page.locator("#test-loss").inner_text())
    page.get_by_role("button", name="Play").click()
    # seed 1's run (the breeding stream of engine.generation_kernel) halves its test loss
    # by generation 55
    page.wait_for_function(f"{EPOCH} >= 60")
    page.get_by_role("button", name="Pause").click()
    assert float(page.locator("#test-loss").inner_text()) < first_loss / 2
    expect(page.get_by_role("alert")).to_be_hidden()
    page.get_by_label("Optimizer", exact=True).select_option(
        "adam"
    )  # back to backprop: epochs again
    wait_for_new_run(page)
    expect(page.locator("#epoch-label")).to_have_text("Epoch")
    expect(page.locator("#batch-info")).to_have_text("250 training points · 25 batches an epoch")
    expect(page.locator("#step")).to_have_accessible_name("Step one epoch")
    expect(page.get_by_label("Epochs per second", exact=True)).to_be_visible()
    expect(page.locator("#step-batch")).to_be_enabled()
    for used in ("Learning rate", "Batch size", "Full batch"):
        expect(page.get_by_label(used, exact=True)).to_be_enabled()
