"""Ward's clustering from distances already computed, cut as scikit-learn cuts it."""

from __future__ import annotations

import heapq

import numpy as np
from scipy.cluster import hierarchy


def ward_labels(distances: np.ndarray, k: int) -> np.ndarray:
    """Return Ward's clustering into `k` groups of the rows whose condensed Euclidean
    `distances` are given (as `scipy.spatial.distance.pdist` lists them).

    The same labels, numbered the same way, as `AgglomerativeClustering(k, linkage="ward")
    .fit_predict(rows)`, which computes those distances itself: the tree is cut where
    scikit-learn cuts it, the largest merges undone first, and groups numbered in the order of
    its heap of nodes.
    """
    Z = hierarchy.linkage(distances, method="ward")
    children = Z[:, :2].astype(np.intp)
    n = len(children) + 1
    nodes = [-(2 * n - 2)]  # the root: scipy numbers merged clusters n, n + 1, ...
    for _ in range(k - 1):
        pair = children[-nodes[0] - n]
        heapq.heappush(nodes, -int(pair[0]))
        heapq.heappushpop(nodes, -int(pair[1]))
    labels = np.zeros(n, dtype=np.intp)
    for i, node in enumerate(nodes):
        stack, leaves = [-node], []
        while stack:
            j = stack.pop()
            if j < n:
                leaves.append(j)
            else:
                stack.extend(children[j - n].tolist())
        labels[leaves] = i
    return labels
