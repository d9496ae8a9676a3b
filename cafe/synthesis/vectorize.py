"""Turn note texts into vectors: TF-IDF over words and characters, reduced by LSA."""

from __future__ import annotations

from array import array
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer, TfidfVectorizer
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
        self.chars_, C = _fit_transform_or_none(CharTfidf(
            self.char_ngrams, min_df=min_df, max_features=self.max_char_features), texts)
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


class CharTfidf:
    """Sublinear TF-IDF of character n-grams within word edges (unit rows, float32).

    The same matrix, entry for entry and in the same order, as scikit-learn's
    `TfidfVectorizer(analyzer="char_wb", ngram_range=..., sublinear_tf=True, min_df=...,
    max_features=..., dtype=np.float32)`, and the same `vocabulary_`, but each distinct word's
    n-grams are cut and looked up once rather than at every occurrence (most of the time of the
    theming of 1,000 notes went there).
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 5), min_df: int = 1,
                 max_features: int | None = None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        """Learn the n-grams and their idf from `texts` and return their TF-IDF."""
        ids: defaultdict[str, int] = defaultdict()  # n-gram -> order first seen, as scikit-learn
        ids.default_factory = ids.__len__  # numbers them

        def grams(word: str) -> array:
            return array("i", map(ids.__getitem__, self._grams(word)))

        X = self._counts(texts, grams, ids.__len__)
        if not ids:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        ids = dict(ids)
        terms = list(ids)
        # Columns in alphabetical order of the n-grams, rows' entries in the order first seen.
        rank = np.empty(len(terms), dtype=np.int64)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        X.indices = rank[X.indices].astype(X.indices.dtype)
        X.has_sorted_indices = False
        df = np.bincount(X.indices, minlength=len(terms))
        mask = (df <= len(texts)) & (df >= self.min_df)
        if self.max_features is not None and mask.sum() > self.max_features:
            tfs = np.asarray(X.sum(axis=0)).ravel()
            top = (-tfs[mask]).argsort()[:self.max_features]
            limited = np.zeros(len(df), dtype=bool)
            limited[np.where(mask)[0][top]] = True
            mask = limited
        if not mask.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        new = np.cumsum(mask) - 1
        keep = mask[X.indices]
        counts = np.cumsum(np.concatenate([[0], keep]))
        X = sp.csr_matrix((X.data[keep], new[X.indices[keep]].astype(X.indices.dtype),
                           counts[X.indptr].astype(X.indptr.dtype)),
                          shape=(len(texts), int(mask.sum())))
        self.vocabulary_ = {t: int(new[rank[i]]) for i, t in enumerate(terms) if mask[rank[i]]}
        self._tfidf = TfidfTransformer(sublinear_tf=True).fit(X)
        return self._tfidf.transform(X, copy=False)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Return the TF-IDF of `texts` over the n-grams learnt (others are left out)."""
        vocabulary = self.vocabulary_

        def grams(word: str) -> array:
            return array("i", [vocabulary[g] for g in self._grams(word) if g in vocabulary])

        X = self._counts(list(texts), grams, vocabulary.__len__)
        return self._tfidf.transform(X, copy=False)

    def _grams(self, word: str) -> list[str]:
        """Return the n-grams of one word between spaces, as scikit-learn's char_wb cuts them."""
        lo, hi = self.ngram_range
        word = f" {word} "
        out = []
        for n in range(lo, hi + 1):
            if len(word) <= n:  # a short word counts once, whole
                out.append(word)
                break
            out += [word[i:i + n] for i in range(len(word) - n + 1)]
        return out

    @staticmethod
    def _counts(texts: list[str], grams, width) -> sp.csr_matrix:
        """Count each text's n-grams: columns are the ids `grams(word)` gives, `width()` of them;
        each distinct word is cut once, duplicates are summed and each row's ids sorted."""
        cut: dict[str, array] = {}
        indices = array("i")  # 4 bytes an n-gram: 50,000 notes hold tens of millions
        indptr = [0]
        for text in texts:
            for word in text.lower().split():
                found = cut.get(word)
                if found is None:
                    found = cut[word] = grams(word)
                indices += found
            indptr.append(len(indices))
        X = sp.csr_matrix((np.ones(len(indices), dtype=np.float32),
                           np.frombuffer(indices, dtype=np.int32) if indices else
                           np.zeros(0, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
                          shape=(len(texts), max(width(), 1)))
        X.sum_duplicates()
        return X


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
