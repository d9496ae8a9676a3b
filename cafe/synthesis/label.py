"""Name themes: key phrases by class-based TF-IDF (as in BERTopic), then a short readable label."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator

from cafe.stopwords import STOP_WORDS

from .scripts import dominant_script
from .vectorize import TOKEN_PATTERN

MAX_LABEL_WORDS = 7
_TOKEN = re.compile(TOKEN_PATTERN)  # the words scikit-learn's CountVectorizer would count


class CtfidfLabeler(BaseEstimator):
    """Find each theme's key phrases and word weights by c-TF-IDF and build a label from them.

    c-TF-IDF treats all notes of a theme as one document: weight(t, c) = tf(t, c) * log(1 + A / f(t)),
    with tf the term's share of the theme's words, A the mean number of words per theme and f(t) the
    term's count over all themes. A phrase must occur in at least two of a theme's notes (when the
    theme has two), so one long note cannot name a theme alone; only when no content word is shared
    do the theme's own words name it, and "Theme N" is left for a theme with no content words.

    Phrases are runs of 1 to 3 words exactly as written in the notes (stop words may sit inside,
    "waiting list for housing", never at either end), and stop words of every language the phones
    offer never stand alone, so a theme is not named "نہیں" or "nie". A phrase of 2 or 3 words is
    preferred to the single words it contains.

    Fitted: `key_phrases_`, `word_weights_` and `labels_`, one entry per theme id 0..k-1.
    """

    def __init__(self, n_phrases: int = 8, n_label_phrases: int = 3, n_words: int = 60,
                 ngram_range: tuple[int, int] = (1, 3)):
        self.n_phrases = n_phrases
        self.n_label_phrases = n_label_phrases
        self.n_words = n_words
        self.ngram_range = ngram_range

    def fit(self, texts: list[str], labels) -> CtfidfLabeler:
        """Compute key phrases and labels for the themes `labels` (one id per text, -1 = none)."""
        labels = np.asarray(labels, dtype=int)
        k = int(labels.max()) + 1 if len(labels) else 0
        self.key_phrases_, self.word_weights_, self.labels_ = [], [], []
        # Each note's words, read once for the counts and for checking what was written.
        tokens = [_TOKEN.findall(t.lower()) if m >= 0 else [] for t, m in zip(texts, labels,
                                                                             strict=True)]
        weights, terms, docfreq = self._ctfidf(tokens, labels, k)
        for c in range(k):
            written = [f" {' '.join(ws)} " for ws, m in zip(tokens, labels, strict=True) if m == c]
            size = int(np.sum(labels == c))
            row = weights[c] if weights is not None else np.zeros(0)
            ok = docfreq[c] >= min(2, size) if weights is not None else row > 0
            ranked = np.argsort(-row, kind="stable")
            order = ranked[(row[ranked] > 0) & ok[ranked]].tolist()
            if not order:  # no content word shared by two notes: the theme's own words, if any
                order = ranked[row[ranked] > 0].tolist()
            self.word_weights_.append({terms[i]: float(row[i]) for i in order[: self.n_words]})
            phrases = _phrases([terms[i] for i in order[: 4 * self.n_phrases]], self.n_phrases,
                               lambda p, w=written: any(f" {p} " in s for s in w))
            self.key_phrases_.append(phrases)
            self.labels_.append(readable_label(_label_phrases(phrases, self.n_label_phrases))
                                or f"Theme {c + 1}")
        return self

    def _ctfidf(self, tokens: list[list[str]], labels: np.ndarray, k: int):
        """Return the theme-by-term c-TF-IDF weights, the terms and per-theme document counts.

        Terms are the runs of `ngram_range` words of the notes in a theme (each note's `tokens`,
        lower case), kept only when they can name a theme (`is_content_phrase`), in alphabetical
        order; counted per theme directly rather than note by note.
        """
        keep = labels >= 0
        if k == 0 or not keep.any():
            return None, [], [np.zeros(0)] * k
        # No stop-word list in the counting: it would drop "for" from "waiting list for housing"
        # and count "list housing", a phrase nobody wrote. Phrases with a stop word at an end are
        # left out instead.
        lo, hi = self.ngram_range
        counts = [Counter() for _ in range(k)]
        notes = [Counter() for _ in range(k)]
        for words, c in zip(tokens, labels.tolist(), strict=True):
            if c < 0:
                continue
            ok = [_is_word(w) for w in words]
            found = [" ".join(words[i:j + 1]) for i, start in enumerate(ok) if start
                     for j in range(i + lo - 1, min(i + hi, len(words))) if ok[j]]
            counts[c].update(found)
            notes[c].update(set(found))
        terms = sorted(set().union(*counts))
        if not terms:  # nothing but stop words and numbers
            return None, [], [np.zeros(0)] * k
        column = {t: i for i, t in enumerate(terms)}
        per_theme = np.zeros((k, len(terms)))
        docfreq = np.zeros((k, len(terms)))
        for c in range(k):
            per_theme[c, [column[t] for t in counts[c]]] = list(counts[c].values())
            docfreq[c, [column[t] for t in notes[c]]] = list(notes[c].values())
        tf = per_theme / np.maximum(per_theme.sum(1, keepdims=True), 1)
        avg_words = per_theme.sum() / k
        idf = np.log(1 + avg_words / np.maximum(per_theme.sum(0), 1))
        return tf * idf, terms, docfreq


@lru_cache(maxsize=65536)
def _is_word(token: str) -> bool:
    token = token.replace("’", "'")
    return len(token) > 1 and token not in STOP_WORDS and not token.replace("-", "").isdigit()


def is_content_phrase(term: str) -> bool:
    """Say whether a term can name a theme: it neither starts nor ends with a stop word or number."""
    words = term.split()
    return _is_word(words[0]) and _is_word(words[-1])


def _inside(short: str, long: str) -> bool:
    """Say whether the words of `short` appear together, in order, within `long`."""
    return f" {short} " in f" {long} " and short != long


def _phrases(ranked: list[str], n: int, written=None) -> list[str]:
    """Pick up to n phrases from ranked terms, folding words into the phrases that contain them.

    `written(phrase)` says whether a phrase occurs in the theme's notes: two chosen phrases that
    overlap ("waiting list", "list for housing") become one when their join was written.
    """
    longer = [t for t in ranked if " " in t]
    out: list[str] = []
    for term in ranked:
        # Readers take "waiting list" better than "waiting" and "list" as two phrases.
        term = next((p for p in longer if _inside(term, p)), term)
        if term in out or any(_inside(term, o) for o in out):
            continue
        for o in list(out):
            joined = _join_overlap(o, term) or _join_overlap(term, o)
            if joined and written is not None and written(joined):
                out.remove(o)
                term = joined
                break
        out = [o for o in out if not _inside(o, term)]
        out.append(term)
        if len(out) == n:
            break
    return out


def _join_overlap(first: str, second: str) -> str | None:
    """Join two phrases where the end of the first is the start of the second, else None."""
    a, b = first.split(), second.split()
    for size in range(min(len(a), len(b)) - 1, 0, -1):
        if a[-size:] == b[:size]:
            return " ".join(a + b[size:])
    return None


def _label_phrases(phrases: list[str], n: int) -> list[str]:
    """Take up to n phrases for a label, stopping before it grows past MAX_LABEL_WORDS words."""
    out: list[str] = []
    for phrase in phrases[:n]:
        if out and sum(len(p.split()) for p in out + [phrase]) > MAX_LABEL_WORDS:
            break
        out.append(phrase)
    return out


def readable_label(phrases: list[str]) -> str:
    """Join phrases into a short label: "Waiting lists, interpreters and trust"."""
    phrases = [p for p in phrases if p]
    if not phrases:
        return ""
    if dominant_script(" ".join(phrases)) not in ("latin", "none"):
        # An English "and" inside Urdu or Bengali words reads wrongly and breaks right-to-left
        # order; a neutral middle dot joins phrases in any script.
        return " · ".join(phrases)
    text = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return text[0].upper() + text[1:]
