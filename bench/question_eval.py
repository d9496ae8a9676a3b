"""Score per-question theming on a grouped CSV: NMI, ARI, themes found vs expected, stability.

Usage: python bench/question_eval.py CSV --group COLUMN [--embeddings] [--holdout-every 3]
       [--seeds 0,1] [--new-notes 5]

Each group (a debate topic, a café question) is themed on its own through `evaluate_groups`, as
the app themes each question. Printed per group and as medians/means: NMI and ARI on the labelled
rows, themes found against distinct labels, stability across the seeds (share of all the group's
notes kept together under the best one-to-one matching of themes, Hungarian) and stability after
`--new-notes` notes arrive (themes of the group without those notes vs with them, on the notes in
both). `--holdout-every 3` reports groups 3, 6, 9, ... (sorted by name, starting at the third)
apart from the others, as the ones not looked at while tuning.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import confusion_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe
from cafe.synthesis.evaluate import evaluate_groups  # noqa: E402


def agreement(a, b) -> float:
    """Return the share of items kept together by two labellings (best one-to-one matching)."""
    _, x = np.unique(a, return_inverse=True)
    _, y = np.unique(b, return_inverse=True)
    cm = confusion_matrix(x, y)
    r, c = linear_sum_assignment(-cm)
    return float(cm[r, c].sum() / len(a))


def labelling(groups: dict, value: str, rows: list[int]) -> np.ndarray:
    """Return one theme id per row of `rows` (-1-based ids for unthemed, each its own)."""
    where = {}
    g = next(x for x in groups["groups"] if x["group"] == value)
    for j, theme in enumerate(g["themes"]):
        for r in theme["rows"]:
            where[r] = j
    return np.array([where.get(r, -1 - i) for i, r in enumerate(rows)])


def main() -> None:
    """Print one JSON line per group, then the summaries."""
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--group", required=True)
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--k", default="auto")
    ap.add_argument("--holdout-every", type=int, default=0)
    ap.add_argument("--new-notes", type=int, default=5)
    args = ap.parse_args()
    print("command:", " ".join([sys.executable, *sys.argv]), flush=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = [evaluate_groups(args.csv, args.group, k=args.k, embeddings=args.embeddings, seed=s)
            for s in seeds]
    with open(args.csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    members: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        members.setdefault(row[args.group], []).append(i)
    # Re-run after a few new notes: drop `new_notes` rows of every group, theme, compare.
    rng = np.random.default_rng(0)
    dropped = {v: set(rng.choice(idx, min(args.new_notes, len(idx) // 4), replace=False).tolist())
               for v, idx in members.items()}
    keep = [i for v, idx in members.items() for i in idx if i not in dropped[v]]
    with tempfile.TemporaryDirectory() as tmp:
        fewer = Path(tmp) / "fewer.csv"
        with open(fewer, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            for i in keep:
                w.writerow(rows[i])
        before = evaluate_groups(str(fewer), args.group, k=args.k, embeddings=args.embeddings,
                                 seed=seeds[0])[2]
    # Map the smaller file's row numbers back to the full file's.
    for g in before["groups"]:
        for t in g["themes"]:
            t["rows"] = [keep[r] for r in t["rows"]]
        g["unthemed"] = [keep[r] for r in g["unthemed"]]
    names = sorted(members)
    held = set(names[args.holdout_every - 1::args.holdout_every]) if args.holdout_every else set()
    out = []
    for g0 in runs[0][0]:
        v = g0["group"]
        idx = members[v]
        line = {k: g0.get(k) for k in ("group", "n", "n_scored", "nmi", "ari", "acc", "k",
                                       "k_expected", "seconds")}
        line["nmi_seeds"] = [r[0][[x["group"] for x in r[0]].index(v)].get("nmi") for r in runs]
        if len(runs) > 1:
            line["stability_seeds"] = agreement(labelling(runs[0][2], v, idx),
                                                labelling(runs[1][2], v, idx))
        common = [i for i in idx if i not in dropped[v]]
        line["stability_new_notes"] = agreement(labelling(runs[0][2], v, common),
                                                labelling(before, v, common))
        line["held_out"] = v in held
        out.append(line)
        print(json.dumps(line), flush=True)
    for name, part in (("all", out), ("tuned", [o for o in out if not o["held_out"]]),
                       ("held_out", [o for o in out if o["held_out"]])):
        part = [o for o in part if o.get("nmi") is not None]
        if not part or (name != "all" and not held):
            continue
        ratio = [o["k"] / o["k_expected"] for o in part if o["k_expected"]]
        summary = {
            "part": name, "groups": len(part),
            "nmi_median": round(statistics.median(o["nmi"] for o in part), 3),
            "nmi_mean": round(statistics.mean(o["nmi"] for o in part), 3),
            "ari_median": round(statistics.median(o["ari"] for o in part), 3),
            "themes_mean": round(statistics.mean(o["k"] for o in part), 2),
            "expected_mean": round(statistics.mean(o["k_expected"] for o in part), 2),
            "k_ratio_mean": round(statistics.mean(ratio), 3),
            "k_error_mean": round(statistics.mean(abs(r - 1) for r in ratio), 3),
            "k_ratio_min": round(min(ratio), 3),
            "stability_seeds_median": round(statistics.median(
                o.get("stability_seeds", 1.0) for o in part), 3),
            "stability_seeds_min": round(min(o.get("stability_seeds", 1.0) for o in part), 3),
            "stability_new_notes_median": round(statistics.median(
                o["stability_new_notes"] for o in part), 3),
            "stability_new_notes_min": round(min(o["stability_new_notes"] for o in part), 3),
            "seconds_median": round(statistics.median(o["seconds"] for o in part), 3),
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
