"""Pick representative notes: close to the theme's centre, unlike each other (MMR), quotable."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator


class MMRRepresentatives(BaseEstimator):
    """Choose up to `n` notes per theme by maximal marginal relevance.

    Each pick maximises (1 - diversity) * similarity to the centroid - diversity * the highest
    similarity to a note already picked. Only rows marked eligible (quote consent, no disclosure)
    are ever considered.

    Fitted: `representatives_`, one list of row indices per theme id.
    """

    def __init__(self, n: int = 3, diversity: float = 0.3):
        self.n = n
        self.diversity = diversity

    def fit(self, X: np.ndarray, labels, centers: np.ndarray, eligible) -> MMRRepresentatives:
        """Pick representatives among rows of X for each theme id in `labels` (-1 = none)."""
        labels = np.asarray(labels, dtype=int)
        eligible = np.asarray(eligible, dtype=bool)
        self.representatives_ = []
        for c in range(len(centers)):
            rows = np.flatnonzero((labels == c) & eligible)
            self.representatives_.append(self._mmr(X[rows], centers[c], rows))
        return self

    def _mmr(self, V: np.ndarray, center: np.ndarray, rows: np.ndarray) -> list[int]:
        """Return up to n of `rows` chosen greedily by MMR."""
        if len(rows) == 0:
            return []
        relevance = V @ center
        chosen: list[int] = []
        closest = np.full(len(rows), -np.inf)
        for _ in range(min(self.n, len(rows))):
            penalty = np.where(np.isfinite(closest), closest, 0.0)
            score = (1 - self.diversity) * relevance - self.diversity * penalty
            score[chosen] = -np.inf
            best = int(np.argmax(score))
            chosen.append(best)
            closest = np.maximum(closest, V @ V[best])
        return [int(rows[i]) for i in chosen]
