"""How much a theme's notes have in common: flag a theme whose notes are no more alike than any
two notes of their question.

Likeness is the mean cosine between two different notes of the theme, after every note's vector
is centred on the mean of its question's notes (what all of them share, the question itself, is
taken out) and made unit length again: ~0 means the theme's notes are as alike as two notes drawn
at random from the question. Computed from the mean vector m of the n members' centred unit
vectors: (n |m|^2 - 1) / (n - 1).

On café notes the word-based engine sometimes gathers the notes that share few words with any
other into one large theme (half a question's notes). On the café sets in bench/data those
themes scored -0.003 to 0.017 and every other theme 0.049 or more; on 8 debate topics of ArgKP
no theme scored below 0.056 (docs/BENCHMARKS.md, session 11). `LOOSE_BELOW` sits between.

The notes are embedded by LSA of rank `RANK_SHARE` of their number (`vectors`), so the space has
the same grain for a demo of 140 notes as for a café of 400: with a rank near the number of notes
(as key points use) nearly every pair of differently worded notes is orthogonal, and on the demo
event 6 of its 6 themes of 10+ notes came out "loose". Measured with this rank and each theme
centred on its own question: café lumps 0.001-0.022, every other theme 0.066 or more; ArgKP 0.056
or more (session 12).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .key_points import RANK_SHARE, tfidf_embedder

LOOSE_BELOW = 0.03  # likeness under which a theme's notes have little in common
LOOSE_FROM = 10  # fewer notes than this: too few to tell


def vectors(texts: Sequence[str]) -> np.ndarray:
    """Return unit LSA vectors of `texts` in a space of rank `RANK_SHARE` of their number."""
    texts = [str(t or "") for t in texts]
    if not texts:
        return np.zeros((0, 1))
    rank = max(2, min(100, int(len(texts) * RANK_SHARE)))
    return tfidf_embedder(texts, n_components=rank)(texts)


def likeness(X: np.ndarray, members: Sequence[int], scope: Sequence[int]) -> float:
    """Return the mean cosine between two members (rows of X) after centring every row on the
    mean of the `scope` rows (the notes of their question) and making it unit length again."""
    members = np.asarray(members, dtype=int)
    n = len(members)
    if n < 2:
        return 1.0
    X = np.asarray(X, dtype=float)
    C = X[members] - X[np.asarray(scope, dtype=int)].mean(0)
    norms = np.linalg.norm(C, axis=1, keepdims=True)
    C = C / np.where(norms > 0, norms, 1.0)
    m = C.mean(0)
    return float((n * (m @ m) - 1.0) / (n - 1))


def is_loose(X: np.ndarray, members: Sequence[int], scope: Sequence[int]) -> bool:
    """Whether a theme of at least `LOOSE_FROM` notes holds notes no more alike than any two
    notes of its question."""
    return len(members) >= LOOSE_FROM and likeness(X, members, scope) < LOOSE_BELOW
