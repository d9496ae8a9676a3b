"""Plan a round in a child process: `python -m cafe.plan_worker` reads on stdin, as JSON, where to
read the plan's inputs (a database file, an event and a round) and writes the plan on stdout.

Planning a café of thousands takes a second or two of pure Python. In the server's process, even on
a native thread, it holds the GIL that the event loop needs to ack phones' notes (at 5,000 phones
the acks sent at a round change waited 2 s). A child process plans on the other core instead, and
reads what it needs itself: reading 10,000 people and their history took the event loop 0.1 s.
Also here: those reads (the server's rotation uses them too).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cafe import queries

log = logging.getLogger(__name__)

TIMEOUT_S = 300.0


def read_people(db: Database, event_id: int) -> list[dict[str, Any]]:
    # Read at every round change, some on the event loop: one dict per row built from the raw
    # rows takes half the time of `db.query` (9 against 18 ms for 10,000 people).
    cursor = db.execute(
        "SELECT id, pseudonym, table_no, host_table, host_via, host_label, cannot_move, left_at "
        "FROM participants "
        "WHERE event_id = ? ORDER BY id",
        [event_id],
    )
    keys = [column[0] for column in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def table_numbers(db: Database, event_id: int) -> list[int]:
    """Return an event's table numbers in order."""
    return [t["number"] for t in queries.tables(db, event_id)]


def read_history(db: Database, event_id: int, except_round: int) -> list[dict[int, int]]:
    """Return where people really sat each round (table numbers), the given round left out."""
    rounds: dict[int, dict[int, int]] = {}
    for round_no, participant_id, table_no in db.execute(
        "SELECT round_no, participant_id, table_no FROM seats "
        "WHERE event_id = ? AND planned = 0 AND round_no != ? ORDER BY round_no",
        [event_id, except_round],
    ).fetchall():
        rounds.setdefault(round_no, {})[participant_id] = table_no
    return list(rounds.values())


def plan_inputs(db: Database, event: dict[str, Any], round_no: int) -> dict[str, Any]:
    """Read what planning a round needs: tables, who is seated, hosts, who cannot move, history."""
    numbers = table_numbers(db, event["id"])
    index = {n: i for i, n in enumerate(numbers)}
    seated = [p for p in read_people(db, event["id"]) if p["table_no"] in index]
    hosts: dict[int, int] = {}
    fixed: dict[int, int] = {}
    for p in seated:
        if p["host_table"] in index and index[p["host_table"]] not in hosts:
            hosts[index[p["host_table"]]] = p["id"]
        elif p["cannot_move"]:
            fixed[p["id"]] = index[p["table_no"]]
    history = [
        {pid: index[t] for pid, t in seating.items() if t in index}
        for seating in read_history(db, event["id"], round_no)
    ]
    return {
        "numbers": numbers,
        "present": [p["id"] for p in seated],
        "history": history,
        "hosts": hosts,
        "fixed": fixed,
        "seed": event["id"] * 1000 + round_no,
    }


def plan_from_database_in_child(
    database: str | Path, event_id: int, round_no: int
) -> dict[int, int] | None:
    """Plan a round in a child process that reads its inputs from the database file itself; None
    if it could not (the caller then plans in-process)."""
    request = {"database": str(Path(database).resolve()), "event": event_id, "round": round_no}
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cafe.plan_worker"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("planning in a child process failed (%s); planning here", exc)
        return None
    if done.returncode != 0:
        log.warning("planning in a child process failed: %s", done.stderr[-2000:])
        return None
    return {int(p): int(t) for p, t in json.loads(done.stdout)}


def compute_plan(inputs: dict[str, Any]) -> dict[int, int]:
    """Plan a round from `plan_inputs`; return participant -> table number."""
    from cafe.next_round import plan_next_round

    numbers = inputs["numbers"]
    seat = plan_next_round(
        len(numbers),
        inputs["present"],
        inputs["history"],
        inputs["hosts"],
        inputs["fixed"],
        seed=inputs["seed"],
    )
    return {pid: numbers[t] for pid, t in seat.items()}


def read_inputs(database: str, event_id: int, round_no: int) -> dict[str, Any]:
    """Read a round's plan inputs from the database file, read-only."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return plan_inputs(Database(conn), {"id": event_id}, round_no)
    finally:
        conn.close()


def main() -> int:
    request = json.loads(sys.stdin.read())
    plan = compute_plan(read_inputs(request["database"], request["event"], request["round"]))
    sys.stdout.write(json.dumps(sorted(plan.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
