"""The harvest's word cloud: weights computed on the server, drawn by the wall as HTML text.

A word reaches the wall only when at least k distinct participants used it (so a rare word cannot
point at one person), never when it is a stop word, and never from a personal detail: the spans the
safety detectors find (emails, phones, postcodes, links, the plan's names) are cut out before
counting, and the plan's names are refused as words too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cafe.safety import find_personal_details
from cafe.stopwords import STOP_WORDS

MAX_WORDS = 60
SIZES = 6  # the wall's font-size steps (classes w1..w6)
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)



def note_words(text: str, names: Iterable[str] = ()) -> set[str]:
    """Return the distinct cloud words of one note, personal details and stop words removed."""
    names = tuple(names)
    spans = find_personal_details(text, names)
    kept, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        kept.append(text[at : span.start])
        at = max(at, span.end)
    kept.append(text[at:])
    refused = {part.casefold() for name in names for part in re.findall(r"\w+", name)}
    words = set()
    for match in _WORD.finditer(" ".join(kept)):
        word = match.group(0).casefold().replace("’", "'")
        if len(word) < 2 or word in STOP_WORDS or word in refused:
            continue
        words.add(word)
    return words


def word_cloud(
    notes: Iterable[tuple[int | None, str]], k: int, names: Iterable[str] = ()
) -> list[dict]:
    """Return the cloud's words from (participant id, text) pairs: text, people, size 1..SIZES.

    Only words used by at least k distinct participants; the most used first, at most MAX_WORDS.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    names = tuple(names)
    people: dict[str, set[int]] = {}
    for participant, text in notes:
        if participant is None:
            continue  # a note whose writer was removed cannot be counted towards k
        for word in note_words(text, names):
            people.setdefault(word, set()).add(participant)
    counts = sorted(
        ((len(who), word) for word, who in people.items() if len(who) >= k),
        key=lambda c: (-c[0], c[1]),
    )[:MAX_WORDS]
    if not counts:
        return []
    low, high = counts[-1][0], counts[0][0]
    span = high - low

    def size(n: int) -> int:
        return 1 + round((n - low) * (SIZES - 1) / span) if span else (SIZES + 1) // 2

    return [
        {"text": word, "people": n, "size": size(n)}
        for n, word in sorted(counts, key=lambda c: c[1])
    ]
