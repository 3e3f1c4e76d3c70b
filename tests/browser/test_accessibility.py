"""Accessibility (issue #14, item 5): axe-core finds no serious or critical violation in the
page's states, weights and biases are read and set from the keyboard, and the dataset group
moves with the arrow keys."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.a11y import assert_accessible, violations
from tests.browser.test_setup import EPOCH, open_page, wait_for_new_run

WEIGHT = "window.nnplayground.store.state.frame.arrays['weights.0'].data[{i}]"
BIAS = "window.nnplayground.store.state.frame.arrays['biases.0'].data[0]"


def test_the_page_has_no_serious_violation_in_any_state(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    assert_accessible(page, "the page opened")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= 2")
    assert_accessible(page, "training")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("radio", name="Blobs", exact=True).click()
    wait_for_new_run(page)
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.get_by_role("table", name="Confusion matrix (test data)")).to_be_visible()
    assert_accessible(page, "several classes, with the confusion matrix")
    page.get_by_role("button", name="Draw points").click()
    assert_accessible(page, "drawing points")
    page.get_by_role("button", name="Stop drawing").click()
    for panel in ("Inspect", "Share", "Export", "Class", "My runs"):
        toggle = page.get_by_role("button", name=panel, exact=True)
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        assert_accessible(page, f"the {panel} panel open")
        toggle.click()
    page.get_by_role("button", name="Lessons", exact=True).click()
    lessons = page.get_by_role("navigation", name="Lessons")
    assert_accessible(page, "the lessons menu")
    lessons.get_by_role("link", name="The learning rate").click()
    wait_for_new_run(page)
    assert_accessible(page, "a lesson")
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("button", name="재생")).to_be_visible()
    assert_accessible(page, "in Korean")
    page.get_by_label("언어").select_option("en")
    page.get_by_role("button", name="Present").click()
    expect(page.get_by_role("button", name="Present")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page, "presenting")
    expect(page.locator("#presenter")).to_be_hidden()  # no class: no join code, no dark strip
    right = page.eval_on_selector(".columns", "(c) => c.getBoundingClientRect().right")
    assert right > 1200, right  # and the columns take the room it would have taken


def test_a_big_network_and_the_weight_editors_have_none(page: Page, live_server: str) -> None:
    config = base64.urlsafe_b64encode(json.dumps({"network": {"hidden": [64, 64]}}).encode())
    page.goto(f"{live_server}/#seed=2&c={config.decode().rstrip('=')}")
    wait_for_new_run(page)
    assert_accessible(page, "a big network, folded")
    page.get_by_role("button", name="show all 64 neurons of layer 1").click()
    assert_accessible(page, "a big layer unfolded")
    page.get_by_role("img", name="Layer 1, neuron 1", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Weights into Layer 1, neuron 1")).to_be_visible()
    assert_accessible(page, "a neuron's weights listed")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")  # the neuron's bias
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Change a weight")).to_be_visible()
    assert_accessible(page, "the value editor open")


def test_weights_and_biases_are_read_and_set_from_the_keyboard(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    neuron = page.get_by_role("img", name="Layer 1, neuron 1", exact=True)
    neuron.focus()
    page.keyboard.press("Enter")
    weights = page.get_by_role("dialog", name="Weights into Layer 1, neuron 1")
    expect(weights).to_be_visible()
    first = weights.get_by_label("From X₁")
    expect(first).to_be_focused()
    now = page.evaluate(f"{WEIGHT.format(i=0)}.toFixed(3)")
    expect(first).to_have_value(now)  # read: the weight x1 → layer 1, neuron 1
    expect(weights.get_by_label("Bias")).to_have_value(page.evaluate(f"{BIAS}.toFixed(3)"))
    page.screenshot(path=artifacts / "weights-by-keyboard.png")
    page.keyboard.press("Control+A")
    page.keyboard.type("2.5")
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs({WEIGHT.format(i=0)} - 2.5) < 1e-6")  # set
    page.keyboard.press("Tab")
    expect(weights.get_by_label("From X₂")).to_be_focused()
    page.keyboard.press("Escape")
    expect(weights).to_be_hidden()
    expect(neuron).to_be_focused()  # back where the keyboard was

    page.keyboard.press("Tab")  # the neuron's bias, beside it
    bias = page.get_by_role("button", name=re.compile(r"^Bias -?\d+\.\d{3}"))
    expect(bias).to_be_focused()
    expect(page.get_by_role("tooltip")).to_have_text(re.compile(r"^Bias -?\d+\.\d{3}"))
    page.keyboard.press("Enter")
    editor = page.get_by_role("spinbutton", name="New value")
    expect(editor).to_be_focused()
    editor.fill("-1.25")
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs({BIAS} + 1.25) < 1e-6")
    expect(page.get_by_role("button", name="Bias -1.250 — click to edit")).to_be_focused()


def test_the_dataset_group_moves_with_the_arrow_keys(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    group = page.get_by_role("radiogroup", name="Dataset")
    circle = group.get_by_role("radio", name="Circle", exact=True)
    expect(circle).to_have_attribute("tabindex", "0")  # the group is one tab stop
    expect(group.get_by_role("radio", name="XOR", exact=True)).to_have_attribute("tabindex", "-1")
    circle.focus()
    page.keyboard.press("ArrowRight")
    xor = group.get_by_role("radio", name="XOR", exact=True)
    expect(xor).to_have_attribute("aria-checked", "true")
    expect(xor).to_be_focused()
    wait_for_new_run(page)
    assert page.evaluate("window.nnplayground.store.state.run.config.data.dataset") == "xor"
    page.keyboard.press("ArrowLeft")
    expect(circle).to_be_focused()
    expect(circle).to_have_attribute("aria-checked", "true")
    wait_for_new_run(page)
    page.keyboard.press("End")
    last = group.get_by_role("radio").last
    expect(last).to_be_focused()
    expect(last).to_have_attribute("aria-checked", "true")
    wait_for_new_run(page)


HEADINGS = ("heading-order", "page-has-heading-one")


def heading_findings(page: Page) -> list[str]:
    return [f"{v['id']} at {v['nodes']}" for v in violations(page) if v["id"] in HEADINGS]


def test_headings_go_in_order_and_presenting_keeps_the_h1(page: Page, live_server: str) -> None:
    """Two of axe-core's moderate findings: the Class panel's headings skipped a level, and
    presenter mode hid the page's only h1."""
    page.add_init_script("localStorage.setItem('nnplayground.intro-seen', '1')")
    open_page(page, live_server)
    page.get_by_role("button", name="Class", exact=True).click()
    expect(page.get_by_role("heading", name="Join a class", level=2)).to_be_visible()
    assert heading_findings(page) == []
    page.get_by_role("button", name="Class", exact=True).click()
    page.get_by_role("button", name="Present").click()
    expect(page.get_by_role("button", name="Present")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert heading_findings(page) == []
