import numpy as np

from cafe.synthesis import MMRRepresentatives


def test_only_eligible_notes_are_picked():
    X = np.eye(4)
    model = MMRRepresentatives(n=3).fit(X, [0, 0, 0, 0], np.ones((1, 4)) / 2,
                                        [False, True, False, True])
    assert sorted(model.representatives_[0]) == [1, 3]


def test_near_duplicates_are_not_both_picked():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.8, 0.6]])
    center = np.array([0.98, 0.2]) / np.linalg.norm([0.98, 0.2])
    model = MMRRepresentatives(n=2, diversity=0.5).fit(X, [0, 0, 0], center[None], [True] * 3)
    assert sorted(model.representatives_[0]) in ([0, 2], [1, 2])


def test_theme_without_quotable_notes_has_none():
    model = MMRRepresentatives().fit(np.eye(2), [0, 0], np.ones((1, 2)), [False, False])
    assert model.representatives_ == [[]]
