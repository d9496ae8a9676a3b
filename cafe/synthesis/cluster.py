"""Group note vectors into themes: NMF-seeded spherical k-means, then self-training."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import pdist, squareform
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize

from .ward import ward_labels


class ThemeClusterer(ClusterMixin, BaseEstimator):
    """Cluster unit-length vectors into `n_clusters` themes (chosen by silhouette when None).

    1. Seed: NMF topics of the sparse TF-IDF give balanced starting groups (k-means alone on short
       texts tends to make one huge catch-all cluster).
    2. Spherical k-means on the dense vectors from those seeds.
    3. Self-training: a Complement Naive Bayes classifier (Rennie et al. 2003, made for text with
       uneven classes; smoothing `alpha`) learns from each cluster's most confident members (at
       most `confident_fraction * n / k` per cluster, so a large cluster cannot drown the rest) and
       relabels every note; repeated until few notes move. Confidence is the margin between the
       best and second-best class log-likelihoods. With `dense_features` (sentence embeddings) a
       second expert joins: a von Mises-Fisher term `kappa * cos(note, class mean)` added to the
       Naive Bayes log-likelihood, i.e. words and embeddings treated as two views of the theme
       that are independent given the theme.
    4. With `dense_features`, transductive smoothing (label spreading, Zhou et al. 2004): for
       `smooth_rounds` rounds the classifier's posteriors are spread over each note's
       `neighbours` nearest neighbours in `X` (`p <- (1 - smoothing) p0 + smoothing * mean of the
       neighbours' p`, three steps) before the argmax, and the classifier is retrained on the
       90% of each theme nearest its centre in `dense_features`. A note whose own words are
       ambiguous takes the theme of the notes around it.

    Fitted: `labels_`, `cluster_centers_` (unit length), `similarity_` (cosine of each note to its
    centroid), `n_clusters_`, `k_scores_` (silhouette per k tried, when k was chosen: on
    `dense_features` when given, where the best k wins, else on `X`, where the fewest themes
    within `k_tolerance` of the best win). With `dense_features` and at most `k_themes_up_to`
    notes, each k is scored on the finished themes (the whole engine fitted at that k), beyond
    that on plain k-means of a sample.
    Self-training never empties a cluster: a round that would is not taken.
    """

    def __init__(self, n_clusters: int | None = None, self_training: int = 8,
                 confident_fraction: float = 0.5, k_range: tuple[int, int] | None = None,
                 alpha: float = 1.0, k_tolerance: float = 0.1, k_sample: int = 1000,
                 kappa: float = 20.0, k_tolerance_dense: float = 0.0, neighbours: int = 10,
                 smoothing: float = 0.8, smooth_rounds: int = 8, k_themes_up_to: int = 1000,
                 single_question: bool = False, ward_up_to: int = 3000,
                 consensus: int = 50, subsample: float = 0.8, consensus_up_to: int = 1000,
                 denoise: float = 0.5, random_state: int | None = 0):
        self.n_clusters = n_clusters
        self.self_training = self_training
        self.confident_fraction = confident_fraction
        self.k_range = k_range
        self.alpha = alpha
        self.k_tolerance = k_tolerance
        self.k_sample = k_sample
        self.kappa = kappa
        self.k_tolerance_dense = k_tolerance_dense
        self.neighbours = neighbours
        self.smoothing = smoothing
        self.smooth_rounds = smooth_rounds
        self.k_themes_up_to = k_themes_up_to
        self.single_question = single_question
        self.ward_up_to = ward_up_to
        self.consensus = consensus
        self.subsample = subsample
        self.consensus_up_to = consensus_up_to
        self.denoise = denoise
        self.random_state = random_state

    def fit(self, X: np.ndarray, y=None, features: sp.spmatrix | None = None,
            seed_features: sp.spmatrix | None = None,
            dense_features: np.ndarray | None = None) -> ThemeClusterer:
        """Cluster the rows of `X`; sparse non-negative `features` train the classifier,
        `seed_features` (default: `features`) the NMF seeds, and unit-length `dense_features`
        (optional) join the classifier as a second view."""
        X = np.asarray(X, dtype=np.float32)
        n = X.shape[0]
        if n:
            X = normalize(X)
        n_distinct = len(np.unique(X.round(5), axis=0)) if n else 0
        self.k_scores_ = {}
        if self.single_question and n_distinct >= 2 and n <= self.ward_up_to:
            return self._fit_question(X, n_distinct, features, dense_features)
        if self.n_clusters is not None:
            k = int(self.n_clusters)
        else:
            # Sentence embeddings alone, when given, show the topics best: their silhouette peaks
            # (SearchSnippets, 8 topics: 7-17 themes where [embedding, LSA] gave 20-30), so the
            # plain maximum is taken there (`k_tolerance_dense`).
            if dense_features is None:
                k = self._choose_k(X, n_distinct, self.k_tolerance)
            else:
                if n <= self.k_themes_up_to and features is not None and self.self_training:
                    chosen = self._choose_k_by_themes(X, features, seed_features, dense_features,
                                                      n_distinct)
                    if chosen is not None:
                        self.n_clusters_, labels = chosen
                        self._finish(X, labels)
                        return self
                k = self._choose_k(normalize(np.asarray(dense_features, dtype=np.float32)),
                                   n_distinct, self.k_tolerance_dense)
        k = max(1, min(k, n_distinct))
        self.n_clusters_ = k
        if n == 0:
            self.labels_ = np.zeros(0, dtype=int)
            self.cluster_centers_ = np.zeros((0, X.shape[1]), dtype=np.float32)
            self.similarity_ = np.zeros(0, dtype=np.float32)
            return self
        if k == 1:
            labels = np.zeros(n, dtype=int)
        else:
            labels = self._kmeans(X, k, features if seed_features is None else seed_features)
            if self.self_training and features is not None and n >= 4 * k:
                labels = self._self_train(X, labels, features, k, dense_features)
                if dense_features is not None and self.smoothing and self.smooth_rounds \
                        and n > self.neighbours > 0:
                    labels = self._smooth(X, labels, features, dense_features)
        self._finish(X, labels)
        return self

    def _fit_question(self, X: np.ndarray, n_distinct: int, features, dense) -> ThemeClusterer:
        """Theme notes that all answer one question: centred vectors, a consensus of Ward runs.

        Every note shares the question's words and meaning, so that common part is taken out
        (the vectors are centred on their mean, then made unit length again) before the notes
        are compared. The themes are a consensus (Strehl & Ghosh 2002; Monti et al. 2003): Ward's
        clustering of `consensus` random subsamples (`subsample` of the notes each), every note
        placed at the nearest centre of each, counts how often two notes end up together; the
        notes are then grouped by average linkage on that share and refined by k-means from
        those groups' centres. One Ward tree of one topic's notes can merge differently when a
        few notes arrive; the share over many subsamples barely moves. The subsamples are drawn
        from a fixed generator, not `random_state`: the same notes give the same themes whatever
        the seed. `consensus=0` keeps the single Ward tree, then the usual self-training (which
        moved more notes on a re-run, docs/BENCHMARKS.md). Past 250 notes the runs shrink in
        proportion (at least 10), to keep 1,000 notes fast; past `consensus_up_to` notes one Ward
        tree (a few notes are then a tiny change, and n x n shares cost memory). k, when not
        given, is `question_k`. First, with `denoise`, each note is drawn towards its nearest
        notes (`denoised`; `neighbours`, at most a fifth of them): a short note's few words are a
        noisy sample of what it says, and the notes nearest it say much the same.
        """
        Xc = normalize(X - X.mean(0))
        n = X.shape[0]
        near = min(self.neighbours, n // 5)  # a few notes' neighbours would be most of them
        if self.denoise and near >= 2:
            Xc = denoised(Xc, near, self.denoise)
        D = None
        if dense is not None:
            D = np.asarray(dense, dtype=np.float32)
            D = normalize(D - D.mean(0))
        k = int(self.n_clusters) if self.n_clusters is not None else question_k(n)
        k = max(1, min(k, n_distinct))
        self.n_clusters_ = k
        if k == 1:
            self._finish(X, np.zeros(n, dtype=int))
            return self
        m = int(round(self.subsample * n))
        if self.consensus and k < m < n <= self.consensus_up_to:
            # Each Ward run costs ~n^2: past 250 notes fewer runs (at least 10), as a few new
            # notes are a smaller change to a larger group.
            runs = int(np.clip(round(self.consensus * 250 / n), min(10, self.consensus),
                               self.consensus))
            together = co_association(Xc, k, runs, m)
            labels = AgglomerativeClustering(k, metric="precomputed", linkage="average")\
                .fit_predict(1.0 - together)
        else:
            labels = AgglomerativeClustering(k, linkage="ward").fit_predict(Xc)
        centres = np.vstack([Xc[labels == j].mean(0) for j in range(k)])
        labels = KMeans(k, init=centres, n_init=1, max_iter=100).fit(Xc).labels_
        labels = np.unique(labels, return_inverse=True)[1]
        k = int(labels.max()) + 1
        if not self.consensus and self.self_training and features is not None \
                and n >= 4 * k:
            labels = self._self_train(Xc, labels, features, k, D)
        self._finish(X, labels)
        return self

    def _choose_k(self, X: np.ndarray, n_distinct: int, tolerance: float) -> int:
        """Pick the fewest themes whose silhouette is within `tolerance` of the best.

        Candidates run from 2 to clip(sqrt(n / 2), 2, 30): every k up to 10, then about 15% apart.
        On short texts the silhouette of k-means keeps creeping up with k long after the real
        topics are found (small tight groups of near-duplicates split off), so the plain maximum
        over-splits; the smallest k that is nearly as good is both closer to the topics and easier
        for staff to read.
        """
        n = X.shape[0]
        if n_distinct < 3:
            return 1
        lo, ks = self._k_candidates(n, n_distinct)
        if not ks:
            return max(1, min(lo, n_distinct))
        rng = np.random.default_rng(self.random_state)
        # Silhouette is quadratic in n: score a fixed-size sample, which is plenty to rank k.
        sample = X if n <= self.k_sample else X[rng.choice(n, self.k_sample, replace=False)]
        for k in ks:
            labels = KMeans(k, n_init=1, max_iter=100, random_state=self.random_state)\
                .fit_predict(sample)
            if len(np.unique(labels)) < 2:
                continue
            self.k_scores_[k] = cosine_silhouette(sample, labels)
        if not self.k_scores_:
            return 1
        best = max(self.k_scores_.values())
        return min(k for k, v in self.k_scores_.items()
                   if v >= best - tolerance * abs(best))

    def _k_candidates(self, n: int, n_distinct: int) -> tuple[int, list[int]]:
        """Return the fewest themes allowed and the k worth scoring: from `k_range`, else 2 to
        clip(sqrt(n / 2), 2, 30), below the number of distinct notes (none when only one k is
        possible)."""
        lo, hi = self.k_range or (2, int(np.clip(round(np.sqrt(n / 2)), 2, 30)))
        hi = min(hi, n_distinct - 1)
        return lo, _candidates(lo, hi) if n_distinct >= 3 and hi > lo else []

    def _choose_k_by_themes(self, X, features, seed_features, dense, n_distinct: int):
        """Theme the notes at every candidate k and keep the themes whose silhouette on the
        sentence embeddings is best (ties: fewer themes); return (k, labels), or None for one theme.

        The same criterion as `_choose_k` on `dense_features`, but scored on the themes the engine
        would deliver rather than on plain k-means: on 50 / 200 / 2,000-note samples it chose k
        closer to the labelled topics on both shared sets (docs/SYNTHESIS.md, session 5). It fits
        the whole engine once per candidate, so it is used up to `k_themes_up_to` notes.
        """
        _, ks = self._k_candidates(X.shape[0], n_distinct)
        D = normalize(np.asarray(dense, dtype=np.float32))
        best = None
        for k in ks:
            labels = clone(self).set_params(n_clusters=k).fit(
                X, features=features, seed_features=seed_features, dense_features=dense).labels_
            if len(np.unique(labels)) < 2:
                continue
            self.k_scores_[k] = cosine_silhouette(D, labels)
            if best is None or self.k_scores_[k] > self.k_scores_[best[0]]:
                best = (k, labels)
        return best

    def _kmeans(self, X: np.ndarray, k: int, features) -> np.ndarray:
        """Return k-means labels, seeded from NMF topics when the features allow it."""
        init = "k-means++"
        if features is not None and features.shape[1] >= k and features.nnz:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                W = NMF(k, init="nndsvda", max_iter=200, random_state=self.random_state)\
                    .fit_transform(features)
            seed = W.argmax(1)
            if len(np.unique(seed)) == k:
                init = normalize(np.vstack([X[seed == j].mean(0) for j in range(k)]))
        km = KMeans(k, init=init, n_init=1 if not isinstance(init, str) else 4,
                    random_state=self.random_state).fit(X)
        return km.labels_

    def _self_train(self, X: np.ndarray, labels: np.ndarray, features, k: int,
                    dense=None) -> np.ndarray:
        """Relabel every note by a classifier trained on each cluster's central members."""
        n = X.shape[0]
        cap = max(2, int(self.confident_fraction * n / k))
        score = _centroid_similarity(X, labels)
        for _ in range(self.self_training):
            train = _confident(labels, score, cap)
            if len(np.unique(labels[train])) < 2:
                break
            classes, loglik = self._loglik(features, dense, labels, train)
            top2 = np.partition(loglik, -2, axis=1)[:, -2:]  # at least two classes, see above
            new = classes[loglik.argmax(1)]
            if len(np.unique(new)) < len(np.unique(labels)):
                break  # a theme would vanish: keep the last labelling that had them all
            moved = float(np.mean(new != labels))
            labels, score = new, top2[:, 1] - top2[:, 0]
            if moved < 0.002:
                break
        # Classes may have emptied; renumber 0..m-1 so centroids line up with labels.
        return np.unique(labels, return_inverse=True)[1]

    def _loglik(self, features, dense, labels: np.ndarray, train: np.ndarray):
        """Return the classes and each note's class log-likelihood (Naive Bayes on `features`
        trained on the `train` notes, plus the von Mises-Fisher term of `dense` when given)."""
        clf = ComplementNB(alpha=self.alpha).fit(features[train], labels[train])
        loglik = clf.predict_joint_log_proba(features)
        if dense is not None:
            y, D = labels[train], dense[train]
            means = normalize(np.vstack([D[y == c].mean(0) for c in clf.classes_]))
            loglik = loglik - loglik.max(1, keepdims=True) + self.kappa * (dense @ means.T)
        return clf.classes_, loglik

    def _smooth(self, X: np.ndarray, labels: np.ndarray, features, dense) -> np.ndarray:
        """Label spreading of the classifier's posteriors over the nearest neighbours in `X`.

        On SearchSnippets (k = true) this took accuracy from 0.74 to 0.81 on the whole set and
        0.71 to 0.79 on 2,000-note samples; StackOverflow 0.872 -> 0.886 (docs/SYNTHESIS.md).
        A round that would empty a theme is not taken; rounds stop when < 0.2% of notes move.
        """
        n, k = X.shape[0], int(labels.max()) + 1
        near = nearest_neighbours(X, self.neighbours)
        for _ in range(self.smooth_rounds):
            # Train on the 90% of each theme nearest its centre in the embedding view (outliers
            # out, as in Rakib et al. 2020), with no cap: a larger theme may now be large.
            train = _confident(labels, _centroid_similarity(dense, labels), n)
            classes, loglik = self._loglik(features, dense, labels, train)
            if len(classes) < k:
                break
            post = np.exp(loglik - loglik.max(1, keepdims=True))
            post /= post.sum(1, keepdims=True)
            spread = post
            for _ in range(3):
                spread = (1.0 - self.smoothing) * post + self.smoothing * spread[near].mean(1)
            new = classes[spread.argmax(1)]
            if len(np.unique(new)) < k:
                break
            moved = float(np.mean(new != labels))
            labels = new
            if moved < 0.002:
                break
        return labels

    def _finish(self, X: np.ndarray, labels: np.ndarray) -> None:
        """Store labels, unit centroids and each note's similarity to its centroid."""
        k = labels.max() + 1
        centers = normalize(np.vstack([X[labels == j].mean(0) for j in range(k)]))
        self.labels_ = labels
        self.cluster_centers_ = centers
        self.similarity_ = np.einsum("ij,ij->i", X, centers[labels])


