"""Headless Debian Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.browser.a11y import blocking

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# an assertion waits for its state up to this long: a page's first frame on a saturated
# machine (both cores busy) can take longer than Playwright's default 5 s
expect.set_options(timeout=15_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run the README's test command")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # Playwright's wait_for_function evaluates its predicate with eval, which the page's
    # Content-Security-Policy forbids; test_errors.py drives the page under its policy
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    # every scenario's last state is checked with axe-core (a11y.py), the page's own ones alone
    found = blocking(page) if page.url.startswith("http") and "/api/" not in page.url else []
    context.close()
    assert not errors, f"the page threw: {errors}"
    assert not found, f"axe-core found serious or critical violations at the end: {found}"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
