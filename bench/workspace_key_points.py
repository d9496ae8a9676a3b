"""How long the workspace's Themes page takes to load with key points on its cards.

Makes a fresh database with the demo event plus notes from bench/data/cafe_fresh.csv (about 300
notes in all), themes them into 15 themes in this process (as `cafe synthesize` does), logs a
staff member in with Flask's test client and times GET /workspace/demo: the first load, loads
with nothing changed (the key points come from the cache), and loads right after a staff edit (a
note moved to another theme, each time a membership not seen before, so the key points are computed afresh). Run it with main's
code on the path for the figures before the key points, with this branch's for after:

    PYTHONPATH=/work/main nice -n 10 /work/main/.venv/bin/python bench/workspace_key_points.py
    PYTHONPATH=$PWD nice -n 10 /work/main/.venv/bin/python bench/workspace_key_points.py
"""

from __future__ import annotations

import argparse
import csv
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"


def add_notes(db, event_id: int, n: int) -> int:
    """Add the first n notes of cafe_fresh.csv to the event (bench set-up only)."""
    with open(ROOT / "bench" / "data" / "cafe_fresh.csv", newline="", encoding="utf-8") as handle:
        texts = [row["text"] for _, row in zip(range(n), csv.DictReader(handle), strict=False)]
    stamp = "2026-01-01T00:00:00.000Z"

    def fill(conn) -> None:
        conn.conn.executemany(
            "INSERT INTO notes (event_id, client_id, table_no, round_no, text, consent, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(event_id, f"bench-{i}-{secrets.token_hex(4)}", 1 + i % 6, 1 + i % 3, t,
              ("quote", "quote", "paraphrase", "none")[i % 4], stamp, stamp)
             for i, t in enumerate(texts)],
        )

    db.write(fill)
    return len(texts)


def timed(http, url: str) -> float:
    start = time.perf_counter()
    page = http.get(url)
    took = time.perf_counter() - start
    assert page.status_code == 200, page.status_code
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=150, help="notes added to the demo's")
    parser.add_argument("--themes", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=8)
    args = parser.parse_args()

    from cafe import create_app
    from cafe.actions import do_create_user
    from cafe.actions.synthesis.runs import do_start_run
    from cafe.actions.synthesis.worker import run_foreground
    from cafe.db import close_app, get_writer, reading
    from cafe.demo import do_create_demo

    tmp = Path(tempfile.mkdtemp(prefix="cafe-bench-kp-"))
    app = create_app({"CAFE_DATABASE": str(tmp / "cafe.db"), "SECRET_KEY": "bench",
                      "CAFE_ASYNC_MODE": "threading"})
    with app.app_context():
        event = do_create_demo()
        add_notes(get_writer(), event["id"], args.extra)
        do_create_user("bench", PASSWORD, "staff")
        run = do_start_run(event, "bench", n_themes=args.themes, frames=False,
                           by_question=False)
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda f, m: None)
            notes = db.execute("SELECT COUNT(*) FROM theme_notes").fetchone()[0]
            themes = [r[0] for r in db.execute(
                "SELECT theme_id FROM theme_notes GROUP BY theme_id ORDER BY COUNT(*) DESC")]
            movable = [r[0] for r in db.execute(
                "SELECT note_id FROM theme_notes WHERE theme_id = ?", [themes[0]])]
    http = app.test_client()
    page = http.get("/login").text
    token = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', page).group(1)
    http.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    url = "/workspace/demo"
    first = timed(http, url)
    html = http.get(url).text
    cards = html.count('class="card theme-card')
    with_point = html.count('class="kp-text"')
    unchanged = [timed(http, url) for _ in range(args.repeat)]
    edited = []
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    for note in movable[:args.repeat]:  # each move a membership not seen before
        reply = http.post(f"{url}/do/move", data={"csrf_token": token, "note": note,
                                                  "theme": themes[1]})
        assert reply.status_code == 303
        edited.append(timed(http, url))
    print(f"{notes} themed notes, {cards - 1} theme cards ({with_point} with a key point)")
    print(f"first load          {first * 1000:7.0f} ms")
    print(f"nothing changed     {statistics.median(unchanged) * 1000:7.0f} ms median of "
          f"{len(unchanged)}")
    print(f"after a move        {statistics.median(edited) * 1000:7.0f} ms median of "
          f"{len(edited)} (max {max(edited) * 1000:.0f})")
    close_app(app)


if __name__ == "__main__":
    main()
