"""Where people disagree: find the notes of a theme that push back on what the rest say.

No model of stance is available on a laptop with scikit-learn alone, so a note counts as taking
the other view only on plain evidence in its own words, and otherwise every note is on one side:

- it pushes back in so many words ("I don't agree", "not the answer", "rather than", "lets them
  off the hook", "tokenistic"; a few such phrases in Polish, Urdu and Bengali too); or
- it denies what others in the theme say: a denying word ("not", "never", "don't"; not "no one",
  "nothing" or "not just") within three words of a word that at least two notes without one use,
  and at least two content words shared with at least two of those notes ("uniforms do not save
  money" among "uniforms save money").

The split is kept only when the notes taking the other view are at least `min_side` and between
`min_share` and half of the theme. A word of negation alone is not enough: café notes are full of
them ("no one speaks her language", "kids get nothing") without disagreeing with anybody, and
splitting on it reported a disagreement in 12 of 17 themes that had none (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from cafe.stopwords import STOP_WORDS

from .vectorize import WORD_CHARS, WORD_RUN

_NO_WORDS = frozenset(
    "not no never nothing nobody none neither nor without against cannot can't cant won't wont "
    "don't dont doesn't doesnt didn't isn't aren't wasn't shouldn't shouldnt mustn't wouldn't "
    "couldn't hardly oppose opposed nie żaden nigdy নয় না নেই نہیں نہ مت".split())
# Word edges that know Bengali and Urdu vowel signs are inside a word ("না" ends in one, so \b
# would never match after it).
_EDGE_L, _EDGE_R = rf"(?<![{WORD_CHARS}])", rf"(?![{WORD_CHARS}])"

_NOT = r"(?:not|n['’]?t)"
_PUSHBACK = re.compile(
    _EDGE_L + r"(?:(?<!how\s)(?<!when\s)(?:i|we)\s+(?:\w+\s+)?disagree|disagree\s+with|"
    r"(?:don|doesn|didn)['’]?t\s+agree|do(?:es)?\s+not\s+agree|"
    rf"{_NOT}\s+(?:convinced|sure\s+that|the\s+(?:answer|solution|only|problem|fix|point))|"
    r"(?:is|are|was|wo|will|ca|does|do)(?:\s+not|n['’]?t)\s+(?:fix|solve|help|work)|"
    r"(?:can['’]?t|cannot)\s+(?:fix|solve)|not\s+(?:always|every|all)\b|"
    r"on\s+the\s+other\s+hand|to\s+be\s+fair|in\s+fairness|devil['’]?s\s+advocate|"
    r"instead|rather\s+than|overrated|over-rated|tokenistic|patroni[sz]ing|"
    r"off\s+the\s+hook|lazy\s+to|no\s+need|(?:don['’]?t|do\s+not)\s+need|waste\s+of|"
    r"the\s+opposite|(?:shouldn['’]?t|should\s+not)(?!\s+(?:have|need)\s+to)|"
    r"nie\s+zgadzam|nie\s+jest\s+rozwiązaniem|zamiast|متفق\s+نہیں|اس\s+کے\s+بجائے|"
    r"একমত\s+নই|বরং)" + _EDGE_R,
    re.IGNORECASE,
)

_WORD = re.compile(rf"{WORD_RUN}(?:['’]{WORD_RUN})*")


def pushes_back(text: str) -> bool:
    """Say whether a note disagrees in so many words ("not the answer", "rather than")."""
    return _PUSHBACK.search(text or "") is not None


def content_words(text: str) -> list[str]:
    """Return a note's content words, lower case and lightly stemmed ("uniforms" ~ "uniform")."""
    return [stem for w in _WORD.findall(text or "") if (stem := _stem(w.lower()))]


_SUFFIX = re.compile(r"(?:ing|ed|es|s)$")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Return a content word's light stem, or "" for a stop word or a "no" word."""
    if word in STOP_WORDS or word in _NO_WORDS or word in ("should", "we"):
        return ""
    return _SUFFIX.sub("", word)


# Words that deny a statement ("do not save money"), unlike "no one" or "nothing", which describe
# a situation ("no one speaks her language") without contradicting anybody.
_DENY = frozenset(
    "not never cannot can't cant won't wont don't dont doesn't doesnt didn't isn't aren't wasn't "
    "shouldn't shouldnt mustn't wouldn't couldn't nie nigdy নয় না نہیں نہ".split())


def _denials(texts: Sequence[str], shared: int = 2, others: int = 2, near: int = 3) -> np.ndarray:
    """Mark notes that deny what others in the theme say: a denying word ("not", "never") within
    `near` words of a content word that at least `others` notes without one use, and `shared`
    content words in common with at least `others` of those notes."""
    words = [[w.lower().replace("’", "'") for w in _WORD.findall(t or "")] for t in texts]
    deny = np.array([any(w in _DENY for w in ws) for ws in words], dtype=bool)
    out = np.zeros(len(texts), dtype=bool)
    if deny.all() or not deny.any():
        return out
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, ws in enumerate(words):
        for w in {_stem(w) for w in ws} - {""}:
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
    if not vocab:
        return out
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))
    used = np.asarray(B[~deny].sum(0)).ravel()  # how many notes without a denial use each word
    overlap = (B[deny] @ B[~deny].T).toarray()  # content words shared, denying notes x the others
    enough = (overlap >= shared).sum(1) >= others
    for row, i in enumerate(np.flatnonzero(deny)):
        if not enough[row]:
            continue
        ws = words[i]
        for at, w in enumerate(ws):
            # "not just fear of him, fear of the police" adds to what others say.
            if w not in _DENY or ws[at + 1: at + 2] in (["just"], ["only"], ["merely"],
                                                       ["simply"], ["even"]):
                continue
            around = (_stem(x) for x in ws[max(0, at - near): at] + ws[at + 1: at + 1 + near])
            if any(used[vocab[c]] >= others for c in around if c in vocab):
                out[i] = True
                break
    return out


def split_stance(texts: Sequence[str], ids: Sequence[int], min_side: int = 2,
                 min_share: float = 0.1, max_share: float = 0.5) -> dict[int, int]:
    """Return +1 (the theme's view) or -1 (pushes back on it) for each note id of one theme.

    The notes' vectors play no part: they split a theme by subtopic, not by view.
    """
    ids = [int(i) for i in ids]
    plain = {i: 1 for i in ids}
    if len(ids) < 2 * min_side:
        return plain
    against = np.array([pushes_back(t) for t in texts], dtype=bool) | _denials(texts)
    if against.sum() < min_side or not min_share <= against.mean() <= max_share:
        return plain
    return {i: (-1 if against[j] else 1) for j, i in enumerate(ids)}
