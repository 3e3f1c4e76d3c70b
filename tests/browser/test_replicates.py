"""Seed replicates on the page (issue #15): "Run over seeds" trains the page's setup over N
seeds on the server and the loss chart draws their median and range as a band."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_loss_chart import train
from tests.browser.test_setup import EPOCH, open_page

BAND = "window.nnplayground.store.state.band"


def test_running_the_setup_over_seeds_draws_their_band(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server, seed=5)
    train(page, 24)
    chart, status = page.locator("#loss-chart"), page.locator("#replicates-status")
    expect(chart).to_have_attribute("data-band", "")
    page.get_by_label("Seeds", exact=True).fill("4")
    page.get_by_role("button", name="Run over seeds").click()
    expect(chart).to_have_attribute("data-band", "4", timeout=90_000)
    epochs = page.evaluate(f"{EPOCH}")
    expect(status).to_have_text(f"The band: 4 seeds' median and range, {epochs} epochs")
    band = page.evaluate(BAND)
    assert band["count"] == 4 and band["epoch"] == list(range(epochs + 1))
    for key in ("train_loss", "test_loss"):
        stats = band[key]
        rows = list(zip(stats["lo"], stats["median"], stats["hi"], strict=True))
        assert all(lo <= median <= hi for lo, median, hi in rows)
        assert sum(lo < hi for lo, _, hi in rows) > epochs // 2  # the seeds differ
    assert "median and range of 4 seeds" in (chart.get_attribute("aria-label") or "")
    page.locator("section.output").screenshot(path=artifacts / "replicates-band.png")
    page.get_by_label("Per step").check()  # the band is per epoch
    expect(chart).to_have_attribute("data-band", "")
    page.get_by_label("Per epoch").check()
    expect(chart).to_have_attribute("data-band", "4")


def test_the_bands_caption_goes_with_the_setup_it_was_made_for(
    page: Page, live_server: str
) -> None:
    """Another dataset is another run: its chart has no band, and the caption saying there is
    one goes too (it stayed, under a chart without a band)."""
    open_page(page, live_server, seed=5)
    chart, status = page.locator("#loss-chart"), page.locator("#replicates-status")
    page.get_by_label("Seeds", exact=True).fill("2")
    page.get_by_role("button", name="Run over seeds").click()
    expect(chart).to_have_attribute("data-band", "2", timeout=90_000)
    expect(status).to_contain_text("The band: 2 seeds'")
    page.get_by_role("radio", name="XOR", exact=True).click()
    expect(chart).to_have_attribute("data-band", "")
    expect(status).to_have_text("")
