import numpy as np
import pytest

from cafe.synthesis import TfidfLsaVectorizer, ThemeClusterer
from cafe.synthesis.evaluate import hungarian_accuracy


def _fit(notes, **kw):
    texts = [n.text for n in notes]
    vec = TfidfLsaVectorizer(random_state=0).fit(texts)
    return ThemeClusterer(random_state=0, **kw).fit(
        vec.transform(texts), features=vec.features(texts), seed_features=vec.seed_features(texts))


def _groups(notes, labels):
    out = {}
    for note, label in zip(notes, labels, strict=True):
        out.setdefault(int(label), set()).add(note.id)
    return out


def test_four_topics_come_back_as_four_themes(corpus):
    notes, topics = corpus
    groups = _groups(notes, _fit(notes, n_clusters=4).labels_)
    truth = {i: topic for topic, ids in topics.items() for i in ids}
    assert hungarian_accuracy([truth[n.id] for n in notes],
                              [next(c for c, g in groups.items() if n.id in g) for n in notes]) >= 0.75
    # The two topics with the most distinctive words come back nearly whole and nearly pure.
    for topic in ("funding", "police"):
        ids = topics[topic]
        best = max(groups.values(), key=lambda g: len(g & ids))
        assert len(best & ids) >= 0.8 * len(ids) and len(best - ids) <= 0.2 * len(best)


def test_same_seed_same_themes(corpus):
    notes, _ = corpus
    a = _fit(notes, n_clusters=4)
    b = _fit(notes, n_clusters=4)
    assert _groups(notes, a.labels_) == _groups(notes, b.labels_)


def test_chooses_k_when_not_given(corpus):
    notes, _ = corpus
    model = _fit(notes)
    assert 3 <= model.n_clusters_ <= 8
    assert model.k_scores_ and model.n_clusters_ in model.k_scores_


def test_centroids_and_similarities_are_consistent(corpus):
    notes, _ = corpus
    model = _fit(notes, n_clusters=4)
    assert np.allclose(np.linalg.norm(model.cluster_centers_, axis=1), 1, atol=1e-5)
    assert model.similarity_.shape == (len(notes),)
    assert model.similarity_.max() <= 1 + 1e-5


