"""How far can an extractive key point go on a café? Soft-F1 ceilings against the writers' points.

Usage: python bench/key_point_ceiling.py NOTES.csv KEY_POINTS.csv [NOTES.csv KEY_POINTS.csv ...]
       [--judge DIR_OF_A_SENTENCE_MODEL]

Files as for `bench/cafe_key_points.py`. Per set, means over its questions of soft-F1 (Li et al.
2023: each point's best cosine to the other side, averaged both ways) in the judge's model:

- `oracle`: for every writers' point, the single note closest to it in the judge's own space
  (soft recall of the best possible picks; no method that quotes one note can beat it);
- `central_judge`, `central_minilm`: the writers' own themes, each given its most central note
  (closest to the theme's mean) in the judge's space or in MiniLM: perfect themes, plain pick;
- `engine_lsa`, `engine_minilm`: the writers' own themes given to `key_points_for` (no stance
  split), with its default LSA or with MiniLM vectors: perfect themes, the engine's pick.

So the gap between the engine on its own themes (`bench/cafe_key_points.py`) and `engine_*` is
what the themes cost, and the gap between `oracle` and the target is what quoting one note costs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe
sys.path.insert(0, str(Path(__file__).resolve().parent))
from key_points import _JUDGE, encode, judge_encode, soft_prf  # noqa: E402

from cafe.synthesis.key_points import key_points_for  # noqa: E402


def read(path: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def central(vectors: np.ndarray, texts: list[str], labels: np.ndarray) -> list[str]:
    """Return each theme's note closest to the mean of its notes' vectors."""
    picks = []
    for c in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == c)
        picks.append(texts[idx[int(np.argmax(vectors[idx] @ vectors[idx].mean(0)))]])
    return picks


def engine(texts: list[str], labels: np.ndarray, embed=None) -> list[str]:
    found = key_points_for(texts, labels, stance=False, **({"embed": embed} if embed else {}))
    return [p.point.text for p in found if p.point and p.point.text]


def score_set(notes: str, key_points: str) -> dict:
    rows, gold_rows = read(notes), read(key_points)
    scores: dict[str, list[float]] = {k: [] for k in (
        "oracle", "central_judge", "central_minilm", "engine_lsa", "engine_minilm")}
    for q in sorted({r["question"] for r in rows}):
        texts = [r["text"] for r in rows if r["question"] == q]
        names = sorted({r["label"] for r in rows if r["question"] == q and r["label"]})
        labels = np.array([names.index(r["label"]) if r["label"] else -1
                           for r in rows if r["question"] == q])
        gold = [g["key_point"] for g in gold_rows if g["question"] == q]
        N = judge_encode(texts)
        scores["oracle"].append(float((N @ judge_encode(gold).T).max(0).mean()))
        scores["central_judge"].append(soft_prf(central(N, texts, labels), gold)[2])
        scores["central_minilm"].append(soft_prf(central(encode(texts), texts, labels), gold)[2])
        scores["engine_lsa"].append(soft_prf(engine(texts, labels), gold)[2])
        scores["engine_minilm"].append(soft_prf(
            engine(texts, labels, lambda xs: encode(list(xs))), gold)[2])
    return {"set": Path(notes).name, "questions": len(scores["oracle"]),
            **{k: round(float(np.mean(v)), 3) for k, v in scores.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+", help="pairs: NOTES.csv KEY_POINTS.csv")
    ap.add_argument("--judge", default="")
    args = ap.parse_args()
    if len(args.files) % 2:
        ap.error("give the files in pairs: NOTES.csv KEY_POINTS.csv")
    if args.judge:
        _JUDGE["path"] = args.judge
    for notes, key_points in zip(args.files[::2], args.files[1::2], strict=True):
        print(json.dumps(score_set(notes, key_points)), flush=True)


if __name__ == "__main__":
    main()
