"""The points made within a loose theme: its notes cut into parts, each part's key point.

A loose theme's notes are no more alike than any two notes of their question (`cohesion`), so one
sentence with the theme's count would claim for all its notes what only some of them said. Its
notes are cut into `question_k(n)` parts, as many as a question of that many notes would have
themes, by Ward's method on their vectors centred on the theme (what they all share taken out)
and reduced to their leading `RANK_SHARE` x n directions (at full rank two near-copies split off
from all the rest). Each part of at least `MIN_PART` notes gets its key point as a theme would
(`key_points_for`, measured against the other themes and parts), matched to the part's own notes
only, so each point's count is the notes that made it.

Measured against the writers' key points of four café sets (engine themes, default path, mpnet
judge; docs/BENCHMARKS.md, session 13), listing these points instead of the loose theme's one
point leaves key point soft-F1 about where it was (-0.009 to +0.005: recall up, precision down):
it is for honest counts, not for the score. Plain data in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np
from scipy.spatial.distance import pdist

from .cluster import question_k
from .key_points import RANK_SHARE, ThemeKeyPoints, _unit_rows, key_points_for, tfidf_embedder
from .ward import ward_labels

# At least this many notes make a point of their own; at most this many points are listed.
MIN_PART, MAX_PARTS = 3, 5


def points_within(found: list[ThemeKeyPoints], texts: Sequence[str], labels: Sequence[int],
                  split: Collection[int], eligible: Sequence[bool] | None = None,
                  embed: Callable[[Sequence[str]], np.ndarray] | None = None,
                  question: str = "") -> None:
    """Give each theme in `split` (ids into `found`, as `key_points_for` returned it for these
    `texts` and `labels`) the points made within it (`ThemeKeyPoints.parts`), most notes first;
    a theme with fewer than two such points gets none (its own point says it)."""
    texts = [str(t or "") for t in texts]
    labels = np.asarray(labels, dtype=int)
    new, owner = labels.copy(), {}
    X = None
    for c in sorted(set(int(c) for c in split)):
        members = np.flatnonzero(labels == c)
        if c >= len(found) or len(members) < 2 * MIN_PART:
            continue
        if X is None:
            embed = embed if embed is not None else tfidf_embedder(texts)
            X = _unit_rows(np.asarray(embed(texts), dtype=float))
        U, S, _ = np.linalg.svd(X[members] - X[members].mean(0), full_matrices=False)
        rank = max(2, int(RANK_SHARE * len(members)))
        V = _unit_rows(U[:, :rank] * S[:rank])
        part = ward_labels(pdist(V), min(question_k(len(members)), len(members) - 1))
        for s in range(int(part.max()) + 1):
            new[members[part == s]] = len(labels) + len(owner)  # renumbered below
            owner[len(labels) + len(owner)] = c
    if not owner:
        return
    ids = {old: i for i, old in enumerate(sorted(set(new[new >= 0].tolist())))}
    relabelled = np.array([ids[v] if v >= 0 else -1 for v in new.tolist()], dtype=int)
    parts = key_points_for(texts, relabelled, eligible=eligible, embed=embed, vectors=X,
                           stance=False, match_outside=False, question=question)
    back = {ids[v]: c for v, c in owner.items()}
    for f in parts:
        if f.theme in back and f.point is not None and f.point.text \
                and len(f.point.matched) >= MIN_PART:
            found[back[f.theme]].parts.append(f.point)
    for theme in found:
        theme.parts.sort(key=lambda p: (-len(p.matched), p.source if p.source is not None else -1))
        del theme.parts[MAX_PARTS:]
        if len(theme.parts) < 2:
            theme.parts.clear()
