"""Everything the API can do is on the page (issue #14): an Export panel downloads the run's
network as JSON, NumPy arrays, NumPy code and PyTorch code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_setup import open_page


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
