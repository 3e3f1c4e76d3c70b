"""A student draws points or uploads a CSV, and trains on them."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import open_page, wait_for_new_run


def click_plot(page: Page, x1: float, x2: float) -> None:
    """Click the output plot at the point (x1, x2) of the [-6, 6]² domain."""
    box = page.locator("#output").bounding_box()
    assert box is not None
    page.locator("#output").click(
        position={"x": (x1 + 6) / 12 * box["width"], "y": (6 - x2) / 12 * box["height"]}
    )


def test_drawn_points_are_trained_on(page: Page, live_server: str, artifacts: Path) -> None:
    open_page(page, live_server)
    page.get_by_role("button", name="Draw points").click()
    expect(page.get_by_role("button", name="Stop drawing")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_label("Blue class").check()
    for x2 in (-4, -2, 0, 2, 4):
        click_plot(page, 3, x2)
        click_plot(page, 4.5, x2)
    page.get_by_label("Orange class").check()
    for x2 in (-4, -2, 0, 2, 4):
        click_plot(page, -3, x2)
        click_plot(page, -4.5, x2)
    click_plot(page, 0, 5.5)
    page.keyboard.down("Shift")
    click_plot(page, 0, 5.5)  # shift-click takes it away again
    page.keyboard.up("Shift")
    expect(page.get_by_text("20 points drawn")).to_be_visible()
    page.screenshot(path=artifacts / "drawing.png")
    page.get_by_role("button", name="Train on my points").click()
    wait_for_new_run(page)
    expect(page.get_by_label("Show test data")).to_be_checked()  # all 20 show, both splits
    shown = "(d => d.showTest ? d.train.length + d.test.length : d.train.length)"
    assert page.evaluate(f"{shown}(window.nnplayground.store.state.dataset)") == 20
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "parseFloat(document.querySelector('#test-accuracy').textContent) === 100", timeout=30_000
    )
    assert "dataset" not in page.evaluate("location.hash")  # the seed travels, the points do not


def test_a_bad_csv_says_which_row_and_column(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    bad = b"x1,x2,label\n1,2,1\n1,abc,1\n-1,-2,-1\n2,2,1\n"
    page.get_by_label("Upload a CSV").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("row 3, column 2 (x2)")
    good = b"x1,x2,label\n" + b"".join(
        f"{x},{y},{1 if x > 0 else 0}\n".encode() for x in (-4, -3, 3, 4) for y in (-2, 0, 2)
    )
    page.get_by_label("Upload a CSV").set_input_files(
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}]
    )
    wait_for_new_run(page)
    expect(alert).to_be_hidden()


def test_the_upload_control_speaks_the_pages_language(page: Page, live_server: str) -> None:
    """The CSV upload is a button in the page's words: the browser's own file control said
    "Choose File · No file chosen" in English on a Korean page. It still opens from the
    keyboard and takes a file."""
    page.goto(f"{live_server}/?lang=ko")
    expect(page.locator("#play")).to_be_enabled()
    # the run's data and first frame are in (the panels drawn for them): on a loaded machine
    # the Space below once fell between a keydown and a keyup on two drawings of the control
    expect(page.locator("#test-loss")).not_to_have_text("—")
    face = page.get_by_text("CSV 파일 고르기…")
    expect(face).to_be_visible()
    upload = page.get_by_label("CSV 올리기")
    assert upload.evaluate("(input) => getComputedStyle(input).opacity") == "0"
    face_box, input_box = face.bounding_box(), upload.bounding_box()
    assert face_box and input_box and input_box["width"] >= face_box["width"] - 1
    before = page.evaluate("window.nnplayground.store.state.run.id")
    with page.expect_file_chooser() as chooser:  # focused and pressed at once: a late
        upload.press("Space")  # render of the bar cannot take the focus in between
    rows = b"".join(f"{x},{y},{1 if x > 0 else 0}\n".encode() for x in (-4, 4) for y in (-2, 2))
    chooser.value.set_files(files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": rows}])
    page.wait_for_function("old => window.nnplayground.store.state.run?.id !== old", arg=before)
    expect(page.get_by_role("alert")).to_be_hidden()
