"""The page at the five screens of issue #14: what is promised on the first screen is there, nothing
overflows sideways, a phone's controls are big enough to touch, and the transport buttons say
what they do in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.a11y import blocking

# a zoom of 150 % is the same page in two thirds of the CSS pixels, at 1.5 device pixels each
SCREENS: dict[str, dict[str, Any]] = {
    "1280x720-zoom150": {"viewport": {"width": 853, "height": 480}, "device_scale_factor": 1.5},
    "1920x1080": {"viewport": {"width": 1920, "height": 1080}},
    "1920x1080-zoom150": {"viewport": {"width": 1280, "height": 720}, "device_scale_factor": 1.5},
    "phone-390x844": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
    "1280x800": {"viewport": {"width": 1280, "height": 800}},
}
# what each screen shows without scrolling (the 1280×720 @150 % screen is 480 CSS px high: there
# the training settings come after the network and the plot)
FIRST_SCREEN = {
    "1280x720-zoom150": ["#play", "#diagram", "#output"],
    "1920x1080": ["#play", "#diagram", "#output"],
    "1920x1080-zoom150": ["#play", "#diagram", "#output"],
    "phone-390x844": ["#play", "#output"],
    "1280x800": ["#play", "#diagram", "#output"],
}
TRANSPORT = {
    "#play": "Play",
    "#step": "Step one epoch",
    "#step-batch": "Step one batch",
    "#reset": "Reset",
    "#reset-new": "New weights",
}
LABELS = (
    ".column h2, .field > span, .check > span, .readouts dt, .transport .caption, .counter .label,"
    " p.hint, button.wide, button.dataset, .group-title, .layer-row"
)
# the first-visit intro is its own screen: these are a returning visitor's
SEEN_INTRO = "localStorage.setItem('nnplayground.intro-seen', '1')"
BOX = """(element) => {
  const b = element.getBoundingClientRect();
  return [b.x, b.y, b.width, b.height];
}"""
SMALL_CONTROLS = """() => [...document.querySelectorAll('button, input, select, [tabindex="0"]')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => [e, e.getBoundingClientRect()]).filter(([, b]) => b.width < 24 || b.height < 24)
  .map(([e, b]) => `${e.tagName}#${e.id}.${e.className} ${b.width}x${b.height}`)"""


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    context = browser.new_context(bypass_csp=True, **SCREENS[request.param])
    context.add_init_script(SEEN_INTRO)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield request.param, page
    found = blocking(page)
    context.close()
    assert not errors, f"the page threw: {errors}"
    assert not found, f"axe-core found serious or critical violations at the end: {found}"


def box(page: Page, selector: str) -> list[float]:
    found: list[float] = page.locator(selector).evaluate(BOX)
    return found


def inside(page: Page, selector: str) -> bool:
    x, y, width, height = box(page, selector)
    viewport = page.viewport_size
    assert viewport is not None
    # a scrolled page lands on fractions of a CSS pixel
    return (
        x >= -1 and y >= -1 and x + width <= viewport["width"] and y + height <= viewport["height"]
    )


def test_each_screen_shows_what_it_promises(
    screen: tuple[str, Page], live_server: str, artifacts: Path
) -> None:
    name, page = screen
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    expect(page.locator("#test-loss")).not_to_have_text("—")
    page.screenshot(path=artifacts / f"screen-{name}.png")

    for selector in FIRST_SCREEN[name]:
        assert inside(page, selector), (
            f"{selector} at {box(page, selector)} is off {name}'s first screen"
        )
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        "the page scrolls sideways"
    )
    for selector, label in TRANSPORT.items():
        expect(page.locator(f"{selector} .caption")).to_have_text(label)
        expect(page.locator(f"{selector} .caption")).to_be_visible()

    if name.startswith("phone"):
        assert page.evaluate(SMALL_CONTROLS) == [], "controls under 24 × 24 px on a phone"
        return
    # the network and the plot together: on the first screen, or once scrolled to the network
    page.locator("#diagram").evaluate("(element) => element.scrollIntoView({ block: 'start' })")
    assert inside(page, "#diagram") and inside(page, "#output"), (
        f"{name}: the network {box(page, '#diagram')} and the plot {box(page, '#output')} apart"
    )


def test_labels_are_readable_at_1920(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    sizes = page.evaluate(
        f"""() => [...document.querySelectorAll('{LABELS}')]
          .filter((e) => e.getClientRects().length)
          .map((e) => parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert sizes and min(sizes) >= 13, f"labels at 1920 px: {sorted(sizes)[:5]} px"


def test_the_race_link_looks_and_focuses_as_the_buttons_beside_it(
    page: Page, live_server: str
) -> None:
    """The top bar's Race is a link dressed as a button: at 1920 px its word was smaller than
    its neighbours' (13 px beside 15 px), and its keyboard focus lacked their orange ring."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    font = "(e) => getComputedStyle(e).fontSize"
    assert page.locator("#race-link").evaluate(font) == page.locator("#lessons-toggle").evaluate(
        font
    )
    ring = "(e) => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }"
    page.locator("#lessons-toggle").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#race-link")).to_be_focused()
    assert page.locator("#race-link").evaluate(ring) == ["solid", "rgb(255, 204, 128)"]


def test_the_play_label_says_pause_while_training(page: Page, live_server: str) -> None:
    page.goto(live_server)
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("#play .caption")).to_have_text("Pause")
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#play .caption")).to_have_text("Play")


def test_a_focused_control_shows_its_explanation(page: Page, live_server: str) -> None:
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    tip = page.locator("#focus-tip")
    page.keyboard.press("Tab")  # the top bar's first control: Play
    expect(page.locator("#play")).to_be_focused()
    expect(tip).to_have_text("Play / pause training")
    page.keyboard.press("Tab")
    expect(tip).to_have_text("Train one epoch (every training point once), then pause")
    tip_box, step_box = box(page, "#focus-tip"), box(page, "#step")
    assert tip_box[1] >= step_box[1] + step_box[3], "the tip covers the button it explains"
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    page.get_by_label("Learning rate", exact=True).focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # back by the keyboard: a setting's explanation from its label
    expect(tip).to_contain_text("the size of each step down the gradient")


def test_a_touched_control_shows_its_explanation(browser: Browser, live_server: str) -> None:
    context = browser.new_context(bypass_csp=True, **SCREENS["phone-390x844"])
    context.add_init_script(SEEN_INTRO)
    page = context.new_page()
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    page.locator("#lessons-toggle").tap()
    expect(page.locator("#focus-tip")).to_have_text(
        "Guided lessons, one for each concept of the course"
    )
    expect(page.locator("#lessons-menu")).to_be_visible()
    menu, play = box(page, "#lessons-menu"), box(page, "#play")
    assert menu[1] >= play[1] + play[3], "the lessons menu covers the transport"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        "the tip scrolls sideways"
    )
    found = blocking(page)
    context.close()
    assert not found, f"axe-core found serious or critical violations: {found}"


def test_a_first_visit_at_1280x720_zoom150_shows_the_network_and_the_plot(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    """853×480 CSS px: the intro comes after the columns (its ~80 px pushed both off)."""
    context = browser.new_context(bypass_csp=True, **SCREENS["1280x720-zoom150"])
    page = context.new_page()
    page.goto(live_server)
    expect(page.locator("#test-loss")).not_to_have_text("—")
    expect(page.get_by_role("region", name="Watch a neural network learn")).to_be_attached()
    page.screenshot(path=artifacts / "screen-1280x720-zoom150-first-visit.png")
    for selector in ("#play", "#diagram", "#output"):
        assert inside(page, selector), f"{selector} at {box(page, selector)} is off the screen"
    found = blocking(page)
    context.close()
    assert not found, f"axe-core found serious or critical violations: {found}"


def test_a_first_visit_on_a_phone_shows_play_and_the_plot(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    """The intro is its title and buttons on a small screen, its text on asking."""
    context = browser.new_context(bypass_csp=True, **SCREENS["phone-390x844"])
    page = context.new_page()
    page.goto(live_server)
    expect(page.locator("#test-loss")).not_to_have_text("—")
    intro = page.get_by_role("region", name="Watch a neural network learn")
    expect(intro).to_be_visible()
    page.screenshot(path=artifacts / "screen-phone-first-visit.png")
    for selector in ("#play", "#output"):
        assert inside(page, selector), f"{selector} at {box(page, selector)} is off the screen"
    text = page.locator("#intro-text")
    expect(text).to_be_hidden()
    more = intro.get_by_role("button", name="What is this?")
    more.tap()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(text).to_contain_text("This page trains a small neural network")
    intro.get_by_role("button", name="Got it").tap()
    expect(intro).to_be_hidden()
    found = blocking(page)
    context.close()
    assert not found, f"axe-core found serious or critical violations: {found}"


def test_the_top_bar_keeps_to_one_row_at_1280(page: Page, live_server: str) -> None:
    """Seven panel buttons (My runs among them) beside the transport, on one row."""
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    corner, play = box(page, ".corner"), box(page, "#play")
    assert corner[1] < play[1] + play[3], f"the top bar's corner {corner} under Play {play}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_genetic_settings_keep_to_one_row_at_1280(
    page: Page, live_server: str, lang: str
) -> None:
    """The genetic trainer's six settings beside the rest: the settings bar stays one row at
    1280 px, as with every other optimizer (its speed menu wrapped alone to a second row)."""
    page.goto(f"{live_server}/?lang={lang}#seed=1")
    expect(page.locator("#play")).to_be_enabled()
    page.locator("#training-setup select[name=optimizer]").select_option("genetic")
    # the batch size's note (a generation's cost) makes its field the widest: wait for it
    expect(page.locator("#batch-info")).to_contain_text("15,500")
    tops = page.locator("#training-setup > *").evaluate_all(
        "(fields) => fields.filter((f) => f.getClientRects().length)"
        ".map((f) => Math.round(f.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, f"the settings bar wrapped: the fields' tops {tops}"


CLIPPED_MENUS = """(menus) => {
  const pen = document.createElement("canvas").getContext("2d");
  return menus.filter((menu) => {
    const style = getComputedStyle(menu);
    pen.font = `${style.fontSize} ${style.fontFamily}`;
    const text = pen.measureText(menu.selectedOptions[0].textContent).width;
    return menu.getBoundingClientRect().width < text + 24; // and its arrow
  }).map((menu) => menu.name);
}"""


def test_the_korean_settings_menus_show_their_whole_word(page: Page, live_server: str) -> None:
    """The regularization menu's 없음 (none) was cut to 없읃 at 1280 px: a menu sized by its
    short options was a pixel narrower than its text and arrow."""
    page.goto(f"{live_server}/?lang=ko#seed=1")
    expect(page.locator("#play")).to_be_enabled()
    page.evaluate("document.fonts.ready")
    clipped = page.locator("#training-setup select").evaluate_all(CLIPPED_MENUS)
    assert clipped == [], f"menus narrower than their text: {clipped}"


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_a_deep_network_scrolls_in_its_column(
    page: Page, live_server: str, artifacts: Path, viewport: tuple[int, int]
) -> None:
    """Ten hidden layers are wider than the network's column: the diagram scrolls sideways in
    it. It spread over the output plot (and the page scrolled sideways) from six layers on."""
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(live_server)
    expect(page.locator("#play")).to_be_enabled()
    add = page.get_by_role("button", name="Add a hidden layer")
    for _ in range(8):
        add.click()
    expect(page.get_by_text("10 hidden layers")).to_be_visible()
    expect(add).to_be_disabled()
    page.screenshot(path=artifacts / f"deep-network-{viewport[0]}.png")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        "the page scrolls sideways"
    )
    column = box(page, ".column.network")
    plot = box(page, "#output")
    last = page.get_by_role("button", name="Add a neuron to layer 10")
    if viewport[0] > 700:  # side by side: nothing of the network is drawn over the plot
        assert column[0] + column[2] <= plot[0], f"the network {column} reaches the plot {plot}"
    last.scroll_into_view_if_needed()
    x, _, width, _ = last.evaluate(BOX)
    assert column[0] <= x and x + width <= column[0] + column[2], "layer 10 is out of reach"
    last.click()
    expect(page.get_by_text("3 neurons")).to_be_visible()
