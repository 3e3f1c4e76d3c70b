"""Time travel on the page (issue #15): a paused run's slider scrubs back through its kept
states, showing the network as it was there, and "Fork from here" opens a fork of it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_loss_chart import setup_url, train
from tests.browser.test_setup import EPOCH, open_page, wait_for_new_run

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


HISTORY = "window.nnplayground.store.state.history"
STEPS = "window.nnplayground.store.state.steps"


def test_scrubbing_back_cuts_the_loss_chart_back_to_that_epoch(
    page: Page, live_server: str, artifacts: Path
) -> None:
    page.goto(setup_url(live_server, {"training": {"batch_size": 50}}, seed=3))
    wait_for_new_run(page)  # 5 batches an epoch: the page keeps every batch's loss of the run
    page.get_by_label("Per step").check()
    train(page, 12)
    for _ in range(2):  # each step's end is kept: the state before the newest is one epoch back
        before = page.evaluate(EPOCH)
        page.get_by_role("button", name="Step one epoch").click()
        page.wait_for_function(f"{EPOCH} > {before}")
        expect(page.get_by_role("button", name="Play")).to_be_enabled()
    travel, chart = page.locator("#time-travel"), page.locator("#loss-chart")
    slider = page.get_by_role("slider", name="Back in time")
    expect(travel).to_be_visible()
    batches = page.evaluate(f"{STEPS}.step.length")
    expect(chart).to_have_attribute("data-points", str(batches))
    newest = travel.get_attribute("data-epoch")
    slider.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # the kept state before the newest
    expect(travel).not_to_have_attribute("data-epoch", str(newest))  # the key was handled
    shown = int(travel.get_attribute("data-epoch") or -1)
    expect(travel).to_have_attribute("data-shown", str(shown))
    # per step: the mini-batches up to that epoch's end, no later one
    last_step = page.evaluate(f"{HISTORY}.step[{HISTORY}.epoch.indexOf({shown})]")
    then = page.evaluate(f"{STEPS}.step.filter((s) => s <= {last_step}).length")
    assert 0 < then < batches
    expect(chart).to_have_attribute("data-points", str(then))
    page.get_by_label("Per epoch").check()
    whole = page.evaluate(f"{HISTORY}.epoch.length")
    then = page.evaluate(f"{HISTORY}.epoch.filter((e) => e <= {shown}).length")
    assert 1 < then < whole
    expect(chart).to_have_attribute("data-points", str(then))
    ticks = (chart.get_attribute("data-x-ticks") or "").split()
    assert max(float(x) for x in ticks) <= shown  # the axis ends there too
    page.locator("section.output").screenshot(path=artifacts / "time-travel-chart.png")
    slider.focus()
    page.keyboard.press("Home")
    expect(travel).to_have_attribute("data-shown", "0")
    expect(chart).to_have_attribute("data-points", "1")  # epoch 0 alone
    page.keyboard.press("End")  # the newest kept state: the whole run
    expect(travel).to_have_attribute("data-shown", str(newest))
    expect(chart).to_have_attribute("data-points", str(whole))
