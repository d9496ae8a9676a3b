"""Phones' note acks while staff run a synthesis: does the live side wait for the themes?

Makes a fresh database with the demo event (plus, with `--csv`, extra notes from a labelled CSV's
`text` column so the synthesis runs longer), starts a real `cafe serve`, seats P phones (real
python-socketio clients) that each send a note every `--every` seconds, and measures the ack round
trip first with nothing else going on, then while a staff member's synthesis runs (started over
HTTP, as the page does, and followed through run.json until done). Prints p50 / p99 / max per phase.

    .venv/bin/python bench/workspace_live.py --phones 10 --every 2.5 --idle 15
    .venv/bin/python bench/workspace_live.py --csv /work/shared/data/stackoverflow/notes.csv \\
        --extra 3000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cafe(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "cafe", *args], env=env, check=True, capture_output=True, cwd=ROOT
    )


def add_notes(db: Path, path: str, extra: int) -> int:
    """Add notes from a CSV's `text` column to the demo event (bench set-up only)."""
    with open(path, newline="", encoding="utf-8") as handle:
        texts = [row["text"] for _, row in zip(range(extra), csv.DictReader(handle), strict=False)]
    conn = sqlite3.connect(db)
    (event_id,) = conn.execute("SELECT id FROM events WHERE slug = 'demo'").fetchone()
    stamp = "2026-01-01T00:00:00.000Z"
    with conn:
        conn.executemany(
            "INSERT INTO notes (event_id, client_id, table_no, round_no, text, consent, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'quote', ?, ?)",
            [
                (
                    event_id,
                    f"bench-{i}-{secrets.token_hex(4)}",
                    1 + i % 6,
                    1 + i % 3,
                    t,
                    stamp,
                    stamp,
                )
                for i, t in enumerate(texts)
            ],
        )
    conn.close()
    return len(texts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Phone(threading.Thread):
    """One participant sending a note every `every` seconds, recording ack times by phase."""

    def __init__(self, base: str, n: int, every: float, phase: dict, out: dict) -> None:
        super().__init__(daemon=True)
        self.base, self.n, self.every, self.phase, self.out = base, n, every, phase, out
        self.stop = threading.Event()
        http = requests.Session()
        page = http.get(f"{base}/e/demo/", timeout=10)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        http.post(
            f"{base}/e/demo/join",
            json={"table": 1 + n % 6},
            headers={"X-CSRFToken": token},
            timeout=10,
        ).raise_for_status()
        self.sio = socketio.Client(reconnection=False)
        self.sio.connect(
            base,
            namespaces=["/participant"],
            auth={"event": "demo"},
            headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in http.cookies)},
            transports=["websocket"],
            wait_timeout=10,
        )

    def run(self) -> None:
        i = 0
        time.sleep(self.every * self.n / 10 % self.every)
        while not self.stop.is_set():
            phase = self.phase["name"]
            started = time.perf_counter()
            ack = self.sio.call(
                "submit_note",
                {
                    "client_id": f"wsb-{self.n}-{i:06d}",
                    "text": f"Bench note {i}",
                    "consent": "none",
                },
                namespace="/participant",
                timeout=30,
            )
            elapsed = (time.perf_counter() - started) * 1000
            if ack.get("ok") and phase == self.phase["name"]:
                self.out.setdefault(phase, []).append(elapsed)
                self.out.setdefault("when", []).append((time.monotonic(), elapsed))
            i += 1
            self.stop.wait(self.every)
        self.sio.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=10)
    parser.add_argument("--every", type=float, default=2.5, help="seconds between a phone's notes")
    parser.add_argument("--idle", type=float, default=15, help="seconds measured before the run")
    parser.add_argument("--csv", default=None, help="labelled CSV whose text adds notes")
    parser.add_argument("--extra", type=int, default=2000)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cafe-wsbench-"))
    db = tmp / "cafe.db"
    env = {**os.environ, "CAFE_DB": str(db), "PYTHONPATH": str(ROOT)}
    cafe(env, "demo")
    cafe(env, "user", "add", "bench", "--role", "staff", "--password", PASSWORD)
    extra = add_notes(db, args.csv, args.extra) if args.csv else 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cafe", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/login", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        phase, acks = {"name": "idle"}, {}
        phones = [Phone(base, n, args.every, phase, acks) for n in range(args.phones)]
        for p in phones:
            p.start()
        time.sleep(args.idle)
        staff = requests.Session()
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', staff.get(f"{base}/login", timeout=10).text
        ).group(1)
        staff.post(
            f"{base}/login",
            data={"username": "bench", "password": PASSWORD, "csrf_token": token},
            timeout=10,
        )
        token = re.search(
            r'name="csrf_token" value="([^"]+)"',
            staff.get(f"{base}/workspace/demo", timeout=10).text,
        ).group(1)
        phase["name"] = "synthesis"
        started = time.monotonic()
        staff.post(
            f"{base}/workspace/demo/do/run", data={"csrf_token": token, "k": "auto"}, timeout=30
        )
        while True:
            run = staff.get(f"{base}/workspace/demo/run.json", timeout=30).json()["run"]
            if run and run["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
        phase["name"] = "after"
        for p in phones:
            p.stop.set()
        for p in phones:
            p.join(30)
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"demo notes + {extra} extra; {args.phones} phones, one note each per {args.every} s; "
        f"synthesis {run['status']} in {seconds:.1f} s ({run['message']})"
    )
    print("phase       acks   p50 ms   p99 ms   max ms")
    summary = {}
    for name in ("idle", "synthesis"):
        values = acks.get(name, [])
        if values:
            row = (len(values), statistics.median(values), percentile(values, 0.99), max(values))
            summary[name] = dict(zip(("acks", "p50_ms", "p99_ms", "max_ms"), row, strict=True))
            print(f"{name:10s} {row[0]:5d} {row[1]:8.1f} {row[2]:8.1f} {row[3]:8.1f}")
    slow = sorted(acks.get("when", []), key=lambda w: -w[1])[:5]
    print(
        "slowest acks (ms, at seconds after the run started):",
        ", ".join(f"{ms:.0f} at {at - started:+.1f}" for at, ms in slow),
    )
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    print(json.dumps({"seconds": round(seconds, 2), "extra_notes": extra, **summary}))


if __name__ == "__main__":
    main()
