"""A student opens the page, presses Play, and watches circle being learned."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect


def read_number(page: Page, selector: str) -> float:
    return float(page.locator(selector).inner_text().replace(",", ""))


def test_pressing_play_trains_circle_live(page: Page, live_server: str, artifacts: Path) -> None:
    page.goto(live_server)
    play = page.get_by_role("button", name="Play")
    expect(play).to_be_enabled()
    expect(page.locator("#test-loss")).not_to_have_text("—")
    first_loss = read_number(page, "#test-loss")
    assert read_number(page, "#epoch") == 0
    page.screenshot(path=artifacts / "before-play.png")

    play.click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.wait_for_function(
        "Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 40"
    )
    assert read_number(page, "#test-loss") < first_loss
    page.screenshot(path=artifacts / "training.png")

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # the server's word that it paused: a frame sent before it may still be on its way
    page.wait_for_function("window.nnplayground.store.state.status === 'paused'")
    last = page.evaluate("window.nnplayground.store.state.frame.header.epoch")
    expect(page.locator("#epoch")).to_have_text(f"{last:07,}")  # its last frame painted
    paused_at = read_number(page, "#epoch")
    page.wait_for_timeout(300)
    assert read_number(page, "#epoch") == paused_at


def initial_test_loss(page: Page, url: str) -> str:
    page.goto(url)
    expect(page.locator("#test-loss")).not_to_have_text("—")
    return page.locator("#test-loss").inner_text()


def test_the_url_reproduces_data_and_initial_weights(page: Page, live_server: str) -> None:
    first = initial_test_loss(page, f"{live_server}/#seed=123")
    assert page.evaluate("location.hash") == "#seed=123"
    page.goto("about:blank")
    assert initial_test_loss(page, f"{live_server}/#seed=123") == first
    page.goto("about:blank")
    assert initial_test_loss(page, f"{live_server}/#seed=124") != first
    page.goto("about:blank")
    initial_test_loss(page, live_server)
    assert page.evaluate("location.hash").startswith("#seed=")  # a fresh seed, written down


def test_step_advances_exactly_one_epoch(page: Page, live_server: str) -> None:
    page.goto(live_server)
    step = page.get_by_role("button", name="Step one epoch")
    expect(step).to_be_enabled()
    expect(page.locator("#epoch")).to_have_text("000,000")
    step.click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    step.click()
    expect(page.locator("#epoch")).to_have_text("000,002")


def test_the_boundary_forms_on_the_output_plot(page: Page, live_server: str) -> None:
    """After training, the centre of the plot is blue (+1) and the corners orange (−1)."""
    page.goto(f"{live_server}/#seed=0")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "parseFloat(document.querySelector('#test-accuracy').textContent) >= 95", timeout=30_000
    )
    page.get_by_role("button", name="Pause").click()
    pixel = page.evaluate(
        """() => {
          const c = document.querySelector('#output canvas.map');
          const g = c.getContext('2d');
          const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
          return { centre: at(c.width / 2, c.height / 2), corner: at(2, 2) };
        }"""
    )
    red, _, blue, _ = pixel["centre"]
    assert blue > red  # blue inside the circle
    red, _, blue, _ = pixel["corner"]
    assert red > blue  # orange outside
