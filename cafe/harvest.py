"""The harvest's word cloud: weights computed on the server, drawn by the wall as HTML text.

A word reaches the wall only when at least k distinct participants used it (so a rare word cannot
point at one person), never when it is a stop word, and never from a personal detail: the spans the
safety detectors find (emails, phones, postcodes, links, the plan's names) are cut out before
counting, and the plan's names are refused as words too.
"""

from __future__ import annotations

import re
import unicodedata
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


def _latin(word: str) -> bool:
    return all(
        not c.isalpha() or unicodedata.name(c, "").startswith("LATIN") for c in word
    )


def _singulars(word: str) -> list[str]:
    """Return the forms a Latin-script word would have if it were a simple English plural."""
    if len(word) < 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "'s")):
        return []
    out = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")  # allies -> ally
    if word.endswith("es"):
        out.append(word[:-2])  # boxes -> box
    out.append(word[:-1])  # orgs -> org
    return out


def fold_plurals(people: dict[str, set[int]]) -> dict[str, set[int]]:
    """Count a Latin-script word and its simple English plural as one word ("ally"/"allies",
    "org"/"orgs"), shown in whichever form more people used (the singular on a tie).

    Only forms that both occur are folded, so a word that merely ends in "s" ("news", "class")
    is never cut short.
    """
    folded = {word: set(who) for word, who in people.items()}
    for word in sorted(people, key=len, reverse=True):  # plurals are longer than their singulars
        if word not in folded or not _latin(word):
            continue
        single = next((s for s in _singulars(word) if s in folded and s != word), None)
        if single is None:
            continue
        shown = word if len(people[word]) > len(people[single]) else single
        merged = folded.pop(word) | folded.pop(single)
        folded[shown] = merged
    return folded


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
    people = fold_plurals(people)
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
