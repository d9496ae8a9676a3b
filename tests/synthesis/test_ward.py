import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.cluster import AgglomerativeClustering
from sklearn.preprocessing import normalize

from cafe.synthesis.ward import ward_labels


@pytest.mark.parametrize("k", [2, 5, 11])
def test_ward_labels_are_agglomerative_clusterings(k):
    rng = np.random.default_rng(3)
    X = normalize(rng.normal(size=(120, 8)).astype(np.float32))
    X[60:64] = X[10]  # ties: identical rows
    expected = AgglomerativeClustering(k, linkage="ward").fit_predict(X)
    assert np.array_equal(ward_labels(pdist(X.astype(np.float64)), k), expected)
