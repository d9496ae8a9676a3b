"""Turn note texts into vectors: TF-IDF over words and characters, reduced by LSA."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

# Letters and digits plus the combining marks of Arabic, Indic and Latin scripts: Python's \w leaves
# out vowel signs, which would cut Bengali or Urdu words in pieces.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f" \
         "\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7\u09e2\u09e3\u0a01-\u0a03\u0a3c-\u0a51"
TOKEN_PATTERN = rf"(?u)(?:[^\W_]|[{_MARKS}])(?:[^\W_]|[{_MARKS}]|['’-](?=\w))+"
# Letters, digits and marks in a run: one word of any of the phones' scripts, as a reader counts it.
WORD_CHARS = rf"\w{_MARKS}"
WORD_RUN = rf"[{WORD_CHARS}]+"
STOP_WORDS = sorted(ENGLISH_STOP_WORDS)


def word_vectorizer(min_df: int = 1, ngram_range: tuple[int, int] = (1, 2)) -> TfidfVectorizer:
    """Return the word TF-IDF used for features and for key phrases, so both see the same terms."""
    return TfidfVectorizer(
        token_pattern=TOKEN_PATTERN, stop_words=STOP_WORDS, ngram_range=ngram_range,
        sublinear_tf=True, min_df=min_df, dtype=np.float32,
    )


class TfidfLsaVectorizer(TransformerMixin, BaseEstimator):
    """Embed texts by LSA over sublinear word (1-2 gram) and character (2-5 gram) TF-IDF.

    `transform` gives unit-length dense vectors for clustering; `features` gives the sparse,
    non-negative word and character TF-IDF the clusterer's self-training classifier learns from, and
    `seed_features` the word TF-IDF alone for its NMF seeds (NMF was better and several times faster
    without the character n-grams on StackOverflow).
    """

    def __init__(self, n_components: int = 100, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] = (2, 5), max_char_features: int = 100_000,
                 random_state: int | None = 0):
        self.n_components = n_components
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_char_features = max_char_features
        self.random_state = random_state

    def fit(self, texts: list[str], y=None) -> TfidfLsaVectorizer:
        """Learn vocabularies and the LSA projection from `texts`."""
        self.fit_encode(texts)
        return self

    def fit_encode(self, texts: list[str]):
        """Fit on `texts` and return their vectors, features and seed features in one pass.

        Same as `fit(texts)` then `transform`, `features` and `seed_features`, without counting
        the words and characters of every text four times.
        """
        texts = list(texts)
        # Terms seen once only add noise on large sets, but on a small café they are most of the signal.
        min_df = 2 if len(texts) >= 200 else 1
        self.words_, W = _fit_transform_or_none(word_vectorizer(min_df, self.word_ngrams), texts)
        self.chars_, C = _fit_transform_or_none(TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, min_df=min_df,
            max_features=self.max_char_features, dtype=np.float32,
        ), texts)
        X = _join(len(texts), [W, C])
        n_comp = min(self.n_components, X.shape[1] - 1, len(texts) - 1)
        self.svd_ = None
        Z = X.toarray() if not X.nnz or n_comp < 2 else None
        if Z is None:
            self.svd_ = TruncatedSVD(n_comp, algorithm="randomized", n_iter=5,
                                     random_state=self.random_state)
            with np.errstate(divide="ignore", invalid="ignore"):  # all-duplicate notes: 0/0
                Z = self.svd_.fit_transform(X)
        seeds = W if W is not None else C
        seeds = normalize(seeds) if seeds is not None else \
            sp.csr_matrix((len(texts), 1), dtype=np.float32)
        return normalize(np.asarray(Z, dtype=np.float32)), X, seeds

    def features(self, texts: list[str]) -> sp.csr_matrix:
        """Return the unit-length sparse TF-IDF of `texts` (words and characters side by side)."""
        return self._tfidf(texts)

    def seed_features(self, texts: list[str]) -> sp.csr_matrix:
        """Return the unit-length sparse word TF-IDF of `texts` (characters if no words are known)."""
        vectorizer = self.words_ or self.chars_
        if vectorizer is None:
            return sp.csr_matrix((len(texts), 1), dtype=np.float32)
        return normalize(vectorizer.transform(list(texts)))

    def _tfidf(self, texts: list[str]) -> sp.csr_matrix:
        """Return the unit-length sparse TF-IDF of `texts` (words and characters side by side)."""
        texts = list(texts)
        return _join(len(texts), [v.transform(texts) if v is not None else None
                                  for v in (self.words_, self.chars_)])

    def transform(self, texts: list[str]) -> np.ndarray:
        """Return unit-length LSA vectors of `texts` (rows of zeros for texts with no known terms)."""
        X = self._tfidf(texts)
        Z = self.svd_.transform(X) if self.svd_ is not None else X.toarray()
        return normalize(np.asarray(Z, dtype=np.float32))


def _join(n: int, parts) -> sp.csr_matrix:
    """Put sparse blocks side by side and give each row unit length (one empty column if none)."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return sp.csr_matrix((n, 1), dtype=np.float32)
    return normalize(sp.hstack(parts).tocsr())


def _fit_transform_or_none(vectorizer: TfidfVectorizer, texts: list[str]):
    """Fit `vectorizer` and transform `texts`, or return (None, None) when the texts have no terms
    it can count."""
    try:
        return vectorizer, vectorizer.fit_transform(texts)
    except ValueError:  # "empty vocabulary": only stop words, punctuation or nothing at all
        return None, None
