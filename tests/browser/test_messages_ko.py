"""The server's messages in the Korean page: a diverged run, a refused upload and a refused
join read in Korean (static/js/said.js renders each message's code), with no English left
in them but field names."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.server.test_messages import korean

NAMES = {"x1", "x2", "label", "CSV"}  # a field or format named in a message is not English


def wait_for_new_run(page: Page) -> None:
    """As test_setup's, by the Play button's id (its name is Korean here)."""
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.locator("#play")).to_be_enabled()
    expect(page.locator("#test-loss")).not_to_have_text("—")


def english_words(text: str) -> set[str]:
    """Latin words of three letters or more, but for names and a field's path before its
    message ("config.data: …")."""
    return set(re.findall(r"[A-Za-z]{3,}", re.sub(r"[\w.]+: ", "", text))) - NAMES


def link(config: dict[str, object]) -> str:
    """The page's own link format for a setup (static/js/urlstate.js)."""
    packed = base64.urlsafe_b64encode(json.dumps(config, separators=(",", ":")).encode())
    return "#seed=1&c=" + packed.decode().rstrip("=")


def test_a_diverged_run_says_why_in_korean(page: Page, live_server: str, artifacts: Path) -> None:
    config = {
        "data": {"dataset": "reg-plane"},
        "network": {"hidden": [8, 8], "activation": "relu"},
        "training": {"learning_rate": 10},
    }
    page.goto(f"{live_server}/?lang=ko{link(config)}")
    wait_for_new_run(page)
    page.locator("#play").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("학습률 10이(가) 너무 큰 것 같습니다", timeout=30_000)
    expect(alert).to_contain_text("학습이 발산했습니다")
    assert english_words(alert.inner_text()) == set()
    page.screenshot(path=artifacts / "diverged-ko.png")
    page.evaluate("sessionStorage.clear()")  # as a new tab: else the same link reopens that run
    page.goto(f"{live_server}/?lang=en{link(config)}")  # the same in English: the server's text
    wait_for_new_run(page)
    page.locator("#play").click()
    expect(alert).to_contain_text("learning rate 10 is probably too high", timeout=30_000)


def test_a_refused_upload_names_its_row_in_korean(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/?lang=ko#seed=1")
    wait_for_new_run(page)
    csv = b"x1,x2,label\n0,0,1\n1,1,-1\n9,9,1\n0,1,1\n"
    page.get_by_label("CSV 올리기").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": csv}]
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("4행 1열(x1): 9이(가) [-6, 6] 밖에 있습니다")
    assert english_words(alert.inner_text()) == set()


def test_a_refused_join_and_the_datasets_speak_korean(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/?lang=ko#seed=1")
    wait_for_new_run(page)
    circle = page.get_by_role("radio", name="원", exact=True)  # its name in Korean too
    assert circle.get_attribute("title") == "원: 주황색 고리 안의 파란 원판"
    expect(circle).to_have_text("원")
    answer = page.evaluate(
        """async () => {
          const { failure } = await import("/static/js/api.js");
          const response = await fetch("/api/classes", {
            method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name: "   ", teacher: "Kim" }),
          });
          return (await failure(response, "class")).message;
        }"""
    )
    assert answer == "name: 이름에는 공백이 아닌 글자가 하나 이상 있어야 합니다"


# the math's own names, a key's, and names that are not words of a language
MATH = {
    "max",
    "sin",
    "cos",
    "Adam",
    "opt",
    "wji",
    "wkj",
    "Shift",
    "TF",
    "Playground",
    "nnplayground",
}
FORMATS = {"JSON", "NumPy", "Python", "PyTorch"}  # the Export menu's kinds of file
SHOWN = (
    "[document.body.innerText, ...[...document.querySelectorAll('[title]')].map((n) => n.title)]"
)


def test_the_korean_page_has_no_english_but_names(page: Page, live_server: str) -> None:
    """The page, the Inspect panel with a probed point and the Lessons menu open, in Korean:
    every Latin word shown (or in a tooltip) is a registered name, a formula's or a brand."""
    options = page.request.get(f"{live_server}/api/options").json()
    said = [text for key, text in korean().items() if key.startswith("name.")]  # ReLU, Adam
    names = {word for value in _names(options) + said for word in re.findall(r"[A-Za-z]+", value)}
    page.goto(f"{live_server}/?lang=ko#seed=1")
    wait_for_new_run(page)
    for button in ("#play", "#inspect-toggle"):
        page.locator(button).click()
    page.locator("#output").click(position={"x": 50, "y": 50})
    page.locator("#lessons-toggle").click()  # its menu lies over the plot on some screens
    expect(page.locator("#inspector")).to_contain_text("가중합")
    shown = " ".join(page.evaluate(SHOWN))
    assert english_words(shown) - names - MATH - FORMATS - {"English"} == set()


def _names(options: object) -> list[str]:
    """Every name and key in /api/options (the registries the menus list)."""
    if isinstance(options, dict):
        return [*options, *(n for v in options.values() for n in _names(v))]
    if isinstance(options, list):
        return [n for v in options for n in _names(v)]
    return [options] if isinstance(options, str) else []


# Each Korean word of a caption on one line: for every word, its characters' boxes share one
# top (a caption "한 배치 진행" broke as "한 배치 진" / "행").
WORDS_WHOLE = """(selector) => [...document.querySelectorAll(selector)].flatMap((caption) => {
  const node = caption.firstChild, text = node.textContent, broken = [];
  let start = 0;
  for (const word of text.split(" ")) {
    const tops = new Set();
    for (let i = start; i < start + word.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      tops.add(Math.round(range.getBoundingClientRect().top));
    }
    if (tops.size > 1) broken.push(word);
    start += word.length + 1;
  }
  return broken;
})"""


def test_korean_captions_break_between_words(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/?lang=ko")
    wait_for_new_run(page)
    expect(page.locator("#step-batch .caption")).to_have_text("한 배치 진행")
    assert page.evaluate(WORDS_WHOLE, ".transport .caption") == []


def test_a_korean_paragraph_breaks_between_words(page: Page, live_server: str) -> None:
    """The race page's note on the forward-passes clock, a long paragraph ("에포크만/큼")."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server}/races/new?lang=ko#seed=3")
    page.locator("#race-presets button").nth(3).click()  # the genetic trainer against Adam
    page.wait_for_url("**/races/*")
    expect(page.locator("#race-note")).to_contain_text("순전파")
    assert page.evaluate(WORDS_WHOLE, "#race-note") == []
