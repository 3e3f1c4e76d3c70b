"""The page under its Content-Security-Policy, and refusals whatever their body says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.test_setup import open_page, wait_for_new_run
from tests.browser.test_sweep_page import finished_sweep

GOOD = b"x1,x2,label\n" + b"".join(
    b"%d,%d,%d\n" % (x, y, x > 0) for x in (-4, 4) for y in (-2, 0, 2)
)


@pytest.fixture
def strict_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page that keeps its Content-Security-Policy, and what the policy refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    refused: list[str] = []
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    yield page, refused
    context.close()


def test_the_page_plays_under_its_content_security_policy(
    strict_page: tuple[Page, list[str]], live_server: str
) -> None:
    page, refused = strict_page
    response = page.goto(f"{live_server}/#seed=1")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    wait_for_new_run(page)
    page.get_by_role("button", name="Play").click()  # the websocket: connect-src 'self'
    expect(page.locator("#epoch")).not_to_have_text("000,000")
    thumbnail = page.locator("img[src*='/api/datasets/']").first
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 64
    _upload(page, GOOD)
    wait_for_new_run(page)
    assert refused == []


def test_the_sweep_and_race_pages_keep_their_policy_too(
    strict_page: tuple[Page, list[str]], live_server: str
) -> None:
    """Their widgets draw through the CSSOM (a style attribute is refused: the sweep's
    heatmap was one column), whatever the other tests' pages, which bypass it, show."""
    page, refused = strict_page
    sweep = finished_sweep(live_server)
    page.goto(f"{live_server}/sweeps/{sweep['id']}?lang=en")
    expect(page.locator(".heat-table td")).to_have_count(9)
    page.goto(f"{live_server}/races/new#seed=3")
    page.get_by_role("button", name="SGD vs momentum vs RMSProp vs Adam").click()
    expect(page.locator("#race-lanes figure.race-lane")).to_have_count(4)
    expect(page.locator("#race-legend li")).to_have_count(4)
    assert refused == []


def _upload(page: Page, text: bytes) -> None:
    page.get_by_label("Upload a CSV").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": text}]
    )


def test_a_classic_mac_csv_trains_and_an_endless_value_names_its_row(
    page: Page, live_server: str
) -> None:
    open_page(page, live_server)
    _upload(page, GOOD.replace(b"\n", b"\r"))  # a classic Mac's line endings
    wait_for_new_run(page)
    expect(page.get_by_role("alert")).to_be_hidden()
    _upload(page, b"1,2,1\n1,2," + b"9" * 140_000 + b"\n1,1,1\n2,2,1\n")
    expect(page.get_by_role("alert")).to_contain_text("row 2: a value is over 131,072 characters")


def test_a_refusal_in_html_or_empty_is_shown_not_a_json_error(page: Page, live_server: str) -> None:
    open_page(page, live_server)
    bodies = iter([("<html><body><h1>502 Bad Gateway</h1></body></html>", 502), ("", 503)])

    def refuse(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        body, status = next(bodies)
        route.fulfill(status=status, body=body, content_type="text/html")

    page.route("**/api/runs", refuse)
    alert = page.get_by_role("alert")
    page.get_by_role("radio", name="XOR", exact=True).click()
    expect(alert).to_contain_text("HTTP 502")
    expect(alert).not_to_contain_text("JSON")
    expect(alert).not_to_contain_text("<html>")
    page.get_by_role("radio", name="Gaussian", exact=True).click()  # the page stayed on circle
    expect(alert).to_contain_text("HTTP 503")
