"""Time travel on the page (issue #15): a paused run's slider scrubs back through its kept
states, showing the network as it was there, and "Fork from here" opens a fork of it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_loss_chart import train
from tests.browser.test_setup import EPOCH, open_page

FRAME_EPOCH = "window.nnplayground.store.state.frame.header.epoch"


def test_scrubbing_back_shows_a_kept_epoch_and_forks_from_it(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server, seed=3)
    travel = page.locator("#time-travel")
    expect(travel).to_be_hidden()  # a new run has no past to go back to yet
    train(page, 20)
    expect(travel).to_be_visible()
    slider = page.get_by_role("slider", name="Back in time")
    expect(travel).to_have_attribute("data-epoch", str(page.evaluate(EPOCH)))  # the newest kept
    latest = int(travel.get_attribute("data-epoch") or -1)
    slider.focus()
    page.keyboard.press("Home")  # the oldest kept state: the run's first epoch
    expect(page.locator("#scrub-epoch")).to_have_text("epoch 0")
    expect(travel).to_have_attribute("data-shown", "0")
    assert page.evaluate(FRAME_EPOCH) == 0  # the boundary and network drawn are epoch 0's
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.locator("#loss-chart")).to_have_attribute("data-cursor", "0")  # the chart too
    expect(page.locator("#loss-readout")).to_contain_text("epoch 0 ·")
    page.keyboard.press("End")
    expect(travel).to_have_attribute("data-shown", str(latest))
    assert page.evaluate(FRAME_EPOCH) == latest
    page.keyboard.press("Home")
    expect(travel).to_have_attribute("data-shown", "0")
    page.locator("section.output").screenshot(path=artifacts / "time-travel.png")
    parent = page.evaluate("window.nnplayground.store.state.run.id")
    page.get_by_role("button", name="Fork from here").click()
    page.wait_for_function(f"window.nnplayground.store.state.run?.parent === '{parent}'")
    run = page.evaluate("window.nnplayground.store.state.run")
    assert run["fork_epoch"] == 0 and run["id"] != parent and run["control_token"]
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    expect(page.locator("#loss-chart")).to_have_attribute("data-cursor", "")  # now, not then
    train(page, 5)  # the fork is this page's own run now: it trains on from its epoch
    assert page.evaluate(EPOCH) >= 5
