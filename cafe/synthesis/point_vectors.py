"""Key points by the sentence model in a process that never loads it: vectors a worker kept.

After a run that read the notes for meaning, the synthesis worker (which has the model loaded)
also embeds what drafts and the workspace pick key points from: each note as the briefing reads
it and, for notes of more than one sentence, each sentence that may stand as a key point
(`texts_to_keep`). The server reads those vectors back (`KeptVectors`) and embeds as the run did,
the sentence model's vector beside LSA fitted on the notes, without the model (6.6 s of CPU and
486 MB to load, docs/BENCHMARKS.md, session 11). Key points picked this way speak for their
themes better than by LSA alone: café key point soft-F1 0.47 -> 0.53 on the held-out set.

Nothing is encoded here. A text the worker did not embed (a note written or edited since the
run) has no sentence vector: when such a note is in a theme, the caller falls back to LSA for
every note (`covers`); a note outside every theme only takes its LSA half.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.preprocessing import normalize

from .key_points import candidate_points


def digest(text: str) -> str:
    """Return the key a text's vector is kept under (SHA-256 of its UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def texts_to_keep(text: str, speakable: bool) -> list[str]:
    """Return what key points may need the sentence vector of, for one note as the briefing reads
    it: the note, and (when its words may be used) each of its sentences that may stand as a key
    point, unless the note's own vector stands for them (`candidate_points`)."""
    out = [text]
    if speakable:
        found, own = candidate_points(text)
        if not own:
            out += [point for point, _plain in found if point != text]
    return list(dict.fromkeys(out))


class KeptVectors:
    """Sentence vectors the worker kept for one event, by text digest, from one model.

    Called with the notes' texts, it returns the embedding key points use: the kept vector beside
    LSA fitted on those texts, unit length (as `EmbeddingVectorizer` embeds with `lsa_weight` 1).
    """

    def __init__(self, model: str, vectors: Mapping[str, np.ndarray]):
        self.model = model
        self.vectors = dict(vectors)
        self.dim = len(next(iter(self.vectors.values()))) if self.vectors else 0
        self._fit: tuple[tuple[str, ...], object] | None = None
        self.fallback = None  # the embedding to use instead when a text has no kept vector

    def or_else(self, fallback) -> KeptVectors:
        """Return these vectors with `fallback`, what embeds the notes when one is missing."""
        other = copy.copy(self)
        other.fallback = fallback
        return other

    def __len__(self) -> int:
        return len(self.vectors)

    def covers(self, texts: Iterable[str]) -> bool:
        """Say whether every one of `texts` has a kept vector."""
        return bool(self.vectors) and all(digest(t) in self.vectors for t in texts)

    def _sentence(self, texts: Sequence[str]) -> np.ndarray:
        zero = np.zeros(self.dim, dtype=np.float32)
        rows = [self.vectors.get(digest(t), zero) for t in texts]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def __call__(self, texts: Sequence[str]):
        """Return a function embedding texts as the run did, LSA fitted on `texts` (the notes);
        the fit is kept while the notes' words stay the same."""
        from .vectorize import TfidfLsaVectorizer

        texts = tuple(texts)
        if self._fit is None or self._fit[0] != texts:
            self._fit = (texts, TfidfLsaVectorizer(random_state=0).fit(list(texts)))
        lsa = self._fit[1]

        def embed(xs: Sequence[str]) -> np.ndarray:
            xs = list(xs)
            if not xs:
                return np.zeros((0, self.dim + 1))
            E = self._sentence(xs)
            L = np.asarray(lsa.transform(xs), dtype=np.float32)
            return normalize(np.hstack([E, L])).astype(float)

        return embed
