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


def read_grouped_csv(path: str, group: str) -> list[dict]:
    """Return the rows of a CSV with `text`, `label` and the `group` column (labels may be empty)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    need = {"text", "label", group}
    if rows and not need <= set(rows[0]):
        missing = ", ".join(sorted(need - set(rows[0])))
        raise ValueError(f"{path} needs the columns {', '.join(sorted(need))} (missing: {missing})")
    return rows


def theme_question(texts: list[str], k: int | None, embeddings: bool = False,
                   seed: int = 0):
    """Theme the notes of one question as the app does; return (cluster id per text, result)."""
    notes = [NoteInput(id=i, text=t, round=0, consent="quote") for i, t in enumerate(texts)]
    pipe = SynthesisPipeline(n_themes=k, random_state=seed, min_similarity=None,
                             vectorizer="embeddings" if embeddings else "tfidf",
                             by_question=True)
    result = pipe.run(notes)
    labels = np.full(len(texts), -1)
    for j, theme in enumerate(result.themes):
        labels[theme.note_ids] = j
    return labels, result


def evaluate_groups(path: str, group: str, k: int | str = "auto", embeddings: bool = False,
                    seed: int = 0) -> tuple[list[dict], dict, dict]:
    """Theme each group of rows on its own (as the app themes each question) and score it.

    Rows with an empty `label` are themed but not scored. `k` is a number (per group), "true"
    (the group's number of distinct labels) or "auto". Returns one score per group, their means
    and the themes as {"groups": [{"group", "themes": [{"label", "key_point", "stance", "rows"}],
    "unthemed": [rows]}]} with 0-based data-row indices.
    """
    rows = read_grouped_csv(path, group)
    order: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        order.setdefault(row[group], []).append(i)
    per_group, themes_out = [], []
    for value, idx in order.items():
        texts = [rows[i]["text"] for i in idx]
        truth = [rows[i]["label"].strip() for i in idx]
        scored = np.array([bool(t) for t in truth])
        expected = len({t for t in truth if t})
        n_themes = {"true": max(1, expected), "auto": None}.get(k, k) if isinstance(k, str) \
            else int(k)
        start = time.perf_counter()
        labels, result = theme_question(texts, n_themes, embeddings=embeddings, seed=seed)
        seconds = time.perf_counter() - start
        out = {"group": value, "n": len(idx), "n_scored": int(scored.sum()),
               "k": len(result.themes), "k_expected": expected,
               "seconds": round(seconds, 3)}
        if scored.sum() >= 2:
            out.update(score([t for t, s in zip(truth, scored, strict=True) if s],
                             labels[scored]))
        per_group.append(out)
        themes_out.append({
            "group": value,
            "themes": [_theme_out(theme, idx) for theme in result.themes],
            "unthemed": sorted(idx[i] for i in result.unthemed),
        })
    means = _means(per_group)
    return per_group, means, {"groups": themes_out}


def _theme_out(theme, idx: list[int]) -> dict:
    """Return one theme for `--themes-out`: label, key point, stance and 0-based data rows.

    `key_point` is the key point module's sentence (None when no note could give one), taken
    from row `key_point_row`;
    `stance` is "mixed" when the stance step found two opposite views in the theme (the other
    view's sentence is `other_point`, its rows `other_rows`), else None: the engine does not know
    for or against the question, only whether a theme's notes disagree.
    """
    out = {"label": theme.label, "key_point": theme.key_point or None, "stance": None,
           "rows": sorted(idx[i] for i in theme.note_ids)}
    if theme.key_point and theme.key_point_id is not None:
        out["key_point_row"] = idx[theme.key_point_id]  # the row the sentence was taken from
    if theme.other_point and any(side < 0 for side in theme.stance.values()):
        out.update(stance="mixed", other_point=theme.other_point,
                   other_rows=sorted(idx[i] for i, side in theme.stance.items() if side < 0))
    return out


def _means(per_group: list[dict]) -> dict:
    """Return the mean scores over the groups that had labels, and the theme counts."""
    scored = [g for g in per_group if "nmi" in g]
    out: dict = {"groups": len(per_group), "groups_scored": len(scored),
                 "n": sum(g["n"] for g in per_group)}
    for m in ("nmi", "ari", "acc"):
        out[m] = round(float(np.mean([g[m] for g in scored])), 4) if scored else None
    with_expected = [g for g in per_group if g["k_expected"]]
    out["k"] = round(float(np.mean([g["k"] for g in per_group])), 2) if per_group else 0
    out["k_expected"] = round(float(np.mean([g["k_expected"] for g in with_expected])), 2) \
        if with_expected else None
    out["k_ratio"] = round(float(np.mean([g["k"] / g["k_expected"] for g in with_expected])), 3) \
        if with_expected else None
    out["seconds"] = round(sum(g["seconds"] for g in per_group), 3)
    return out
