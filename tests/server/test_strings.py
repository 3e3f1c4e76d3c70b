"""The page's string tables: English and Korean say the same things, and the page's markup
only names keys that exist."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from fontTools.ttLib import TTFont

STATIC = Path(__file__).resolve().parents[2] / "static"
TEMPLATES = STATIC.parent / "templates"
FONT = STATIC / "vendor" / "noto-sans-kr" / "NotoSansKR-subset.woff2"
HANGUL = r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"  # scripts/korean_font.py's


def keys(language: str) -> list[str]:
    text = (STATIC / "js" / "lang" / f"{language}.js").read_text()
    return re.findall(r'^\s*"([^"]+)":', text, flags=re.M)


def test_english_and_korean_have_the_same_keys_once_each() -> None:
    """… but for the server's messages ("msg.*"), which only Korean needs (the server's
    text is the English: tests/server/test_messages.py)."""
    english, korean = keys("en"), keys("ko")
    assert len(english) == len(set(english)) and len(korean) == len(set(korean))
    assert set(english) == {key for key in korean if not key.startswith("msg.")}


def test_every_key_the_markup_and_the_modules_use_exists() -> None:
    known = set(keys("en"))
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'data-i18n(?:-label|-title)?="([^"]+)"', template.read_text()))
    for module in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_.]+)"', module.read_text()))
    assert used and used <= known, sorted(used - known)


def test_the_vendored_korean_font_draws_every_syllable_the_page_uses() -> None:
    """The font is cut down to the Hangul of the Korean table (scripts/korean_font.py): a new
    string whose syllables it lacks shows as boxes on a machine without a Korean font."""
    sources = ("lang/ko.js", "lessons/ko.js", "i18n.js")
    text = "".join((STATIC / "js" / source).read_text() for source in sources)
    used = set(re.findall(HANGUL, text))
    drawn = {chr(code) for code in TTFont(FONT).getBestCmap()}
    assert used and not used - drawn, "".join(sorted(used - drawn)) + ": run scripts/korean_font.py"


def test_the_korean_teachers_banner_names_the_default_class_once() -> None:
    """A class started with the default name: its teacher's banner read "우리 수업 수업 중"."""
    text = (STATIC / "js" / "lang" / "ko.js").read_text()
    table = dict(re.findall(r'^\s*"([^"]+)": "(.*)",$', text, flags=re.M))
    banner = table["banner.teacher"].replace("{name}", table["class.default_name"])
    words = banner.split()
    assert all(a != b for a, b in itertools.pairwise(words)), banner


def test_removing_a_student_does_not_read_as_export_in_korean() -> None:
    """The roster's one-click Remove read "내보내기", the top bar's Export: a Korean teacher
    exporting a student's run removed the student."""
    text = (STATIC / "js" / "lang" / "ko.js").read_text()
    table = dict(re.findall(r'^\s*"([^"]+)": "(.*)",$', text, flags=re.M))
    assert table["class.remove"] != table["export"]
    assert table["export"] not in table["class.remove_who"]
