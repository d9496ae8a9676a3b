"""Print disclosure-detection precision, recall, F1 and confusion counts on a labelled set.

Usage: .venv/bin/python bench/safety_eval.py [PATH] [--split dev|test|all] [--errors]
PATH is a CSV with columns text,label and optionally split (default: the test-suite set).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cafe.safety import assess_disclosure

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "disclosure_examples.csv"


def load(path: Path) -> list[dict]:
    """Read the labelled notes."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {**row, "label": int(row["label"]), "split": row.get("split") or "all"}
            for row in csv.DictReader(f)
        ]


def confusion(rows: list[dict]) -> dict[str, int]:
    """Count true and false positives and negatives of assess_disclosure."""
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for row in rows:
        flagged = assess_disclosure(row["text"]).flagged
        key = ("t" if flagged == bool(row["label"]) else "f") + ("p" if flagged else "n")
        counts[key] += 1
    return counts


def scores(c: dict[str, int]) -> tuple[float, float, float]:
    """Return precision, recall and F1 from confusion counts."""
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv: list[str] | None = None) -> None:
    """Evaluate each split and print the figures and the command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--split", choices=("dev", "test", "all"), help="evaluate one split only")
    parser.add_argument(
        "--errors", action="store_true", help="list misclassified notes (contains note text)"
    )
    args = parser.parse_args(argv)

    rows = load(args.path)
    splits = sorted({r["split"] for r in rows}) if args.split is None else [args.split]
    if "all" not in splits:
        splits.append("all")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"{'split':<6} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4} {'precision':>10} {'recall':>7} {'f1':>6}"
    )
    for split in splits:
        subset = rows if split == "all" else [r for r in rows if r["split"] == split]
        c = confusion(subset)
        p, r, f1 = scores(c)
        print(
            f"{split:<6} {len(subset):>4} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {c['tn']:>4} {p:>10.3f} {r:>7.3f} {f1:>6.3f}"
        )
    if args.errors:
        chosen = (
            rows if args.split in (None, "all") else [r for r in rows if r["split"] == args.split]
        )
        for row in chosen:
            a = assess_disclosure(row["text"])
            if a.flagged != bool(row["label"]):
                print(f"{'FN' if row['label'] else 'FP'} {a.score:.2f} {row['text']!r} {a.reasons}")


if __name__ == "__main__":
    main()
