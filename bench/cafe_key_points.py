"""Score a café's themes against its writers' own: NMI, key point soft-F1, disagreements found.

Usage: python bench/cafe_key_points.py NOTES.csv KEY_POINTS.csv [--embeddings] [--k auto|true]
       [--judge DIR_OF_A_SENTENCE_MODEL]

NOTES.csv has `question,label,stance,text` (label empty: a note that fits no theme; stance -1: a
note taking the other view within its theme, empty where the theme has no disagreement);
KEY_POINTS.csv has `question,label,stance,key_point` (one sentence per theme, and one for the
other view where there is one). Each question's notes are themed on their own as the app does
(`SynthesisPipeline(by_question=True)`, every note quotable). Per question, printed as JSON lines,
then the means:

- `nmi`: of the themes against the writers' labels, on the labelled notes;
- `kp_p`, `kp_r`, `kp_f1`: soft precision / recall / F1 (Li et al. 2023) of the themes' key
  points (and other-view points) against the writers' key points, cosine in the judge model
  (`--judge`, default the local MiniLM: pass another model so the judge is not the selector);
- `splits` / `themes`: themes where the engine found two views; `split_right`: of the notes it
  put on the other view, the share the writers also marked as the other view (-1).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe
sys.path.insert(0, str(Path(__file__).resolve().parent))
from key_points import _JUDGE, soft_prf  # noqa: E402

from cafe.synthesis import NoteInput, SynthesisPipeline  # noqa: E402


def read(path: str) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main() -> None:
    """Theme every question, score it and print a line per question and the means."""
    ap = argparse.ArgumentParser()
    ap.add_argument("notes")
    ap.add_argument("key_points")
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--k", default="auto", choices=("auto", "true"))
    ap.add_argument("--judge", default="")
    args = ap.parse_args()
    if args.judge:
        _JUDGE["path"] = args.judge
    rows, gold = read(args.notes), defaultdict(list)
    for r in read(args.key_points):
        gold[r["question"]].append(r["key_point"])
    out = []
    for q in sorted({r["question"] for r in rows}):
        rs = [r for r in rows if r["question"] == q]
        labelled = {r["label"] for r in rs if r["label"]}
        notes = [NoteInput(i, r["text"], table=i % 8 + 1, round=1, consent="quote")
                 for i, r in enumerate(rs)]
        result = SynthesisPipeline(
            n_themes=len(labelled) if args.k == "true" else None, min_similarity=None,
            vectorizer="embeddings" if args.embeddings else "tfidf", by_question=True,
        ).run(notes)
        found = np.full(len(rs), -1)
        points, splits, right, other = [], 0, 0, 0
        for j, t in enumerate(result.themes):
            found[t.note_ids] = j
            points += [p for p in (t.key_point, t.other_point) if p]
            against = [i for i, side in t.stance.items() if side < 0]
            if against:
                splits += 1
                other += len(against)
                right += sum(rs[i]["stance"] == "-1" for i in against)
        mask = np.array([bool(r["label"]) for r in rs])
        truth = np.array([r["label"] for r in rs])[mask]
        p, r_, f1 = soft_prf(points, gold[q])
        line = {"question": q, "notes": len(rs), "themes": len(result.themes),
                "expected": len(labelled), "nmi": round(normalized_mutual_info_score(
                    truth, found[mask]), 3),
                "kp_p": round(p, 3), "kp_r": round(r_, 3), "kp_f1": round(f1, 3),
                "splits": splits, "split_right": round(right / other, 2) if other else None}
        print(json.dumps(line), flush=True)
        out.append(line)
    means = {k: round(statistics.mean(o[k] for o in out), 3)
             for k in ("nmi", "kp_p", "kp_r", "kp_f1", "themes", "expected")}
    means["splits"] = sum(o["splits"] for o in out)
    means["themes_total"] = sum(o["themes"] for o in out)
    print(json.dumps({"MEANS": args.notes, "embeddings": args.embeddings, "k": args.k,
                      "judge": Path(args.judge).name if args.judge else "MiniLM", **means}))


if __name__ == "__main__":
    main()
