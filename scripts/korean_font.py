"""Rebuild the vendored Korean font: Noto Sans CJK KR cut down to the Hangul the page uses.

Run after changing static/js/lang/ko.js or static/js/lessons/ko.js (needs Debian's
fonts-noto-cjk, and fonttools and brotli, which the test extra installs;
tests/server/test_strings.py checks the font is current):
    .venv/bin/python scripts/korean_font.py
The page then shows Korean on machines without a Korean font, with nothing downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
KOREAN = 1  # the collection's "Noto Sans CJK KR"
OUT = ROOT / "static/vendor/noto-sans-kr/NotoSansKR-subset.woff2"


def hangul() -> str:
    sources = ("static/js/lang/ko.js", "static/js/lessons/ko.js", "static/js/i18n.js")
    text = "".join((ROOT / source).read_text() for source in sources)
    return "".join(sorted(set(re.findall(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]", text))))


def main() -> None:
    options = subset.Options()
    options.flavor = "woff2"
    options.font_number = KOREAN
    options.layout_features = ["*"]
    font = subset.load_font(str(SOURCE), options, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=hangul())
    subsetter.subset(font)
    subset.save_font(font, str(OUT), options)
    print(f"{OUT.relative_to(ROOT)}: {len(hangul())} syllables, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
