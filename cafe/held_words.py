"""A theme never names itself from words only a held (or withdrawn) note had (issue 18).

Themes stored before a note was held were labelled with its words in the mix. When a theme has
lost members, each label word, key phrase and cloud word must still occur in a note it keeps;
what does not is dropped (a label then falls back to the key phrases that remain).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def scrub_theme(
    label: str, key_phrases: list[str], word_weights: dict[str, float], kept: Iterable[str]
) -> tuple[str | None, list[str], dict[str, float]]:
    """Return the label (None when none is left), key phrases and cloud words whose every word
    occurs in the kept notes' texts."""
    known = set().union(*(_words(t) for t in kept)) if kept else set()

    def ok(phrase: str) -> bool:
        return _words(phrase) <= known

    phrases = [p for p in key_phrases if ok(p)]
    weights = {w: v for w, v in word_weights.items() if ok(w)}
    if ok(label):
        return label, phrases, weights
    return (" · ".join(phrases[:3]) or None), phrases, weights
