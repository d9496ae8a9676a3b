import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from cafe.synthesis import TfidfLsaVectorizer
from cafe.synthesis.vectorize import TOKEN_PATTERN, CharTfidf


def test_vectors_are_unit_length_and_deterministic(corpus):
    notes, _ = corpus
    texts = [n.text for n in notes]
    a = TfidfLsaVectorizer(random_state=0).fit_transform(texts)
    b = TfidfLsaVectorizer(random_state=0).fit_transform(texts)
    assert a.shape[0] == len(texts)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.allclose(a, b)


def test_same_topic_notes_are_closer(corpus):
    notes, topics = corpus
    texts = [n.text for n in notes]
    X = TfidfLsaVectorizer().fit_transform(texts)
    index = {n.id: i for i, n in enumerate(notes)}
    housing = [index[i] for i in topics["housing"]]
    police = [index[i] for i in topics["police"]]
    within = (X[housing] @ X[housing].T).mean()
    across = (X[housing] @ X[police].T).mean()
    assert within > across


def test_features_are_sparse_and_non_negative(corpus):
    texts = [n.text for n in corpus[0]]
    vec = TfidfLsaVectorizer().fit(texts)
    for F in (vec.features(texts), vec.seed_features(texts)):
        assert sp.issparse(F) and F.shape[0] == len(texts) and F.min() >= 0


def test_texts_with_no_known_terms_give_zero_vectors():
    vec = TfidfLsaVectorizer().fit(["?!", "..."])
    assert not vec.transform(["zzz"]).any()
    assert vec.transform(["?!"]).any()


def test_tokens_keep_bengali_and_urdu_words_whole():
    assert re.findall(TOKEN_PATTERN, "আমি বাংলায় কথা বলি") == ["আমি", "বাংলায়", "কথা", "বলি"]
    assert re.findall(TOKEN_PATTERN, "اردو میں بات") == ["اردو", "میں", "بات"]
    assert "can't" in re.findall(TOKEN_PATTERN, "we can't wait")


def test_fit_encode_matches_fit_then_transform(corpus):
    texts = [n.text for n in corpus[0]]
    V, F, S = TfidfLsaVectorizer(random_state=0).fit_encode(texts)
    vec = TfidfLsaVectorizer(random_state=0).fit(texts)
    assert np.allclose(V, vec.transform(texts), atol=1e-5)
    assert abs(F - vec.features(texts)).max() < 1e-6
    assert abs(S - vec.seed_features(texts)).max() < 1e-6


def _same_sparse(a, b) -> bool:
    return (type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
            and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.data, b.data))


@pytest.mark.parametrize("min_df,max_features", [(1, 100_000), (2, 100_000), (1, 40), (1, None)])
def test_char_tfidf_is_scikit_learns_char_wb_entry_for_entry(corpus, min_df, max_features):
    texts = [n.text for n in corpus[0]] + [
        "", "  a  ", "I\tthink\n\nso  ÄÖ ß", "নারীরা সাহায্য চায় না", "ہمیں اپنی زبان میں مدد",
        "ab ab ab", "x 😀 🙂y", "Nie zgadzam się",
    ]
    ours = CharTfidf((2, 5), min_df=min_df, max_features=max_features)
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                             min_df=min_df, max_features=max_features, dtype=np.float32)
    assert _same_sparse(ours.fit_transform(texts), theirs.fit_transform(texts))
    assert ours.vocabulary_ == theirs.vocabulary_
    later = texts[::3] + ["words never seen before", ""]
    assert _same_sparse(ours.transform(later), theirs.transform(later))


def test_char_tfidf_refuses_texts_with_nothing_to_count():
    with pytest.raises(ValueError):
        CharTfidf().fit_transform(["", "   "])
    with pytest.raises(ValueError):
        CharTfidf(min_df=3).fit_transform(["ab", "cd"])
