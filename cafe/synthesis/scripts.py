"""Dominant Unicode script of a text, so that notes in different scripts are not merged."""

from __future__ import annotations

import unicodedata
from collections import Counter

# Names as they open Unicode character names; anything else letter-like is grouped by its first word.
_KNOWN = ("LATIN", "ARABIC", "BENGALI", "DEVANAGARI", "GURMUKHI", "GUJARATI", "TAMIL", "CYRILLIC",
          "GREEK", "HEBREW", "CJK", "HANGUL", "HIRAGANA", "KATAKANA", "THAI", "ETHIOPIC", "SINHALA")


def char_script(ch: str) -> str | None:
    """Return the script of one letter, or None for digits, punctuation and marks."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    for script in _KNOWN:
        if name.startswith(script):
            return script.lower()
    return name.split(" ", 1)[0].lower()


def dominant_script(text: str) -> str:
    """Return the script most letters of `text` are written in ("latin", "arabic", ...), or "none"."""
    if text.isascii():  # the common case, without a name lookup per letter
        return "latin" if any(c.isalpha() for c in text) else "none"
    counts = Counter(s for s in map(char_script, text) if s)
    if not counts:
        return "none"
    return counts.most_common(1)[0][0]
