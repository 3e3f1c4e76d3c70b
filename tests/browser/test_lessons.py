"""Lessons: a menu of the course's 13 concepts, a link that starts a lesson's preset, steps
whose question is answered before the page explains, "Apply", and a first-visit intro."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

LESSONS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "lessons"
IDS = [
    "neuron", "activation", "cost", "gradient-descent", "regression", "softmax", "backprop",
    "learning-rate", "optimizers", "batch-size", "overfitting", "regularization", "genetic",
]  # fmt: skip


def lessons() -> list[dict[str, Any]]:
    text = (LESSONS_JS / "configs.js").read_text()
    return json.loads(text.split("export const LESSONS =", 1)[1].strip().rstrip(";"))


def merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = merged(base[key], value) if both else value
    return out


def wait_for_new_run(page: Page) -> None:
    """Until the new run's first numbers are in. With both cores busy (the suite beside a
    load) the lessons' runs that just played still fill the workers' turns, and those numbers
    once took longer than the 15 s an expectation waits by default."""
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    expect(page.locator("#test-loss")).not_to_have_text("—", timeout=60_000)


def skip_intro(page: Page) -> None:
    page.add_init_script("localStorage.setItem('nnplayground.intro-seen', '1')")


def test_every_lesson_preset_and_applied_change_is_a_valid_config(client: TestClient) -> None:
    presets = lessons()
    assert [lesson["id"] for lesson in presets] == IDS
    for lesson in presets:
        assert 2 <= len(lesson["steps"]) <= 5, lesson["id"]
        config = lesson["config"]
        configs = [config]
        for step in lesson["steps"]:
            change = step.get("apply", {})
            if "config" in change:
                config = merged(config, change["config"])
            if "live" in change:
                config = merged(config, {"training": change["live"]})
            configs.append(config)
        for each in configs:
            response = client.post("/api/runs", json={"config": each, "start": False})
            assert response.status_code == 201, (lesson["id"], response.text)


def test_both_languages_word_every_step_and_choice(page: Page, live_server: str) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#seed=1")
    shapes = page.evaluate(
        """async () => {
          const shape = (table) => Object.entries(table).map(([id, lesson]) =>
            [id, lesson.steps.map((step) => step.choices.length)]);
          const en = (await import('/static/js/lessons/en.js')).default;
          const ko = (await import('/static/js/lessons/ko.js')).default;
          const {LESSONS} = await import('/static/js/lessons/configs.js');
          return [shape(en), shape(ko), LESSONS.map((l) => [l.id, l.steps.map((s) => s.answer)])];
        }"""
    )
    english, korean, answers = shapes
    assert english == korean
    assert [id for id, _ in english] == IDS
    for (_, choices), (_, right) in zip(english, answers, strict=True):
        assert len(choices) == len(right)
        assert all(0 <= answer < count for answer, count in zip(right, choices, strict=True))


def test_the_menu_lists_thirteen_lessons_in_english_and_korean(
    page: Page, live_server: str
) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#seed=1")
    wait_for_new_run(page)
    menu = page.get_by_role("navigation", name="Lessons")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Lessons").click()
    expect(menu.get_by_role("link")).to_have_count(13)
    expect(menu.get_by_role("link", name="The learning rate")).to_be_visible()
    expect(menu.get_by_role("link", name="A neuron")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    page.goto(f"{live_server}/?lang=ko#seed=1")
    page.get_by_role("button", name="레슨").click()
    menu = page.get_by_role("navigation", name="레슨")
    expect(menu.get_by_role("link")).to_have_count(13)
    expect(menu.get_by_role("link", name="학습률")).to_be_visible()
    expect(menu.get_by_role("link", name="드롭아웃과 조기 종료")).to_be_visible()


def test_a_lesson_link_starts_its_preset_and_walks_its_steps(
    page: Page, live_server: str, artifacts: Path
) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#lesson=learning-rate")
    wait_for_new_run(page)
    rate = page.get_by_label("Learning rate", exact=True)
    expect(rate).to_have_value("0.03")
    circle = page.get_by_role("radio", name="Circle", exact=True)
    expect(circle).to_have_attribute("aria-checked", "true")
    panel = page.get_by_role("region", name="The learning rate")
    expect(panel).to_contain_text("Step 1 of 4")
    expect(panel.locator(".lesson-explain")).to_have_count(0)  # not before an answer
    expect(panel.get_by_role("button", name="Next")).to_have_count(0)
    panel.get_by_role("button", name="Jump up and down").click()
    expect(panel.get_by_role("status")).to_contain_text("Not quite")
    expect(panel).to_contain_text("the loss falls smoothly")
    panel.get_by_role("button", name="Next").click()
    expect(panel).to_contain_text("Step 2 of 4")
    expect(panel).to_contain_text("What will the boundary do if η is 10?")
    expect(panel.get_by_role("button", name="Apply")).to_have_count(0)
    panel.get_by_role("button", name="Overshoot: the loss jumps up, and may diverge").click()
    expect(panel.get_by_role("status")).to_have_text("Right!")
    page.screenshot(path=artifacts / "lesson-step-en.png")
    panel.get_by_role("button", name="Apply").click()
    expect(rate).to_have_value("10")
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#epoch")).not_to_have_text("000,000")  # a live change: no new run


def test_a_structural_apply_starts_a_new_run(page: Page, live_server: str) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#seed=1")
    wait_for_new_run(page)
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="Activation functions").click()
    wait_for_new_run(page)
    activation = page.get_by_label("Activation", exact=True)
    expect(activation).to_have_value("linear")
    panel = page.get_by_role("region", name="Activation functions")
    panel.get_by_role("button", name="No: its boundary stays a straight line").click()
    panel.get_by_role("button", name="Next").click()
    panel.get_by_role("button", name="It can bend and close around the disc").click()
    panel.get_by_role("button", name="Apply").click()
    expect(activation).to_have_value("tanh")
    wait_for_new_run(page)
    assert page.evaluate("window.nnplayground.store.state.run.config.network.activation") == "tanh"


def test_the_backprop_lesson_sets_the_slides_network(
    page: Page, live_server: str, artifacts: Path
) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#lesson=backprop")
    wait_for_new_run(page)
    expect(page.get_by_label("Activation", exact=True)).to_have_value("sigmoid")
    expect(page.locator("select[name=output_activation]")).to_have_value("sigmoid")
    network = page.evaluate("window.nnplayground.store.state.run.config.network")
    units = [layer if isinstance(layer, int) else layer["units"] for layer in network["hidden"]]
    assert units == [3]
    panel = page.get_by_role("region", name="Backpropagation, the worked example")
    expect(panel).to_contain_text("Backprop inspector")
    page.get_by_role("button", name="Inspect", exact=True).click()  # the slide, in numbers
    inspector = page.locator("#inspector")
    update = inspector.get_by_role("region", name="Gradient descent, one step at a time")
    chain = inspector.get_by_role("region", name="Backprop inspector")
    chain.get_by_role("button", name="Show").click()
    for layer, form in (("Layer 1 → Output", "(xi − ti)·xj"), ("Inputs → Layer 1", "Σ")):
        update.get_by_label("Layer", exact=True).select_option(label=layer)
        chosen = [update.get_by_label(n, exact=True).input_value() for n in ("Layer", "From", "To")]
        table = chain.locator("table[data-name=factors]")
        expect(table).to_have_attribute("data-weight", ",".join(chosen))
        expect(chain).to_contain_text(form)
        name = "output" if "Output" in layer else "hidden"
        chain.screenshot(path=artifacts / f"inspector-slide-example-{name}.png")


def test_a_korean_lesson_step(page: Page, live_server: str, artifacts: Path) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/?lang=ko#lesson=learning-rate")
    expect(page.locator("#test-loss")).not_to_have_text("—")
    panel = page.get_by_role("region", name="학습률")
    panel.get_by_role("button", name="꾸준히 줄어든다").click()
    expect(panel.get_by_role("status")).to_have_text("정답입니다!")
    panel.get_by_role("button", name="다음").click()
    panel.get_by_role("button", name="열 배 빠르고 더 잘 배운다").click()
    expect(panel.get_by_role("button", name="적용")).to_be_visible()
    page.screenshot(path=artifacts / "lesson-step-ko.png")


def test_the_intro_shows_once(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/#seed=1")
    intro = page.get_by_role("region", name="Watch a neural network learn")
    expect(intro).to_be_visible()
    intro.get_by_role("button", name="Got it").click()
    expect(intro).to_be_hidden()
    page.reload()
    wait_for_new_run(page)
    expect(intro).to_be_hidden()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("button", name="What this page shows").click()
    expect(intro).to_be_visible()


def test_escape_closes_the_intro_and_the_lessons_panel(page: Page, live_server: str) -> None:
    """A keyboard user dismisses the first-visit intro and a lesson's panel with Escape, the
    focus back on the Lessons button (Escape did nothing in either)."""
    page.goto(f"{live_server}/#seed=1")
    intro = page.get_by_role("region", name="Watch a neural network learn")
    intro.get_by_role("button", name="Got it").focus()
    page.keyboard.press("Escape")
    expect(intro).to_be_hidden()
    lessons = page.get_by_role("button", name="Lessons")
    expect(lessons).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="The learning rate").click()
    panel = page.locator("#lesson")
    expect(panel).to_be_visible()
    panel.get_by_role("button").first.focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(lessons).to_be_focused()


def test_the_genetic_lesson_trains_with_the_genetic_trainer(
    page: Page, live_server: str, artifacts: Path
) -> None:
    skip_intro(page)
    page.goto(f"{live_server}/#lesson=genetic")
    wait_for_new_run(page)
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("genetic")
    expect(page.locator("#epoch-label")).to_have_text("Generation")
    panel = page.get_by_role("region", name="Genetic algorithms")
    first_loss = float(page.locator("#test-loss").inner_text())
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 20"
    )
    page.get_by_role("button", name="Pause").click()
    assert float(page.locator("#test-loss").inner_text()) < first_loss
    panel.get_by_role("button", name="Only the loss of each candidate network").click()
    page.screenshot(path=artifacts / "genetic-lesson.png")
    panel.get_by_role("button", name="Next").click()
    panel.get_by_role(
        "button", name="A genetic algorithm: a whole population each generation"
    ).click()
    panel.get_by_role("button", name="Apply").click()  # the same setup, with the gradient
    wait_for_new_run(page)
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("adam")
    expect(page.locator("#epoch-label")).to_have_text("Epoch")
