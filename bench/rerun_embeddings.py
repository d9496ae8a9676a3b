"""Time `cafe synthesize --embeddings` on an event twice: the first run encodes every note, a re-run
reads the embeddings the first one kept in the database.

Usage: python bench/rerun_embeddings.py PATH/TO/notes.csv [--notes 2000] [--repeat 3] [--no-frames]

A fresh database holds the demo event plus `--notes` notes drawn from the CSV's `text` column; each
`cafe synthesize demo --embeddings --k 10` is a fresh process (model load included, as in the
workspace, whose runs each start a worker). Prints the median wall-clock seconds of first runs
(embeddings cleared before each) and of re-runs, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's cafe, not a venv's


def prepare(db: Path, csv: str, n: int) -> int:
    """Make the demo event in `db` and add n notes from the CSV; return the notes in it."""
    import numpy as np

    from cafe import create_app
    from cafe.db import close_app
    from cafe.demo import do_create_demo
    from cafe.synthesis.evaluate import read_labelled_csv

    texts, _ = read_labelled_csv(csv)
    idx = np.random.default_rng(0).choice(len(texts), n, replace=n > len(texts))
    app = create_app({"CAFE_DATABASE": str(db), "SECRET_KEY": "bench", "CAFE_ASYNC_MODE": "threading"})
    with app.app_context():
        event = do_create_demo()
    close_app(app)
    con = sqlite3.connect(db)
    with con:
        person = con.execute("SELECT id FROM participants WHERE event_id = ?", [event["id"]]).fetchone()[0]
        stamp = "2026-11-21T00:00:00Z"
        con.executemany(
            "INSERT INTO notes (event_id, client_id, participant_id, table_no, round_no, text, consent, "
            "created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, 'quote', ?, ?)",
            [(event["id"], f"bench-{i}", person, texts[j], stamp, stamp) for i, j in enumerate(idx)],
        )
    total = con.execute("SELECT COUNT(*) FROM notes").fetchone()[0]
    con.close()
    return total


def synthesize(db: Path, extra: list[str]) -> float:
    env = {**os.environ, "CAFE_DATABASE": str(db), "CAFE_DB": str(db),
           "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cafe", "synthesize", "demo", "--embeddings", "--k", "10", *extra],
                   env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--notes", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-frames", action="store_true", help="runs ignore the demo's frames")
    args = ap.parse_args()
    extra = ["--no-frames"] if args.no_frames else []
    print("command:", " ".join([sys.executable, *sys.argv]))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cafe.db"
        total = prepare(db, args.csv, args.notes)
        first, again = [], []
        for _ in range(args.repeat):
            con = sqlite3.connect(db)
            with con:
                con.execute("DELETE FROM note_embeddings")
            con.close()
            first.append(synthesize(db, extra))
            again.append(synthesize(db, extra))
        con = sqlite3.connect(db)
        kept = con.execute("SELECT COUNT(*) FROM note_embeddings").fetchone()[0]
        con.close()
    print(json.dumps({
        "notes": total, "embeddings_kept": kept, "load": round(os.getloadavg()[0], 1),
        "first_run_s": round(statistics.median(first), 2),
        "rerun_s": round(statistics.median(again), 2),
        "ratio": round(statistics.median(first) / statistics.median(again), 2),
        "first_runs": [round(x, 2) for x in first], "reruns": [round(x, 2) for x in again],
    }))


if __name__ == "__main__":
    main()
