"""Everything the API can do is on the page (issue #14): an Export panel downloads the run's
network as JSON, NumPy arrays, NumPy code and PyTorch code; the link holds live changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_setup import open_page, wait_for_new_run


def _download(page: Page, link: Locator) -> Path:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path())


def test_the_export_panel_downloads_the_network_as_it_is(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    page.get_by_role("button", name="Step one epoch").click()
    expect(page.locator("#epoch")).to_have_text("000,001")
    toggle = page.get_by_role("button", name="Export", exact=True)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("region", name="Export")
    page.screenshot(path=artifacts / "export-panel.png")

    weights = panel.get_by_role("link", name="Weights as JSON")
    model = json.loads(_download(page, weights).read_text())
    assert model["epoch"] == 1
    assert [np.shape(layer["weights"]) for layer in model["layers"]] == [(2, 4), (4, 2), (2, 1)]
    arrays = np.load(_download(page, panel.get_by_role("link", name="Weights as NumPy arrays")))
    assert np.allclose(arrays["W0"], model["layers"][0]["weights"], atol=1e-6)

    code = _download(page, panel.get_by_role("link", name="NumPy code"))
    ran = subprocess.run(
        [sys.executable, str(code), "1.5", "-2"], check=False, capture_output=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr.decode()
    assert ran.stdout.strip()  # its prediction at (1.5, −2)
    torch_code = _download(page, panel.get_by_role("link", name="PyTorch code")).read_text()
    assert "import torch" in torch_code
    toggle.click()
    expect(panel).to_be_hidden()


def test_every_export_is_named_after_its_run(page: Page, live_server: str) -> None:
    """Two runs' weights as JSON were both model.json (the arrays and code were named after
    their run): each file says which run it is."""
    open_page(page, live_server)
    run = page.evaluate("window.nnplayground.store.state.run.id")
    page.get_by_role("button", name="Export", exact=True).click()
    panel = page.get_by_role("region", name="Export")
    names = []
    for link in panel.get_by_role("link").all():
        with page.expect_download() as info:
            link.click()
        names.append(info.value.suggested_filename)
    assert names == [
        f"run-{run}.json",
        f"run-{run}.npz",
        f"run_{run.replace('-', '_')}_numpy.py",
        f"run_{run.replace('-', '_')}_pytorch.py",
    ]


def test_the_link_holds_live_changes(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    page.get_by_role("button", name="Play").click()
    page.get_by_label("Learning rate", exact=True).select_option("0.3")
    page.get_by_label("Regularization", exact=True).select_option("l2")
    page.wait_for_function("location.hash.includes('&c=')")  # taken by the run, then written
    page.get_by_role("button", name="Pause").click()
    link = page.evaluate("location.href")
    tab = page.context.new_page()  # in this tab the link is a reload: the same run
    tab.goto(link)
    wait_for_new_run(tab)  # a new run of the link's setup, live changes included
    expect(tab.get_by_label("Learning rate", exact=True)).to_have_value("0.3")
    expect(tab.get_by_label("Regularization", exact=True)).to_have_value("l2")
    training = "window.nnplayground.store.state.run.config.training"
    assert tab.evaluate(f"[{training}.learning_rate, {training}.regularization]") == [0.3, "l2"]
    run = "window.nnplayground.store.state.run.id"
    assert tab.evaluate(run) != page.evaluate(run)


def test_the_optimizers_hyper_parameters_are_set_on_the_page(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    setup = page.get_by_role("region", name="Training")
    expect(setup.get_by_role("spinbutton", name="β₁")).to_have_count(0)  # SGD has none
    page.get_by_label("Optimizer", exact=True).select_option("adam")
    wait_for_new_run(page)
    for name in ("β₁", "β₂", "ε"):
        expect(setup.get_by_role("spinbutton", name=name, exact=True)).to_be_visible()
    expect(setup.get_by_role("spinbutton", name="Momentum μ")).to_have_count(0)
    setup.screenshot(path=artifacts / "optimizer-settings.png")
    beta1 = setup.get_by_role("spinbutton", name="β₁", exact=True)
    expect(beta1).to_have_value("0.9")
    beta1.fill("0.5")
    beta1.press("Enter")
    page.wait_for_function(
        "window.nnplayground.store.state.run?.config.training.beta1 === 0.5"
    )  # a new run with it
    wait_for_new_run(page)
    page.get_by_label("Optimizer", exact=True).select_option("momentum")
    wait_for_new_run(page)
    momentum = setup.get_by_role("spinbutton", name="Momentum μ")
    run = page.evaluate("window.nnplayground.store.state.run.id")
    momentum.fill("1")  # μ < 1: refused, set back, and the page says why
    momentum.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Momentum μ: Input should be less than 1")
    expect(momentum).to_have_value("0.9")
    assert page.evaluate("window.nnplayground.store.state.run.id") == run
    momentum.fill("")  # an emptied box keeps its value, and nothing is sent
    momentum.press("Enter")
    expect(momentum).to_have_value("0.9")
    page.get_by_label("Optimizer", exact=True).select_option("genetic")  # a population's settings
    wait_for_new_run(page)
    population = setup.get_by_role("spinbutton", name="Population")
    expect(population).to_have_value("64")
    population.fill("32")
    population.press("Enter")
    page.wait_for_function("window.nnplayground.store.state.run?.config.training.population === 32")
