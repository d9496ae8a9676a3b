"""Time the synthesis pipeline on 1,000 / 10,000 / 50,000 notes and print seconds and peak memory.

Usage: python bench/synthesis.py PATH/TO/notes.csv [--sizes 1000,10000,50000] [--embeddings]
The corpus is drawn from the CSV's `text` column (repeated when a size exceeds it).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from cafe.synthesis import NoteInput, SynthesisPipeline
from cafe.synthesis.evaluate import read_labelled_csv


def main() -> None:
    """Run the benchmark and print one line per size."""
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--embeddings", action="store_true")
    args = ap.parse_args()
    texts, _ = read_labelled_csv(args.csv)
    rng = np.random.default_rng(0)
    print("command:", " ".join([sys.executable, *sys.argv]))
    for n in [int(s) for s in args.sizes.split(",")]:
        idx = rng.choice(len(texts), n, replace=n > len(texts))
        notes = [
            NoteInput(i, texts[j], table=i % 10 + 1, round=i % 3 + 1, consent="quote")
            for i, j in enumerate(idx)
        ]
        pipe = SynthesisPipeline(vectorizer="embeddings" if args.embeddings else "tfidf")
        start = time.perf_counter()
        result = pipe.run(notes)
        seconds = time.perf_counter() - start
        # Peak resident memory of the process so far (KiB on Linux); sizes run in increasing order.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"n={n} seconds={seconds:.2f} peak_rss_MB={peak:.0f} themes={len(result.themes)} "
            f"unthemed={len(result.unthemed)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
