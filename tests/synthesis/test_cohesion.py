"""A theme whose notes are no more alike than any two notes of their question is flagged as loose."""

from __future__ import annotations

import numpy as np

from cafe.synthesis.cohesion import LOOSE_FROM, is_loose, likeness


def _question(seed: int = 0) -> tuple[np.ndarray, list[int], list[int]]:
    """Return 120 note vectors in 200 dimensions: 12 close around one direction, 108 scattered."""
    rng = np.random.default_rng(seed)
    point = rng.normal(size=200)
    tight = point + 0.6 * rng.normal(size=(12, 200))
    scattered = rng.normal(size=(108, 200))
    X = np.vstack([tight, scattered])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, list(range(12)), list(range(12, 120))


def test_notes_close_together_are_alike_and_a_random_pile_is_not():
    X, tight, scattered = _question()
    everyone = list(range(len(X)))
    assert likeness(X, tight, everyone) > 0.3
    assert not is_loose(X, tight, everyone)
    assert abs(likeness(X, scattered, everyone)) < 0.05
    assert is_loose(X, scattered, everyone)
    # Every note of the question together is the loosest theme there can be.
    assert likeness(X, everyone, everyone) < 0 and is_loose(X, everyone, everyone)


def test_likeness_is_the_mean_cosine_of_two_different_members():
    X, tight, _ = _question(1)
    everyone = list(range(len(X)))
    C = X[tight] - X.mean(0)
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    S = C @ C.T
    pairs = S[~np.eye(len(tight), dtype=bool)].mean()
    assert abs(likeness(X, tight, everyone) - pairs) < 1e-9


def test_a_small_theme_is_never_called_loose():
    X, _, scattered = _question(2)
    few = scattered[:LOOSE_FROM - 1]
    assert likeness(X, few, list(range(len(X)))) < 0.1
    assert not is_loose(X, few, list(range(len(X))))
