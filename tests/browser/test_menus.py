"""The output and loss menus offer only pairs the server trains (issue #14, item 1)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import open_page, wait_for_new_run

# a regression set of your own: labels that are neither two classes nor class indices
REGRESSION_CSV = b"x1,x2,label\n" + b"".join(
    b"%d,%d,%.2f\n" % (x, y, (x + y) / 7) for x in (-4, -1, 2, 5) for y in (-3, 0, 3)
)


# A run's status once it is paused, or after 10 s of asking (the server's REST view of it).
SETTLED = """async (id) => {
  for (let ask = 0; ; ask++) {
    const { status } = await (await fetch(`/api/runs/${id}`)).json();
    if (status === "paused" || ask === 100) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}"""


def _choices(page: Page, name: str) -> list[str]:
    menu = page.get_by_role("combobox", name=name, exact=True)
    values: list[str] = menu.evaluate("s => [...s.options].map((o) => o.value)")
    return values


def _pick(page: Page, name: str, value: str) -> None:
    page.get_by_role("combobox", name=name, exact=True).select_option(value)


def test_every_pair_the_menus_offer_on_circle_trains(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    assert _choices(page, "Output") == ["auto", "tanh", "sigmoid"]
    assert "mae" not in _choices(page, "Loss")
    assert "cross_entropy" not in _choices(page, "Loss")
    for output in _choices(page, "Output"):
        _pick(page, "Output", output)
        wait_for_new_run(page)
        for loss in _choices(page, "Loss"):
            _pick(page, "Loss", loss)
            wait_for_new_run(page)
            page.get_by_role("button", name="Step one epoch").click()
            expect(page.locator("#epoch")).to_have_text("000,001")
            expect(page.get_by_role("alert")).to_be_hidden()
    _pick(page, "Output", "tanh")
    wait_for_new_run(page)
    assert _choices(page, "Loss") == ["auto", "half_mse", "mse"]  # no bce for tanh


def test_a_pair_another_task_cannot_train_goes_back_to_auto(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    _pick(page, "Output", "sigmoid")
    wait_for_new_run(page)
    _pick(page, "Loss", "bce")
    wait_for_new_run(page)
    page.get_by_role("radio", name="Blobs", exact=True).click()  # several classes: softmax only
    wait_for_new_run(page)
    expect(page.get_by_role("combobox", name="Output", exact=True)).to_have_value("auto")
    expect(page.get_by_role("combobox", name="Loss", exact=True)).to_have_value("auto")
    assert _choices(page, "Output") == ["auto", "softmax"]
    page.get_by_role("radio", name="Plane", exact=True).click()
    wait_for_new_run(page)
    assert {"mae", "huber"} <= set(_choices(page, "Loss"))
    _pick(page, "Loss", "mae")  # a regression set trains with mae
    wait_for_new_run(page)
    expect(page.get_by_role("alert")).to_be_hidden()


def test_a_refused_pair_leaves_the_run_playing_and_says_why(
    page: Page, live_server: str, artifacts: Path
) -> None:
    """Your own data's task is the server's to tell: a pair that does not fit it still reaches
    the server, which refuses; the page keeps the run it had and says so in one sentence."""
    open_page(page, live_server)
    _pick(page, "Output", "sigmoid")
    wait_for_new_run(page)
    _pick(page, "Loss", "bce")
    wait_for_new_run(page)
    loss = page.locator("#test-loss").inner_text()
    page.get_by_label("Upload a CSV").set_input_files(
        files=[{"name": "plane.csv", "mimeType": "text/csv", "buffer": REGRESSION_CSV}]
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That change was not made and the run before it goes on")
    expect(alert).to_have_text(
        "That change was not made and the run before it goes on: the output activation sigmoid"
        " with the loss bce does not fit a regression task, which takes linear, relu, softplus,"
        " sigmoid or tanh with half_mse, huber, mae or mse"
    )
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    expect(page.locator("#test-loss")).to_have_text(loss)  # the same run's read-outs
    expect(page.get_by_role("radio", name="Circle", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_role("combobox", name="Loss", exact=True)).to_have_value("bce")
    page.screenshot(path=artifacts / "refused-pair.png")
    page.get_by_role("button", name="Play").click()  # and it trains on
    page.wait_for_function(
        "Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 3"
    )
    page.get_by_role("button", name="Pause").click()
    _pick(page, "Output", "auto")
    _pick(page, "Loss", "auto")
    wait_for_new_run(page)
    page.get_by_label("Upload a CSV").set_input_files(
        files=[{"name": "plane.csv", "mimeType": "text/csv", "buffer": REGRESSION_CSV}]
    )
    wait_for_new_run(page)
    expect(alert).to_be_hidden()
    assert "mae" in _choices(page, "Loss")  # the server said regression: its losses


def test_a_link_with_a_pair_that_does_not_fit_opens_with_auto(page: Page, live_server: str) -> None:
    # {"training": {"loss": "mae"}} on the default circle, in the page's link format
    page.goto(f"{live_server}/#seed=2&c=eyJ0cmFpbmluZyI6eyJsb3NzIjoibWFlIn19")
    wait_for_new_run(page)
    expect(page.get_by_role("combobox", name="Loss", exact=True)).to_have_value("auto")
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,001")


def test_the_run_a_change_leaves_behind_is_paused(page: Page, live_server: str) -> None:
    """A page makes a run per change: one it leaves neither trains for nobody nor holds one of
    the client's slots (100 left "created" refused the 101st change)."""
    open_page(page, live_server)
    left = page.evaluate("window.nnplayground.store.state.run.id")
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.get_by_role("radio", name="XOR", exact=True).click()
    wait_for_new_run(page)
    assert page.evaluate(SETTLED, left) == "paused"
    _pick(page, "Loss", "mse")
    wait_for_new_run(page)
    left = page.evaluate("window.nnplayground.store.state.run.id")  # a run never played
    _pick(page, "Loss", "auto")
    wait_for_new_run(page)
    assert page.evaluate(SETTLED, left) == "paused"


def test_escape_on_a_panels_button_closes_it(page: Page, live_server: str) -> None:
    """A keyboard user opens a panel with Enter (the focus stays on its button) and presses
    Escape at once: the panel closes. It stayed open unless the focus was inside it."""
    open_page(page, live_server)
    for name, panel in (
        ("Class", "#class"),
        ("Inspect", "#inspector"),
        ("My runs", "#my-runs"),
        ("Share", "#share"),
        ("Export", "#export"),
    ):
        toggle = page.get_by_role("button", name=name, exact=True)
        toggle.focus()
        page.keyboard.press("Enter")
        expect(page.locator(panel)).to_be_visible()
        expect(toggle).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator(panel)).to_be_hidden()
        expect(toggle).to_be_focused()
        expect(toggle).to_have_attribute("aria-expanded", "false")


def test_escape_closes_the_panel_it_is_pressed_in(page: Page, live_server: str) -> None:
    """Escape in an open panel of the top bar closes it and gives its button the focus back,
    as the Inspect panel and the Lessons menu did; Class, My runs, Share and Export stayed."""
    open_page(page, live_server)
    for name, panel in (
        ("Class", "#class"),
        ("My runs", "#my-runs"),
        ("Share", "#share"),
        ("Export", "#export"),
    ):
        toggle = page.get_by_role("button", name=name, exact=True)
        toggle.click()
        expect(page.locator(panel)).to_be_visible()
        page.locator(panel).locator("a, button, input").first.focus()
        page.keyboard.press("Escape")
        expect(page.locator(panel)).to_be_hidden()
        expect(toggle).to_be_focused()
        expect(toggle).to_have_attribute("aria-expanded", "false")
