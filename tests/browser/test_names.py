"""Display names read as a person writes them, in both languages (issue #14, item 4): the
wire names (x1_sq, half_mse) stay the menus' values and the links' words."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_setup import open_page, wait_for_new_run


def _labels(page: Page, name: str) -> dict[str, str]:
    menu = page.get_by_role("combobox", name=name, exact=True)
    labels: dict[str, str] = menu.evaluate(
        "s => Object.fromEntries([...s.options].map((o) => [o.value, o.textContent]))"
    )
    return labels


def test_features_and_menus_say_names_as_a_person_writes_them(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    features = page.get_by_role("group", name="Inputs")
    for name in ("X₁", "X₂", "X₁²", "X₂²", "X₁X₂", "sin(X₁)", "cos(X₂)"):
        expect(features.get_by_role("checkbox", name=name, exact=True)).to_be_visible()
    expect(features).not_to_contain_text("x1_sq")
    features.get_by_role("checkbox", name="X₁X₂", exact=True).check()
    wait_for_new_run(page)
    assert page.evaluate("window.nnplayground.store.state.run.config.data.features") == [
        "x1",
        "x2",
        "x1x2",
    ]  # the wire keeps its names
    features.get_by_role("checkbox", name="X₁²", exact=True).hover()
    expect(page.locator("#focus-caption")).to_have_text("Showing Feature X₁²")

    page.get_by_role("radio", name="Plane", exact=True).click()  # every loss on offer
    wait_for_new_run(page)
    losses = _labels(page, "Loss")
    assert losses["half_mse"] == "half MSE"
    assert losses["mae"] == "MAE"
    assert _labels(page, "Optimizer")["adam"] == "Adam"
    assert _labels(page, "Activation")["relu"] == "ReLU"
    assert _labels(page, "Regularization")["l2"] == "L2"
    field = page.get_by_role("combobox", name="Loss", exact=True).locator("..")  # its tooltip
    assert "\nhalf MSE: " in (field.get_attribute("title") or "")
    page.get_by_role("combobox", name="Loss", exact=True).select_option(label="MAE")
    wait_for_new_run(page)
    assert page.evaluate("window.nnplayground.store.state.run.config.training.loss") == "mae"
    page.screenshot(path=artifacts / "names-en.png")

    page.get_by_label("Language").select_option("ko")
    losses = _labels(page, "손실")
    assert losses["half_mse"] == "MSE의 절반"
    assert losses["huber"] == "후버"
    assert _labels(page, "활성화 함수")["sigmoid"] == "시그모이드"
    assert _labels(page, "옵티마이저")["momentum"] == "모멘텀"
    expect(page.get_by_role("checkbox", name="sin(X₁)", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "names-ko.png")


def test_datasets_are_named_in_both_languages(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    data = page.get_by_role("radiogroup", name="Dataset")
    for name in ("Circle", "XOR", "Gaussian", "Spiral", "Blobs", "Plane", "Bumps"):
        expect(data.get_by_role("radio", name=name, exact=True)).to_be_visible()
    expect(data).not_to_contain_text("reg-gauss")
    xor = data.get_by_role("radio", name="XOR", exact=True)
    assert (xor.get_attribute("title") or "").startswith("XOR: four quadrants")
    xor.click()
    wait_for_new_run(page)
    assert page.evaluate("window.nnplayground.store.state.run.config.data.dataset") == "xor"

    page.get_by_label("Language").select_option("ko")
    data = page.get_by_role("radiogroup", name="데이터셋")
    for name in ("원", "가우스", "나선", "평면"):
        expect(data.get_by_role("radio", name=name, exact=True)).to_be_visible()
    expect(data.get_by_role("radio", name="XOR", exact=True)).to_have_attribute(
        "aria-checked", "true"
    )
    expect(data).not_to_contain_text("spiral")
