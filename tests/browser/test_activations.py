"""The inspector's Activations section (issue #13, item 2): a hidden layer's f and f′ over the
range its z takes on the training set, the z's histogram beneath, and a plain sentence when
most of the layer is saturated or dead, in English and Korean."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_inspector import EPOCH, open_run

LR3 = {"training": {"learning_rate": 3}}  # tanh, hidden [4, 2]: layer 1 saturates by epoch 10


def play(page: Page, epochs: int) -> None:
    page.locator("select[name=speed]").select_option("60")
    page.locator("#play").click()
    page.wait_for_function(f"{EPOCH} >= {epochs}", timeout=30_000)


def test_the_layer_plots_and_says_it_is_saturated(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(page, live_server, LR3)
    page.get_by_role("button", name="Inspect", exact=True).click()
    panel = page.get_by_role("region", name="Inside the network")
    section = panel.get_by_role("region", name="Activations")
    plot = section.locator("canvas.activation-plot")
    expect(plot).to_have_attribute("data-activation", "tanh")
    expect(plot).to_have_attribute("data-plotted", "f,df,histogram")
    expect(plot).to_have_attribute("data-bins", "30")
    label = plot.get_attribute("aria-label") or ""
    assert label.startswith("tanh and its slope f′ over z from"), label
    assert "of 4 neurons on" in label
    expect(section).to_contain_text("f(z) = tanh(z)")
    expect(section.locator(".act-verdict")).to_have_count(0)

    play(page, 12)  # it follows the training, about once a second
    verdict = section.locator(".act-verdict")
    expect(verdict).to_have_attribute("data-code", "saturated", timeout=15_000)
    expect(verdict).to_contain_text("of 4 neurons are saturated: their tanh sits at ±1")
    expect(verdict).to_contain_text("Likely cause: a learning rate too large")
    expect(plot).to_have_attribute("data-verdict", "saturated")
    page.locator("#play").click()  # pause
    section.scroll_into_view_if_needed()
    section.screenshot(path=artifacts / "activations-saturated.png")

    picker = section.get_by_label("Hidden layer")
    picker.select_option("1")  # the second hidden layer: 2 neurons
    expect(plot).to_have_attribute("aria-label", re.compile("of 2 neurons on"))
    expect(picker).to_be_focused()


# columns of a canvas's own pixels with ink in them, of its first and last 2 (the numbers
# beside the curves ran into its edges: 0.0415 lost its last digit, −0.975 its minus sign)
INKED_EDGES = """(canvas) => {
  const { width, height } = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  const inked = (x) => [...Array(height).keys()].some((y) => pixels[(y * width + x) * 4 + 3] > 0);
  return [0, 1, width - 2, width - 1].filter(inked);
}"""


def test_the_plots_numbers_stay_inside_it(page: Page, live_server: str) -> None:
    open_run(page, live_server)
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    page.get_by_role("button", name="Inspect", exact=True).click()
    plot = page.locator("canvas.activation-plot")
    expect(plot).to_have_attribute("data-activation", "tanh")
    assert plot.evaluate(INKED_EDGES) == []


def test_the_korean_sentence(page: Page, live_server: str, artifacts: Path) -> None:
    open_run(page, live_server, LR3, lang="ko")
    page.get_by_role("button", name="들여다보기", exact=True).click()
    section = page.get_by_role("region", name="활성화 함수")
    expect(section.locator("canvas.activation-plot")).to_have_attribute("data-activation", "tanh")
    play(page, 12)
    verdict = section.locator(".act-verdict")
    saturated = "개가 포화되었습니다: tanh 값이 기울기가 거의 0인 ±1에"
    expect(verdict).to_contain_text(saturated, timeout=15_000)
    expect(verdict).to_contain_text("가능한 원인: 너무 큰 학습률")
    page.locator("#play").click()  # pause
    section.scroll_into_view_if_needed()
    section.screenshot(path=artifacts / "activations-korean.png")


def test_an_unknown_activation_has_no_plot_and_no_crash(page: Page, live_server: str) -> None:
    open_run(page, live_server)
    summary = page.evaluate(
        """async () => {
          const { activationsView } = await import("/static/js/activationview.js");
          const data = { activation: "mystery", units: 3, examples: 10, edges: [-1, 0, 1],
                         histogram: [4, 26], dead: 0, saturated: 0, nonfinite: 0,
                         verdict: { code: "dead", units: 2, of: 3, share: 0.67 } };
          const parts = activationsView(data, { activations: {} });
          const canvas = parts.find((node) => node.tagName === "CANVAS");
          return [canvas.dataset.plotted, canvas.getAttribute("aria-label"),
                  parts.map((node) => node.textContent).join(" | ")];
        }"""
    )
    assert summary[0] == "histogram"
    assert summary[1].startswith("No plot of mystery")
    assert "2 of 3 neurons are dead" in summary[2]
