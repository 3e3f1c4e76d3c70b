"""The page's string tables: English and Korean say the same things, and the page's markup
only names keys that exist."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
TEMPLATE = STATIC.parent / "templates" / "index.html"


def keys(language: str) -> list[str]:
    text = (STATIC / "js" / "lang" / f"{language}.js").read_text()
    return re.findall(r'^\s*"([^"]+)":', text, flags=re.M)


def test_english_and_korean_have_the_same_keys_once_each() -> None:
    english, korean = keys("en"), keys("ko")
    assert len(english) == len(set(english)) and len(korean) == len(set(korean))
    assert set(english) == set(korean)


def test_every_key_the_markup_and_the_modules_use_exists() -> None:
    known = set(keys("en"))
    used = set(re.findall(r'data-i18n(?:-label|-title)?="([^"]+)"', TEMPLATE.read_text()))
    for module in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_.]+)"', module.read_text()))
    assert used and used <= known, sorted(used - known)
