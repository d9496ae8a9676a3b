"""Time the synthesis pipeline on 1,000 / 10,000 / 50,000 notes: seconds and peak memory.

Usage: python bench/synthesis.py PATH/TO/notes.csv [--sizes 1000,10000,50000] [--embeddings]
       [--repeat 3] [--k N] [--one-question]

Each size runs in a fresh process (so its peak memory is its own), `--repeat` times; the line per
size gives the median wall-clock seconds (notes in, finished themes out: labels, representatives
and quotes, no word clouds), the median CPU seconds of the process (a fairer figure on a shared,
busy machine), peak resident memory, themes found, and the load average when it started. Notes
are drawn at random from the CSV's `text` column (with repeats when a size exceeds it). k is
chosen by the engine unless `--k` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one(csv: str, n: int, embeddings: bool, k: int | None, one_question: bool = False) -> dict:
    """Run the pipeline once on n notes in this process and return its figures."""
    import numpy as np

    from cafe.synthesis import NoteInput, SynthesisPipeline
    from cafe.synthesis.evaluate import read_labelled_csv

    texts, _ = read_labelled_csv(csv)
    idx = np.random.default_rng(0).choice(len(texts), n, replace=n > len(texts))
    notes = [
        NoteInput(i, texts[j], table=i % 10 + 1, round=1 if one_question else i % 3 + 1,
                  consent="quote")
        for i, j in enumerate(idx)
    ]
    pipe = SynthesisPipeline(n_themes=k, vectorizer="embeddings" if embeddings else "tfidf",
                             by_question=one_question)
    if embeddings:  # load the model before the clock starts: a server loads it once
        from cafe.synthesis.embeddings import EmbeddingVectorizer

        EmbeddingVectorizer().fit(["warm up"])
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = pipe.run(notes)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"n": n, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": round(peak), "themes": len(result.themes),
            "unthemed": len(result.unthemed), "load": round(load, 1)}


def main() -> None:
    """Run every size in a child process and print one line per size."""
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--k", type=int, default=None)
    ap.add_argument("--one-question", action="store_true",
                    help="all notes answer one question (the per-question path)")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.csv, args.one, args.embeddings, args.k, args.one_question)))
        return
    print("command:", " ".join([sys.executable, *sys.argv]), flush=True)
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for n in [int(s) for s in args.sizes.split(",")]:
        runs = []
        for _ in range(args.repeat):
            cmd = [sys.executable, __file__, args.csv, "--one", str(n)]
            cmd += ["--embeddings"] if args.embeddings else []
            cmd += ["--k", str(args.k)] if args.k else []
            cmd += ["--one-question"] if args.one_question else []
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {m: statistics.median(r[m] for r in runs)
               for m in ("seconds", "cpu_seconds", "peak_rss_mb")}
        print(
            f"n={n} path={'embeddings' if args.embeddings else 'tfidf'} "
            f"seconds={med['seconds']:.2f} cpu_seconds={med['cpu_seconds']:.2f} "
            f"peak_rss_MB={med['peak_rss_mb']:.0f} themes={runs[0]['themes']} "
            f"unthemed={runs[0]['unthemed']} runs={len(runs)} "
            f"load={','.join(str(r['load']) for r in runs)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
