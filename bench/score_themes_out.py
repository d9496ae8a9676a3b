"""Score the key points of a `cafe eval --themes-out` file against a café's writers' points.

Usage: python bench/score_themes_out.py THEMES.json NOTES.csv KEY_POINTS.csv [--judge DIR]

THEMES.json from `cafe eval NOTES.csv --group question --themes-out THEMES.json [--llm]`;
NOTES.csv and KEY_POINTS.csv as for `bench/cafe_key_points.py`. Per question, soft precision /
recall / F1 (Li et al. 2023) of the themes' `key_point` (and `other_point`) against the writers'
points, cosine in the judge model (`--judge`, default the local MiniLM); with `--llm` output, also
how many points the model wrote (`key_point_by` = "model"). The last line holds the means.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe
sys.path.insert(0, str(Path(__file__).resolve().parent))
from key_points import _JUDGE, soft_prf  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("themes")
    ap.add_argument("notes")
    ap.add_argument("key_points")
    ap.add_argument("--judge", default="")
    args = ap.parse_args()
    if args.judge:
        _JUDGE["path"] = args.judge
    with open(args.key_points, encoding="utf-8", newline="") as f:
        gold: dict[str, list[str]] = {}
        for row in csv.DictReader(f):
            gold.setdefault(row["question"], []).append(row["key_point"])
    with open(args.themes, encoding="utf-8") as f:
        themes = json.load(f)
    out = []
    for group in themes["groups"]:
        points = [p for t in group["themes"] for p in (t.get("key_point"), t.get("other_point"))
                  if p]
        p, r, f1 = soft_prf(points, gold.get(group["group"], []))
        line = {"question": group["group"], "points": len(points),
                "by_model": sum(t.get("key_point_by") == "model" for t in group["themes"]),
                "kp_p": round(p, 3), "kp_r": round(r, 3), "kp_f1": round(f1, 3)}
        print(json.dumps(line), flush=True)
        out.append(line)
    print(json.dumps({"MEANS": args.themes, **{k: round(statistics.mean(o[k] for o in out), 3)
                                              for k in ("kp_p", "kp_r", "kp_f1")},
                      "by_model": sum(o["by_model"] for o in out),
                      "judge": Path(args.judge).name if args.judge else "MiniLM"}))


if __name__ == "__main__":
    main()
