"""Score the engine on the shared labelled sets: k = true, k = auto, and 200-note samples.

Usage: python bench/eval_shared.py ../shared/data [--embeddings] [--draws 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe, not a venv's
from cafe.synthesis.evaluate import evaluate_csv  # noqa: E402


def main() -> None:
    """Print one JSON line per (set, setting) and the command that produced them."""
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--sets", default="stackoverflow,searchsnippets")
    args = ap.parse_args()
    print("command:", " ".join([sys.executable, *sys.argv]))
    for name in args.sets.split(","):
        path = str(Path(args.data) / name / "notes.csv")
        for k in ("true", "auto"):
            out = evaluate_csv(path, k=k, embeddings=args.embeddings)
            print(json.dumps({"set": name, "k_mode": k, **out}), flush=True)
        for k in ("true", "auto"):
            runs = [
                evaluate_csv(path, k=k, sample=200, seed=s, embeddings=args.embeddings)
                for s in range(args.draws)
            ]
            mean = {
                m: round(float(np.mean([r[m] for r in runs])), 3)
                for m in ("nmi", "ari", "acc", "k", "seconds")
            }
            print(
                json.dumps({"set": name, "k_mode": k, "sample": 200, "draws": args.draws, **mean}),
                flush=True,
            )


if __name__ == "__main__":
    main()
