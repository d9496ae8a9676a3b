"""Score the engine against labelled short texts: NMI, ARI and accuracy (Hungarian matching)."""

from __future__ import annotations

import csv
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, confusion_matrix, normalized_mutual_info_score

from .pipeline import SynthesisPipeline
from .types import NoteInput


def read_labelled_csv(path: str) -> tuple[list[str], list[str]]:
    """Return the `text` and `label` columns of a CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if rows and not {"text", "label"} <= set(rows[0]):
        raise ValueError(f"{path} needs columns 'text' and 'label'")
    return [r["text"] for r in rows], [r["label"] for r in rows]


def hungarian_accuracy(truth, predicted) -> float:
    """Return the share of items right under the best one-to-one matching of clusters to labels."""
    if len(truth) == 0:
        return 0.0
    _, t = np.unique(truth, return_inverse=True)
    _, p = np.unique(predicted, return_inverse=True)
    cm = confusion_matrix(t, p)
    rows, cols = linear_sum_assignment(-cm)
    return float(cm[rows, cols].sum() / len(truth))


def score(truth, predicted) -> dict:
    """Return NMI, ARI and accuracy of `predicted` cluster ids against `truth` labels."""
    return {
        "nmi": float(normalized_mutual_info_score(truth, predicted)),
        "ari": float(adjusted_rand_score(truth, predicted)),
        "acc": hungarian_accuracy(truth, predicted),
    }


def cluster_labels(texts: list[str], k: int | None, embeddings: bool = False,
                   seed: int = 0) -> np.ndarray:
    """Run the pipeline on bare texts and return one cluster id per text (every text themed)."""
    notes = [NoteInput(id=i, text=t) for i, t in enumerate(texts)]
    pipe = SynthesisPipeline(n_themes=k, random_state=seed, min_similarity=None,
                             vectorizer="embeddings" if embeddings else "tfidf")
    result = pipe.run(notes)
    labels = np.full(len(texts), -1)
    for j, theme in enumerate(result.themes):
        labels[theme.note_ids] = j
    return labels


def evaluate_csv(path: str, k: int | str = "auto", embeddings: bool = False,
                 sample: int | None = None, seed: int = 0) -> dict:
    """Cluster the `text` column of a CSV and score it against its `label` column.

    `k` is a number, "true" (the number of distinct labels) or "auto" (chosen by the engine).
    `sample` draws that many rows at random (with `seed`) first.
    """
    texts, truth = read_labelled_csv(path)
    if sample is not None and sample < len(texts):
        idx = np.random.default_rng(seed).choice(len(texts), sample, replace=False)
        texts, truth = [texts[i] for i in idx], [truth[i] for i in idx]
    if k == "true":
        n_themes = len(set(truth))
    elif k == "auto":
        n_themes = None
    else:
        n_themes = int(k)
    start = time.perf_counter()
    labels = cluster_labels(texts, n_themes, embeddings=embeddings, seed=seed)
    seconds = time.perf_counter() - start
    out = score(truth, labels)
    out.update(k=len(set(labels.tolist())), n=len(texts), seconds=round(seconds, 3))
    return out
