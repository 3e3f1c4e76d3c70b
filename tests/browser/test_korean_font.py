"""The Korean page on a machine with no Korean font of its own: the loss chart's canvas
draws "에포크" in the vendored subset, not as empty boxes (a canvas is not repainted when a
web font arrives; the chart repaints itself)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM_ARGS

FONTS = Path("/usr/share/fonts")
# Draws `text` and as many unassigned code points (each a "no glyph" box) in `font`: the
# same pixels mean the font has no glyph for the text, only boxes.
TOFU = """([font, text]) => {
  const draw = (s) => {
    const canvas = new OffscreenCanvas(120, 30);
    const context = canvas.getContext("2d");
    context.font = font;
    context.fillText(s, 2, 22);
    return Array.from(context.getImageData(0, 0, 120, 30).data).join();
  };
  return draw(text) === draw("\\u0378".repeat(text.length));
}"""


@pytest.fixture
def page_without_korean_fonts(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """Chromium seeing only the machine's fonts that are not CJK (fontconfig's own list)."""
    dirs = [p for p in sorted(FONTS.glob("*/*")) if p.is_dir() and "noto" not in p.name.lower()]
    config = tmp_path / "fonts.conf"
    listed = "".join(f"<dir>{d}</dir>" for d in dirs)
    config.write_text(
        f'<?xml version="1.0"?><fontconfig>{listed}'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    alone = browser.browser_type.launch(  # a second Chromium, of the session's Playwright
        executable_path=shutil.which("chromium"),
        args=CHROMIUM_ARGS,
        env={"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)},
    )
    context = alone.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    yield context.new_page()
    alone.close()


def test_the_chart_draws_korean_without_a_system_korean_font(
    page_without_korean_fonts: Page, live_server: str, artifacts: Path
) -> None:
    page = page_without_korean_fonts
    page.goto(f"{live_server}/?lang=ko#seed=1")
    assert page.evaluate(TOFU, ["12px sans-serif", "에포크"]), "this browser has a Korean font"
    expect(page.locator("#test-loss")).not_to_have_text("—")
    loaded = "document.fonts.check(\"12px 'nnpg Korean'\", '에포크')"
    page.wait_for_function(f"document.fonts.status === 'loaded' && {loaded}")
    chart = page.locator("#loss-chart")
    font = chart.evaluate("canvas => canvas.getContext('2d').font")
    assert not page.evaluate(TOFU, [font, "에포크"]), font
    painted = chart.evaluate("canvas => canvas.toDataURL()")
    page.get_by_label("로그 눈금").check()
    page.get_by_label("로그 눈금").uncheck()  # painted anew, in the font it has now
    page.wait_for_function("() => new Promise((done) => requestAnimationFrame(() => done(true)))")
    assert chart.evaluate("canvas => canvas.toDataURL()") == painted
    chart.screenshot(path=artifacts / "korean-chart-no-system-font.png")
