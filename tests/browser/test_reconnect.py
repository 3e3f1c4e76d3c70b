"""A page outlives its server: when the server restarts mid-run, the page reconnects, its
owner resumes the run from its checkpoint, and training and the loss curve go on."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from server.settings import Settings
from tests.conftest import free_port, serve_in_thread

EPOCH = "Number(document.querySelector('#epoch').textContent.replace(/,/g, ''))"


def play_to(page: Page, url: str, seed: int, epoch: int) -> None:
    page.goto(f"{url}/#seed={seed}")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= {epoch}")


def test_a_page_comes_back_after_the_server_restarts(
    page: Page, tmp_path: Path, artifacts: Path
) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"))
    port = free_port()
    with serve_in_thread(settings, port) as url:
        play_to(page, url, seed=3, epoch=30)
    # The server is gone: the page says so and keeps trying.
    expect(page.locator("#status")).to_contain_text("reconnecting")
    stopped_at = page.evaluate(EPOCH)
    with serve_in_thread(settings, port):
        page.wait_for_function(f"{EPOCH} >= {stopped_at + 20}", timeout=30_000)
        expect(page.locator("#status")).to_be_hidden()
        page.screenshot(path=artifacts / "after-restart.png")
        history = page.evaluate("window.nnplayground.store.state.history.epoch")
        assert history[0] == 0 and history == sorted(history)  # one curve, from the start
        assert len(history) >= stopped_at  # no epoch of it lost
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_role("button", name="Play")).to_be_visible()


def test_a_paused_page_comes_back_paused_where_it_was(page: Page, tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "runs.db"))
    port = free_port()
    with serve_in_thread(settings, port) as url:
        play_to(page, url, seed=4, epoch=10)
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_role("button", name="Play")).to_be_visible()
        paused_at = page.locator("#epoch").inner_text()
    expect(page.locator("#status")).to_contain_text("reconnecting")
    with serve_in_thread(settings, port):
        expect(page.locator("#status")).to_be_hidden(timeout=30_000)
        page.wait_for_timeout(500)
        expect(page.locator("#epoch")).to_have_text(paused_at)
        page.get_by_role("button", name="Play").click()  # and it trains on from there
        page.wait_for_function(f"{EPOCH} > {int(paused_at.replace(',', ''))}")
