"""Place notes under the frames staff expect, by similarity to the frame's name and seed phrases."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize

from .types import Frame


def frame_texts(frame: Frame) -> list[str]:
    """Return the texts that describe a frame: its name and each seed phrase."""
    return [frame.name, *frame.seeds]


class FrameMatcher(BaseEstimator):
    """Assign each note to the frame it is most similar to, if that similarity reaches `threshold`.

    A frame's vector is the mean of the unit vectors of its name and seed phrases, so a note that
    echoes any one seed scores well. Fitted: `frame_centers_`, `assignments_` (frame index or -1),
    `similarity_` (notes x frames).
    """

    def __init__(self, threshold: float = 0.15):
        self.threshold = threshold

    def fit(self, X: np.ndarray, frame_vectors: list[np.ndarray]) -> FrameMatcher:
        """Match the rows of X (unit vectors) to frames given as arrays of seed vectors."""
        n = X.shape[0]
        if not frame_vectors or n == 0:
            self.frame_centers_ = np.zeros((0, X.shape[1] if X.ndim == 2 else 0))
            self.similarity_ = np.zeros((n, 0))
            self.assignments_ = np.full(n, -1)
            return self
        self.frame_centers_ = normalize(np.vstack([np.mean(v, axis=0) for v in frame_vectors]))
        # Best match to the centre or to any single seed: a frame's seeds often name different facets.
        per_seed = np.stack([np.max(X @ np.asarray(v).T, axis=1) for v in frame_vectors], axis=1)
        self.similarity_ = np.maximum(X @ self.frame_centers_.T, per_seed)
        best = self.similarity_.argmax(1)
        hit = self.similarity_[np.arange(n), best] >= self.threshold
        self.assignments_ = np.where(hit, best, -1)
        return self