def question_k(n: int, most: int = 12) -> int:
    """Return the number of themes for `n` notes that answer one question: sqrt(n) / 2 in 2..`most`.

    About 8 for 230 notes (the expert key points of a debate topic: 7-11 for both sides), 5 for
    110 (a café question), 3 for 30; at most 12, so 1,000 notes stay readable.
    """
    return int(np.clip(round(np.sqrt(max(n, 0)) / 2), 2, most))


def denoised(X: np.ndarray, m: int, weight: float) -> np.ndarray:
    """Return unit rows drawn towards their neighbours, centred again: `(1 - weight) x + weight *
    mean of its m nearest rows` (by cosine), then centred on the mean and made unit length.

    One step of neighbourhood averaging (as in mean shift): what a note shares with the notes
    nearest it is kept, its own noise is averaged down. It raised the mean NMI on most of six café
    sets and on the held-out debate topics, on both paths, and shrank the one large theme the word
    path made of each café question (docs/BENCHMARKS.md, session 14).
    """
    near = nearest_neighbours(X, m)
    Y = normalize((1.0 - weight) * X + weight * X[near].mean(1))
    return normalize(Y - Y.mean(0))


def co_association(X: np.ndarray, k: int, runs: int, size: int) -> np.ndarray:
    """Return how often each two rows share a group over `runs` Ward clusterings of `size`-row
    subsamples, every row placed at the nearest centre of each (n x n, 0..1).

    The subsamples come from a generator with a fixed seed, so the result depends on `X` alone.
    """
    n = X.shape[0]
    rng = np.random.default_rng(0)
    together = np.zeros((n, n), dtype=np.float32)
    # Each pair's distance once, not again in every run that draws both (most of a run's time).
    dist = squareform(pdist(np.asarray(X, dtype=np.float64)))
    for _ in range(runs):
        idx = np.sort(rng.choice(n, size, replace=False))
        sub = X[idx]
        part = ward_labels(squareform(dist[idx][:, idx], checks=False), k)
        centres = np.vstack([sub[part == j].mean(0) for j in range(k)])
        nearest = (X @ centres.T).argmax(1)
        onehot = np.zeros((n, k), dtype=np.float32)
        onehot[np.arange(n), nearest] = 1.0
        together += onehot @ onehot.T
    return together / runs


