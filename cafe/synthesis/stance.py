"""Where people disagree: split a theme's notes into two opposite views, when they hold them.

No model of stance is available on a laptop with scikit-learn alone, so the split is cautious:
notes that say no to something ("not", "never", "shouldn't", "against") are the seed of one
side, the rest of the other; the two sides are then refined by 2-means on the notes' vectors, and
the split is kept only when both sides are big enough to be a view (at least `min_side` notes and
`min_share` of the theme), the sides still differ in how often they say no, and the notes are
closer to their own side than to the other. Otherwise every note is on one side (+1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|neither|nor|without|against|cannot|can't|cant|"
    r"won't|wont|don't|dont|doesn't|doesnt|didn't|isn't|aren't|wasn't|shouldn't|shouldnt|"
    r"mustn't|wouldn't|couldn't|hardly|oppose|opposed|"
    r"nie|żaden|nigdy|নয়|না|নেই|نہیں|نہ|مت)\b",
    re.IGNORECASE,
)


def says_no(text: str) -> bool:
    """Say whether a note contains a word that turns it against something."""
    return _NEGATION.search(text or "") is not None


def split_stance(texts: Sequence[str], X: np.ndarray, ids: Sequence[int],
                 min_side: int = 3, min_share: float = 0.2, min_gap: float = 0.35,
                 iterations: int = 10) -> dict[int, int]:
    """Return +1 (the larger view) or -1 (the opposite view) for each note id of one theme."""
    ids = [int(i) for i in ids]
    n = len(ids)
    plain = {i: 1 for i in ids}
    if n < 2 * min_side:
        return plain
    no = np.array([says_no(t) for t in texts], dtype=bool)
    if no.all() or not no.any():
        return plain
    side = no.copy()
    X = np.asarray(X, dtype=float)
    for _ in range(iterations):
        a, b = X[side].mean(0), X[~side].mean(0)
        # The cue pulls a note towards its side: the vectors alone would split by subtopic.
        new = (X @ a + 0.1 * no) > (X @ b + 0.1 * ~no)
        if new.all() or not new.any() or (new == side).all():
            side = new if (not new.all() and new.any()) else side
            break
        side = new
    small = min(side.sum(), (~side).sum())
    if small < max(min_side, min_share * n):
        return plain
    gap = abs(no[side].mean() - no[~side].mean())
    if gap < min_gap:
        return plain
    a, b = X[side].mean(0), X[~side].mean(0)
    closer = np.where(side, X @ a - X @ b, X @ b - X @ a)
    if np.mean(closer > 0) < 0.8:
        return plain
    major = side if side.sum() >= (~side).sum() else ~side
    return {i: (1 if major[j] else -1) for j, i in enumerate(ids)}
