"""Themes for groups of notes staff (or Café) already chose: names, words and representatives.

What synthesis does after it has grouped the notes, for groups given instead: a title written in
the group's notes (`titles`), else its c-TF-IDF label, its key phrases and word weights, and up to
three representative notes whose writers allowed quoting. Used to split a loose theme into the
points its card lists (`cafe.synthesis.within`). Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .key_points import _unit
from .label import CtfidfLabeler
from .represent import MMRRepresentatives
from .titles import theme_titles, title_from_phrases
from .types import NoteInput
from .vectorize import TfidfLsaVectorizer


def describe_groups(notes: Sequence[NoteInput], groups: Sequence[Sequence[int]]) -> list[dict]:
    """Return, for each group of note ids (of `notes`, none in two groups), its label, key
    phrases, word weights, note ids and representative note ids, in the groups' order."""
    index = {n.id: i for i, n in enumerate(notes)}
    labels = np.full(len(notes), -1)
    for c, ids in enumerate(groups):
        labels[[index[i] for i in ids]] = c
    texts = [n.text for n in notes]
    X = TfidfLsaVectorizer(random_state=0).fit(texts).transform(texts)
    centers = np.vstack([_unit(X[labels == c].mean(0)) for c in range(len(groups))])
    labeler = CtfidfLabeler().fit(texts, labels)
    titles = theme_titles(texts, labels)
    reps = MMRRepresentatives().fit(X, labels, centers, [n.quotable for n in notes])
    return [
        {
            "label": titles[c] or title_from_phrases(
                labeler.key_phrases_[c], [texts[i] for i in np.flatnonzero(labels == c)])
            or labeler.labels_[c],
            "key_phrases": labeler.key_phrases_[c],
            "word_weights": labeler.word_weights_[c],
            "note_ids": [notes[i].id for i in np.flatnonzero(labels == c)],
            "representative_ids": [notes[i].id for i in reps.representatives_[c]],
        }
        for c in range(len(groups))
    ]