def _candidates(lo: int, hi: int) -> list[int]:
    """Return the k to try: every k up to 10, then about 15% apart up to `hi`."""
    ks = set(range(lo, min(hi, 10) + 1))
    if hi > 10:
        ks |= set(np.round(np.geomspace(max(lo, 10), hi, 2 + int(np.log(hi / 10) / np.log(1.15))))
                  .astype(int).tolist())
    return sorted(k for k in ks if lo <= k <= hi)


def cosine_silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    """Return the mean silhouette under cosine distance of unit-length rows, from cluster sums.

    For unit rows the mean cosine distance from x to the members of cluster C is
    1 - x . sum(C) / |C| (its own row, at distance 0, taken out of its own cluster), so the
    silhouette needs an n x k product instead of the n x n distance matrix: the same value as
    `silhouette_score(X, labels, metric="cosine")` at a fraction of the cost. Notes alone in their
    cluster score 0, as there.
    """
    ids, y = np.unique(labels, return_inverse=True)
    if len(ids) < 2:
        return 0.0
    X = np.asarray(X, dtype=np.float64)
    sizes = np.bincount(y).astype(np.float64)
    sums = np.zeros((len(ids), X.shape[1]))
    np.add.at(sums, y, X)
    dist = 1.0 - (X @ sums.T) / sizes  # mean distance to every cluster, own row included
    rows = np.arange(len(y))
    own = sizes[y]
    # Own cluster without the row itself (self-distance 1 - x.x = 0 adds nothing to the sum).
    a = (own * dist[rows, y] - (1.0 - np.einsum("ij,ij->i", X, X))) / np.maximum(own - 1, 1)
    dist[rows, y] = np.inf
    b = dist.min(1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(np.mean(np.clip(s, -1.0, 1.0)))


def _confident(labels: np.ndarray, score: np.ndarray, cap: int) -> np.ndarray:
    """Mark each cluster's highest-scoring members: at most `cap`, and at most 90% of it."""
    train = np.zeros(len(labels), dtype=bool)
    for j in np.unique(labels):
        idx = np.flatnonzero(labels == j)
        keep = min(cap, int(np.ceil(0.9 * len(idx))))
        train[idx[np.argsort(-score[idx], kind="stable")[:keep]]] = True
    return train


def nearest_neighbours(X: np.ndarray, m: int, block: int = 10_000_000) -> np.ndarray:
    """Return the indices of each unit row's `m` most cosine-similar other rows (n x m).

    Brute force in blocks of rows so that at most `block` similarities are held at once.
    """
    n = X.shape[0]
    m = min(m, n - 1)
    X = np.asarray(X, dtype=np.float32)
    out = np.zeros((n, m), dtype=np.intp)
    step = max(1, block // max(n, 1))
    for a in range(0, n, step):
        sim = X[a:a + step] @ X.T
        rows = np.arange(sim.shape[0])
        sim[rows, a + rows] = -np.inf
        out[a:a + step] = np.argpartition(-sim, m - 1, axis=1)[:, :m]
    return out


def _centroid_similarity(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return each row's cosine similarity to the centroid of its cluster."""
    sim = np.zeros(X.shape[0], dtype=np.float32)
    for j in np.unique(labels):
        m = labels == j
        c = X[m].mean(0)
        sim[m] = X[m] @ (c / (np.linalg.norm(c) or 1.0))
    return sim
