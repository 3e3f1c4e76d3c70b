"""The inspector (issue #13): the course's math on the student's own running network, asked
over the run's stream: a point's z and a layer by layer, one weight's next update (and what a
step really does to it), its chain rule beside finite differences, in English and Korean."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

EPOCH = "Number(document.querySelector('#epoch').textContent.replace(/,/g, ''))"
SIGMOID_BCE = {"network": {"output_activation": "sigmoid"}, "training": {"loss": "bce"}}


def open_run(
    page: Page, live_server: str, config: dict[str, Any] | None = None, lang: str = ""
) -> None:
    link = "#seed=1"
    if config:
        link += "&c=" + base64.urlsafe_b64encode(json.dumps(config).encode()).decode().rstrip("=")
    page.goto(f"{live_server}/{'?lang=' + lang if lang else ''}{link}")
    expect(page.locator("#epoch")).to_have_text("000,000")
    expect(page.locator("#test-loss")).not_to_have_text("—")


def open_panel(page: Page) -> Locator:
    page.get_by_role("button", name="Inspect", exact=True).click()
    panel = page.get_by_role("region", name="Inside the network")
    expect(panel).to_be_visible()
    return panel


def value(scope: Locator, name: str) -> float:
    """A number the panel shows, with all its digits (its data-value)."""
    number = scope.locator(f'.num[data-name="{name}"]').first
    expect(number).not_to_have_text("—")
    return float(number.get_attribute("data-value") or "nan")


def train(page: Page, epochs: int) -> None:
    page.get_by_label("Epochs per second").select_option("60")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"{EPOCH} >= {epochs}", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()


def picture_value(page: Page, fx: float, fy: float) -> float:
    """The output picture's value at a fraction of the plot (the frame's quantised codes)."""
    return page.evaluate(
        """([fx, fy]) => {
          const picture = window.nnplayground.store.state.frame.arrays.output;
          const { data, shape: [rows, cols], range: [lo, hi], levels } = picture;
          const row = Math.min(rows - 1, Math.floor(fy * rows));
          const q = data[row * cols + Math.min(cols - 1, Math.floor(fx * cols))];
          return lo + (q / (levels - 1)) * (hi - lo);
        }""",
        [fx, fy],
    )


def test_a_click_on_the_plot_shows_every_neuron_as_numbers(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(
        page,
        live_server,
        {"data": {"dataset": "spiral", "features": ["x1", "x2", "sin_x1", "sin_x2"]}},
    )
    train(page, 40)
    panel = open_panel(page)
    probe = panel.get_by_role("region", name="A neuron, as numbers")
    expect(probe).to_contain_text("Nothing probed yet")
    plot = page.locator("#output")
    box = plot.bounding_box()
    assert box
    fx, fy = 0.3, 0.62
    plot.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    hidden = page.evaluate("window.nnplayground.store.state.run.config.network.hidden")
    units = [layer if isinstance(layer, int) else layer["units"] for layer in hidden]
    expect(probe.locator("table[data-layer]")).to_have_count(
        len(units) + 2
    )  # inputs, hidden, output
    for k, n in enumerate(units):
        for row in ("z", "a"):
            cells = probe.locator(f'table[data-layer="{k}"] tr[data-row="{row}"] .num')
            expect(cells).to_have_count(n)
            assert "—" not in cells.all_text_contents()
    output = value(probe, "output")
    last = probe.locator(f'table[data-layer="{len(units)}"] tr[data-row="a"] .num')
    assert float(last.get_attribute("data-value") or "nan") == output
    assert abs(output - picture_value(page, fx, fy)) < 0.15  # the picture: 31 shades, a 100² grid
    expect(page.locator(".probe-mark")).to_be_visible()
    page.screenshot(path=artifacts / "inspector-probe-spiral.png", full_page=True)

    probe.get_by_label("Training example").fill("3")
    probe.get_by_role("button", name="Show").click()
    expect(probe).to_contain_text("Training example 3")
    taken = probe.locator(".taken").text_content()
    page.get_by_role("button", name="Play").click()  # it follows the training, twice a second
    expect(probe.locator(".taken")).not_to_have_text(taken or "")
    page.get_by_role("button", name="Pause").click()
    expect(probe).to_contain_text("Training example 3")
    # past the last of the training set's examples: the last one, and the box says which
    last = page.evaluate("window.nnplayground.store.state.dataset.train.length") - 1
    probe.get_by_label("Training example").fill("99999")
    probe.get_by_role("button", name="Show").click()
    expect(probe).to_contain_text(f"Training example {last}")
    expect(probe.get_by_label("Training example")).to_have_value(str(last))


ADAM_L2 = {"training": {"optimizer": "adam", "regularization": "l2", "regularization_rate": 0.01}}
ADAM_ROWS = ("q-m", "q-v", "q-m_hat", "q-v_hat", "q-step", "penalty_step")


@pytest.mark.parametrize(("config", "rows"), [(None, ("q-eta_g",)), (ADAM_L2, ADAM_ROWS)])
def test_one_batch_step_gives_the_predicted_weight(
    page: Page,
    live_server: str,
    artifacts: Path,
    config: dict[str, Any] | None,
    rows: tuple[str, ...],
) -> None:
    open_run(page, live_server, config)
    panel = open_panel(page)
    update = panel.get_by_role("region", name="Gradient descent, one step at a time")
    update.get_by_label("Layer", exact=True).select_option(label="Layer 1 → Layer 2")
    update.get_by_label("From", exact=True).select_option("1")
    update.get_by_label("To", exact=True).select_option("0")
    expect(update.locator("table[data-name=update]")).to_be_visible()
    for name in ("weight", "loss", "gradient", "new_weight"):
        value(update, name)
    for row in rows:  # SGD's η·g; Adam's m, v, m̂, v̂ and its step, the penalty's own step
        expect(update.locator(f'tr[data-name="{row}"]')).to_be_visible()
    weight, predicted = value(update, "weight"), value(update, "new_weight")
    assert predicted != weight

    update.get_by_role("button", name="Step one batch").click()
    table = update.locator("table[data-name=before-after]")
    expect(table).to_be_visible()
    if config:
        update.screenshot(path=artifacts / "inspector-adam-step.png")
    assert value(table, "before") == weight
    assert value(table, "predicted") == predicted
    assert value(table, "after") == predicted
    expect(update).to_contain_text("did what the panel predicted")
    run_id = page.evaluate("window.nnplayground.store.state.run.id")
    model = page.request.get(f"{live_server}/api/runs/{run_id}/model").json()
    assert model["step"] == 1
    assert abs(model["layers"][1]["weights"][1][0] - predicted) <= 1e-6 * max(1.0, abs(predicted))
    if config:
        cost = panel.get_by_role("region", name="Cost and gradient")
        expect(cost).to_contain_text("Penalty (L2, λ = 0.01000)")


def close_to_4_digits(a: float, b: float) -> bool:
    return abs(a - b) <= 5e-4 * max(abs(a), abs(b)) + 1e-9


def test_the_chain_rule_matches_finite_differences(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(page, live_server, SIGMOID_BCE)
    train(page, 5)
    panel = open_panel(page)
    update = panel.get_by_role("region", name="Gradient descent, one step at a time")
    chain = panel.get_by_role("region", name="Backprop inspector")
    chain.get_by_label("Training example").fill("7")
    chain.get_by_role("button", name="Show").click()
    for layer, source, kind in (
        ("Layer 2 → Output", "0", "(x_i"),
        ("Layer 1 → Layer 2", "2", "Σ"),
        ("Inputs → Layer 1", "Bias", None),
    ):
        update.get_by_label("Layer", exact=True).select_option(label=layer)
        if source == "Bias":
            update.get_by_label("From", exact=True).select_option(label=source)
        else:
            update.get_by_label("From", exact=True).select_option(source)
        chosen = [update.get_by_label(n, exact=True).input_value() for n in ("Layer", "From", "To")]
        factors_table = chain.locator("table[data-name=factors]")
        expect(factors_table).to_have_attribute("data-weight", ",".join(chosen))  # its answer
        expect(chain).to_contain_text("Example 7")
        product, difference = value(chain, "chain_product"), value(chain, "finite_difference")
        assert close_to_4_digits(product, difference), (layer, product, difference)
        factors = [
            float(n.get_attribute("data-value") or "nan")
            for n in chain.locator('.num[data-name^="factor-"]').all()
        ]
        assert len(factors) == 3
        assert close_to_4_digits(factors[0] * factors[1] * factors[2], product)
        short = chain.locator("[data-name=short-form]")
        if kind:
            expect(short).to_contain_text(kind.replace("_i", "i"))
            assert close_to_4_digits(value(short, "short"), product)
        else:
            expect(short).to_have_count(0)
        if layer != "Inputs → Layer 1":
            chain.screenshot(
                path=artifacts
                / f"inspector-backprop-{'output' if 'Output' in layer else 'hidden'}.png"
            )
    terms = chain.locator("table[data-name=terms] tbody tr td:last-child .num")
    expect(terms).to_have_count(2)  # one per unit of layer 2
    parts = [float(n.get_attribute("data-value") or "nan") for n in terms.all()]
    assert close_to_4_digits(sum(parts), value(chain, "sum"))  # the sum is ∂E/∂x_j
    chain.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "inspector-backprop.png")


def test_the_cost_section_and_the_korean_panel(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_run(page, live_server, lang="ko")
    toggle = page.get_by_role("button", name="들여다보기", exact=True)
    toggle.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("region", name="신경망 들여다보기")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="신경망 들여다보기")).to_be_visible()
    expect(panel.get_by_role("heading", name="역전파 들여다보기")).to_be_visible()
    cost = panel.get_by_role("region", name="비용과 기울기")
    expect(cost.locator("[data-name=loss-formula]")).to_contain_text("½(ŷ − y)²")
    expect(cost.locator("ul[data-name=grad-norms] li")).to_have_count(3)
    expect(panel.locator("table[data-name=factors]")).to_be_visible()
    page.screenshot(path=artifacts / "inspector-korean.png")
    panel.get_by_label("학습 예제").first.focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")


def test_three_classes_by_touch_on_a_narrow_screen(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 760, "height": 1000}, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        open_run(page, live_server, {"data": {"dataset": "blobs"}})
        page.get_by_role("button", name="Inspect", exact=True).tap()
        panel = page.get_by_role("region", name="Inside the network")
        probe = panel.get_by_role("region", name="A neuron, as numbers")
        page.locator("#output").tap(position={"x": 100, "y": 120})
        expect(probe.locator(".probe-output")).to_have_attribute("data-kind", "probabilities")
        p = [value(probe, f"p{k}") for k in range(3)]
        assert abs(sum(p) - 1) < 1e-6
        expect(probe).to_contain_text(f"Predicted class: {p.index(max(p))}")
        probe.locator(".probe-output").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "inspector-touch-blobs.png")
        update = panel.get_by_role("region", name="Gradient descent, one step at a time")
        update.get_by_label("Layer", exact=True).select_option(label="Layer 2 → Output")
        update.get_by_label("To", exact=True).select_option(label="Output 1")
        chain = panel.get_by_role("region", name="Backprop inspector")
        chosen = [update.get_by_label(n, exact=True).input_value() for n in ("Layer", "From", "To")]
        # the answer about the weight chosen last: one about the weight before (the layer
        # chosen, the output not yet) was read between two paints on a loaded machine
        factors = chain.locator("table[data-name=factors]")
        expect(factors).to_have_attribute("data-weight", ",".join(chosen))
        expect(chain.locator("table[data-name=terms] tbody tr")).to_have_count(3)  # softmax's k
        expect(chain.locator("[data-name=short-form]")).to_be_visible()  # with cross-entropy
        product, difference = value(chain, "chain_product"), value(chain, "finite_difference")
        assert close_to_4_digits(product, difference)
        assert close_to_4_digits(value(chain, "short"), product)
    finally:
        context.close()
    assert not errors, errors


def test_the_next_step_names_its_optimizer_in_the_pages_language(
    page: Page, live_server: str
) -> None:
    """The update's formula is headed by the optimizer's name as the page says it (it was its
    wire name: "momentum" on a Korean page, "sgd" for SGD)."""
    open_run(page, live_server, {"training": {"optimizer": "momentum"}}, lang="ko")
    panel = page.get_by_role("region", name="신경망 들여다보기")
    page.get_by_role("button", name="들여다보기", exact=True).click()
    update = panel.get_by_role("region", name="경사 하강법, 한 걸음씩")
    expect(update.locator("table[data-name=update]")).to_be_visible()
    expect(update.locator(".formula .words").first).to_have_text("모멘텀")
