"""The demo event: `sessions/demo.toml` plus about 150 notes written for this project."""

from __future__ import annotations

import csv
import json
import random
import secrets
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cafe import actions, queries
from cafe.db import get_writer
from cafe.plans import load_plan
from cafe.resources import resource_dir
from cafe.safety import classify_note

PEOPLE_PER_TABLE = 5


def demo_paths() -> tuple[Path, Path]:
    """Return the demo plan and the demo notes file."""
    sessions = resource_dir("sessions")
    return sessions / "demo.toml", sessions / "demo-notes.csv"


def read_demo_notes(path: Path) -> list[dict[str, Any]]:
    """Read the demo notes (round, table, consent, theme, text)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {**row, "round": int(row["round"]), "table": int(row["table"])}
            for row in csv.DictReader(handle)
        ]


def do_create_demo(slug: str = "demo", seed: int = 7) -> dict[str, Any]:
    """(Re)create the demo event with its notes, some already approved for the wall."""
    plan_path, notes_path = demo_paths()
    plan = load_plan(plan_path)
    event = actions.do_create_event(plan, slug=slug, replace=True)
    rows = read_demo_notes(notes_path)
    rng = random.Random(seed)
    tables = [t["number"] for t in _tables(event)]

    def fill(db: Database) -> int:
        people: dict[int, list[int]] = {}
        for table_no in tables:
            for _ in range(PEOPLE_PER_TABLE):
                cursor = db.execute(
                    "INSERT INTO participants (event_id, token_hash, pseudonym, table_no, created_at) "
                    "VALUES (?,?,?,?,?)",
                    [
                        event["id"],
                        queries.token_hash(secrets.token_urlsafe(16)),
                        f"Demo guest {len(people) * PEOPLE_PER_TABLE + len(people.get(table_no, [])) + 1}",
                        table_no,
                        actions.now(),
                    ],
                )
                people.setdefault(table_no, []).append(cursor.lastrowid)
        for row in rows:
            flags = list(classify_note(row["text"]).flags)
            # About a third of the clean notes are already on the wall, so the wall has content.
            wall = "approved" if not flags and rng.random() < 0.35 else "pending"
            stamp = actions.now()
            db.execute(
                "INSERT INTO notes (event_id, client_id, participant_id, table_no, round_no, text, "
                "consent, wall, flags_json, created_at, updated_at, sg_status) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    event["id"],
                    "demo-" + secrets.token_urlsafe(12),
                    rng.choice(people[row["table"]]),
                    row["table"],
                    row["round"],
                    row["text"],
                    row["consent"],
                    wall,
                    json.dumps(flags),
                    stamp,
                    stamp,
                    "new" if "disclosure" in flags else None,
                ],
            )
        return len(rows)

    get_writer().write(fill)
    return event


def _tables(event: dict[str, Any]) -> list[dict[str, Any]]:
    from cafe.db import reading

    with reading() as db:
        return queries.tables(db, event["id"])