def test_k_never_exceeds_distinct_notes():
    X = np.array([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5)
    model = ThemeClusterer(n_clusters=6).fit(X)
    assert model.n_clusters_ == 2
    assert len(set(model.labels_[:5])) == 1 and len(set(model.labels_[5:])) == 1


def test_no_rows():
    model = ThemeClusterer().fit(np.zeros((0, 3)))
    assert len(model.labels_) == 0


def test_auto_k_finds_well_separated_groups():
    rng = np.random.default_rng(0)
    centres = np.eye(6)[:3] * 5
    X = np.vstack([c + rng.normal(scale=0.3, size=(40, 6)) for c in centres])
    model = ThemeClusterer(random_state=0).fit(X)
    assert model.n_clusters_ == 3
    assert sorted(np.bincount(model.labels_).tolist()) == [40, 40, 40]


def test_k_candidates_cover_small_k_and_thin_out_above_ten():
    from cafe.synthesis.cluster import _candidates

    assert _candidates(2, 5) == [2, 3, 4, 5]
    ks = _candidates(2, 30)
    assert ks[:9] == list(range(2, 11)) and ks[-1] == 30 and len(ks) < 20


def test_self_training_keeps_every_theme(corpus):
    notes, _ = corpus
    for k in (2, 3, 4, 6):
        assert len(set(_fit(notes, n_clusters=k).labels_)) == k


def test_second_view_joins_self_training(corpus):
    notes, topics = corpus
    texts = [n.text for n in notes]
    vec = TfidfLsaVectorizer(random_state=0)
    X, F, S = vec.fit_encode(texts)
    model = ThemeClusterer(n_clusters=4, random_state=0).fit(X, features=F, seed_features=S,
                                                             dense_features=X)
    groups = _groups(notes, model.labels_)
    for topic in ("funding", "police"):
        best = max(groups.values(), key=lambda g: len(g & topics[topic]))
        assert len(best & topics[topic]) >= 0.8 * len(topics[topic])


def test_cosine_silhouette_from_cluster_sums_equals_the_pairwise_one(corpus):
    from sklearn.metrics import silhouette_score

    from cafe.synthesis.cluster import cosine_silhouette

    notes, _ = corpus
    texts = [n.text for n in notes]
    X = TfidfLsaVectorizer(random_state=0).fit(texts).transform(texts)
    X[:2] = 0.0  # notes with no known term: distance 1 to everything, as the old matrix had
    distances = np.clip(1.0 - X @ X.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    for k in (2, 4, 7):
        labels = np.arange(len(texts)) % k
        labels[0] = k  # a cluster of one scores 0
        expected = silhouette_score(distances, labels, metric="precomputed")
        assert abs(cosine_silhouette(X, labels) - expected) < 1e-5
    assert cosine_silhouette(X, np.zeros(len(texts), dtype=int)) == 0.0


def _with_topic_view(corpus, spread: float, noise: float, seed: int):
    """Return the corpus's LSA vectors, TF-IDF features and a second, 8-dimensional view in which
    each topic sits at its own axis (times `spread`) with Gaussian `noise`, rows of unit length."""
    notes, topics = corpus
    texts = [n.text for n in notes]
    vec = TfidfLsaVectorizer(random_state=0).fit(texts)
    rng = np.random.default_rng(seed)
    names = sorted(topics)
    centres = np.eye(8)[:4] * spread
    dense = np.vstack([centres[next(j for j, t in enumerate(names) if n.id in topics[t])]
                       + rng.normal(scale=noise, size=8) for n in notes])
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return vec.transform(texts), vec.features(texts), dense


def test_automatic_k_is_read_from_the_embedding_view_when_given(corpus):
    notes, topics = corpus
    # A second view in which the four topics are four tight, well separated groups.
    X, F, dense = _with_topic_view(corpus, spread=3, noise=0.3, seed=0)
    model = ThemeClusterer(random_state=0).fit(X, features=F, dense_features=dense)
    assert model.n_clusters_ == 4
    assert max(model.k_scores_, key=model.k_scores_.get) == 4
    assert sorted(map(sorted, _groups(notes, model.labels_).values())) == \
        sorted(map(sorted, topics.values()))


def test_nearest_neighbours_match_a_full_sort_in_any_block_size(corpus):
    from cafe.synthesis.cluster import nearest_neighbours

    notes, _ = corpus
    texts = [n.text for n in notes]
    X = TfidfLsaVectorizer(random_state=0).fit(texts).transform(texts)
    sim = X @ X.T
    np.fill_diagonal(sim, -np.inf)
    expected = np.sort(sim, axis=1)[:, ::-1][:, :5]
    for block in (1, 7 * len(texts), 10_000_000):
        near = nearest_neighbours(X, 5, block=block)
        assert near.shape == (len(texts), 5)
        assert not (near == np.arange(len(texts))[:, None]).any()  # never its own neighbour
        got = np.sort(np.take_along_axis(sim, near, axis=1), axis=1)[:, ::-1]
        assert np.allclose(got, expected)


def _misleading_words(corpus):
    """Four topics where 2 notes of each carry another topic's words (and word embedding) but sit
    among their own topic's notes in the clustering space: what label spreading is for."""
    notes, topics = corpus
    names = sorted(topics)
    truth = np.array([next(j for j, t in enumerate(names) if n.id in topics[t]) for n in notes])
    texts = [n.text for n in notes]
    moved = []
    for j in range(4):
        donor = texts[int(np.flatnonzero(truth == (j + 1) % 4)[0])]
        for i in np.flatnonzero(truth == j)[-2:]:
            texts[i] = donor
            moved.append(i)
    vec = TfidfLsaVectorizer(random_state=0)
    words, F, _ = vec.fit_encode(texts)
    rng = np.random.default_rng(0)
    X = np.eye(8)[truth] * 3 + rng.normal(scale=0.3, size=(len(texts), 8))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, F, words, truth, np.array(moved)


def test_label_spreading_puts_notes_with_misleading_words_among_their_neighbours(corpus):
    X, F, dense, truth, moved = _misleading_words(corpus)
    plain = ThemeClusterer(n_clusters=4, random_state=0, smoothing=0.0)\
        .fit(X, features=F, dense_features=dense)
    spread = ThemeClusterer(n_clusters=4, random_state=0).fit(X, features=F, dense_features=dense)
    # k-means on X alone gets every note right; self-training on the words then pulls notes away
    # from their neighbours, and spreading over the 10 nearest neighbours brings them all back.
    assert hungarian_accuracy(truth, plain.labels_) <= 0.85
    assert hungarian_accuracy(truth, spread.labels_) == 1.0
    assert _with_their_topic(spread.labels_, truth, moved) == len(moved)


def _with_their_topic(labels, truth, moved):
    """Count the `moved` notes that share the theme of most of their topic's other notes."""
    rest = np.ones(len(labels), dtype=bool)
    rest[moved] = False
    return sum(labels[i] == np.bincount(labels[rest & (truth == truth[i])]).argmax() for i in moved)


def test_label_spreading_keeps_every_theme(corpus):
    notes, _ = corpus
    texts = [n.text for n in notes]
    X, F, S = TfidfLsaVectorizer(random_state=0).fit_encode(texts)
    for k in (2, 3, 4, 6, 9):
        model = ThemeClusterer(n_clusters=k, random_state=0).fit(
            X, features=F, seed_features=S, dense_features=X)
        assert len(set(model.labels_)) == k


def test_automatic_k_scores_the_themes_the_engine_would_deliver(corpus):
    from cafe.synthesis.cluster import cosine_silhouette

    # A noisy second view: the topics overlap, so k-means alone and the engine's themes differ.
    X, F, dense = _with_topic_view(corpus, spread=1, noise=0.6, seed=1)
    model = ThemeClusterer(random_state=0).fit(X, features=F, dense_features=dense)
    for k, score in model.k_scores_.items():
        themes = ThemeClusterer(n_clusters=k, random_state=0).fit(X, features=F, dense_features=dense)
        assert score == pytest.approx(cosine_silhouette(dense, themes.labels_), abs=1e-6), k
    best = max(model.k_scores_, key=model.k_scores_.get)
    assert model.n_clusters_ == best
    chosen = ThemeClusterer(n_clusters=best, random_state=0).fit(X, features=F, dense_features=dense)
    assert np.array_equal(model.labels_, chosen.labels_)
    # Past `k_themes_up_to` notes only k-means is scored (one engine fit instead of one per k).
    quick = ThemeClusterer(random_state=0, k_themes_up_to=10).fit(X, features=F, dense_features=dense)
    assert quick.k_scores_.keys() == model.k_scores_.keys()
    assert quick.k_scores_ != model.k_scores_
