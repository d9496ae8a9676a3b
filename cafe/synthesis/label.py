"""Name themes: key phrases by class-based TF-IDF (as in BERTopic), then a short readable label."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer

from .vectorize import STOP_WORDS, TOKEN_PATTERN


class CtfidfLabeler(BaseEstimator):
    """Find each theme's key phrases and word weights by c-TF-IDF and build a label from them.

    c-TF-IDF treats all notes of a theme as one document: weight(t, c) = tf(t, c) * log(1 + A / f(t)),
    with tf the term's share of the theme's words, A the mean number of words per theme and f(t) the
    term's count over all themes. A phrase must occur in at least two of a theme's notes (when the
    theme has two), so one long note cannot name a theme alone.

    Fitted: `key_phrases_`, `word_weights_` and `labels_`, one entry per theme id 0..k-1.
    """

    def __init__(self, n_phrases: int = 8, n_label_phrases: int = 3, n_words: int = 60,
                 ngram_range: tuple[int, int] = (1, 2)):
        self.n_phrases = n_phrases
        self.n_label_phrases = n_label_phrases
        self.n_words = n_words
        self.ngram_range = ngram_range

    def fit(self, texts: list[str], labels) -> CtfidfLabeler:
        """Compute key phrases and labels for the themes `labels` (one id per text, -1 = none)."""
        labels = np.asarray(labels, dtype=int)
        k = int(labels.max()) + 1 if len(labels) else 0
        self.key_phrases_, self.word_weights_, self.labels_ = [], [], []
        weights, terms, docfreq = self._ctfidf(texts, labels, k)
        for c in range(k):
            size = int(np.sum(labels == c))
            row = weights[c] if weights is not None else np.zeros(0)
            ok = docfreq[c] >= min(2, size) if weights is not None else row > 0
            order = [i for i in np.argsort(-row, kind="stable") if row[i] > 0 and ok[i]]
            self.word_weights_.append({terms[i]: float(row[i]) for i in order[: self.n_words]})
            phrases = _phrases([terms[i] for i in order[: 4 * self.n_phrases]], self.n_phrases)
            self.key_phrases_.append(phrases)
            self.labels_.append(readable_label(phrases[: self.n_label_phrases]) or f"Theme {c + 1}")
        return self

    def _ctfidf(self, texts, labels, k):
        """Return the theme-by-term c-TF-IDF weights, the terms and per-theme document counts."""
        keep = labels >= 0
        if k == 0 or not keep.any():
            return None, [], [np.zeros(0)] * k
        counter = CountVectorizer(token_pattern=TOKEN_PATTERN, stop_words=STOP_WORDS,
                                  ngram_range=self.ngram_range, lowercase=True)
        try:
            counts = counter.fit_transform([t for t, m in zip(texts, keep, strict=True) if m])
        except ValueError:  # nothing but stop words and punctuation
            return None, [], [np.zeros(0)] * k
        member = sp.csr_matrix((np.ones(keep.sum()), (labels[keep], np.arange(keep.sum()))),
                               shape=(k, keep.sum()))
        per_theme = np.asarray((member @ counts).todense(), dtype=float)
        docfreq = np.asarray((member @ (counts > 0).astype(float)).todense())
        tf = per_theme / np.maximum(per_theme.sum(1, keepdims=True), 1)
        avg_words = per_theme.sum() / k
        idf = np.log(1 + avg_words / np.maximum(per_theme.sum(0), 1))
        return tf * idf, list(counter.get_feature_names_out()), docfreq


def _phrases(ranked: list[str], n: int) -> list[str]:
    """Pick up to n phrases from ranked terms, folding words into the bigrams that contain them."""
    bigrams = [t for t in ranked if " " in t]
    out: list[str] = []
    for term in ranked:
        if " " not in term:
            # Readers take "waiting list" better than "waiting" and "list" as two phrases.
            term = next((b for b in bigrams if term in b.split()), term)
        if term in out or any(term in o.split() for o in out if " " in o):
            continue
        if " " in term:
            out = [o for o in out if o not in term.split()]
        out.append(term)
        if len(out) == n:
            break
    return out


def readable_label(phrases: list[str]) -> str:
    """Join phrases into a short label: "Waiting lists, interpreters and trust"."""
    phrases = [p for p in phrases if p]
    if not phrases:
        return ""
    text = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return text[0].upper() + text[1:]
