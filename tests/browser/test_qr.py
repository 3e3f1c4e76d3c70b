"""static/js/qr.js under the page's Content-Security-Policy: the QR code it draws for a class's
join link is read back to the link by a real decoder (zxing-cpp) from a screenshot."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page

JOIN = "http://192.168.1.20:8000/join/K7MX2P"

# Draws qrSvg(text, options) alone on a white layer over the page, and tells what it drew.
DRAW = """async ([text, options]) => {
  const { qrSvg } = await import("/static/js/qr.js");
  document.querySelector("#qr-test")?.remove();
  const layer = document.createElement("div");
  layer.id = "qr-test";
  Object.assign(layer.style, { position: "fixed", inset: "0", zIndex: "9999", background: "#fff" });
  const svg = qrSvg(text, options);
  layer.append(svg);
  document.body.append(layer);
  const box = svg.getBoundingClientRect();
  return {
    tag: svg.namespaceURI + " " + svg.localName,
    role: svg.getAttribute("role"),
    label: svg.getAttribute("aria-label"),
    width: box.width,
    height: box.height,
    fills: [...svg.querySelectorAll("[fill]")].map((node) => node.getAttribute("fill")),
  };
}"""


@pytest.fixture
def strict_page(browser: Browser, live_server: str) -> Iterator[tuple[Page, list[str]]]:
    """The app's page under its Content-Security-Policy, and what it threw or refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if "Security Policy" in m.text else None)
    response = page.goto(live_server)
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    yield page, problems
    context.close()


def draw_and_read(page: Page, text: str, options: dict[str, object], shot: Path) -> list[str]:
    """The texts that zxing-cpp reads from a screenshot of qrSvg(text, options)."""
    drawn = page.evaluate(DRAW, [text, options])
    assert drawn["tag"] == "http://www.w3.org/2000/svg svg"
    assert drawn["role"] == "img"
    assert drawn["fills"] == ["#fff", "#000"]  # black modules on a white square
    png = page.locator("#qr-test svg").screenshot(path=shot)
    image = Image.open(io.BytesIO(png)).convert("L")
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.QRCode)]


def test_the_join_link_qr_code_reads_back_as_the_link(
    strict_page: tuple[Page, list[str]], artifacts: Path
) -> None:
    page, problems = strict_page
    options = {"size": 480, "margin": 4, "label": "QR code to join the class"}
    assert draw_and_read(page, JOIN, options, artifacts / "qr-join.png") == [JOIN]
    drawn = page.evaluate(DRAW, [JOIN, options])
    assert drawn["label"] == "QR code to join the class"
    assert (drawn["width"], drawn["height"]) == (480, 480)
    assert problems == []


def test_small_codes_other_levels_and_any_text_read_back(
    strict_page: tuple[Page, list[str]], artifacts: Path
) -> None:
    page, problems = strict_page
    korean = f"{JOIN}?name=김민지"  # past ASCII: the bytes are UTF-8
    assert draw_and_read(page, korean, {"size": 160, "level": "H"}, artifacts / "qr-ko.png") == [
        korean
    ]
    long = f"{JOIN}#" + "x" * 600  # a larger version, with alignment and version patterns
    assert draw_and_read(page, long, {"size": 700, "level": "L"}, artifacts / "qr-long.png") == [
        long
    ]
    label = page.evaluate(DRAW, [JOIN, {}])["label"]
    assert label == JOIN  # with no label given, the text names it
    assert problems == []


def test_a_text_too_long_for_any_qr_code_is_a_range_error(
    strict_page: tuple[Page, list[str]],
) -> None:
    page, problems = strict_page
    error = page.evaluate(
        """async () => {
             const { qrSvg } = await import("/static/js/qr.js");
             try { qrSvg("x".repeat(3000), { level: "H" }); } catch (error) {
               return `${error.name}: ${error.message}`;
             }
             return "no error";
           }"""
    )
    assert error.startswith("RangeError: a QR code at level H cannot hold this text")
    assert problems == []
