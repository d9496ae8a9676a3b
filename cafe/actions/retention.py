"""Forgetting for real: purge an event's notes and participants, and back up the database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cafe import queries
from cafe.actions.common import now
from cafe.db import get_writer


def do_purge_event(event: dict[str, Any]) -> dict[str, int]:
    """Delete an event's notes and participants, then checkpoint so no copy stays in the WAL."""

    def purge(db: Database) -> dict[str, int]:
        notes = db.execute("DELETE FROM notes WHERE event_id = ?", [event["id"]]).rowcount
        db.execute("DELETE FROM insights WHERE event_id = ?", [event["id"]])
        people = db.execute("DELETE FROM participants WHERE event_id = ?", [event["id"]]).rowcount
        db.execute(
            "UPDATE events SET purged_at = ?, hold_message = NULL WHERE id = ?",
            [now(), event["id"]],
        )
        return {"notes": notes, "participants": people}

    counts = get_writer().write(purge)
    # secure_delete has zeroed the freed space in the pages; the checkpoint writes those pages into
    # the main file and truncates the WAL, so the old text survives in neither.
    get_writer().write_outside_transaction("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def expired_events(db: Database, at: datetime | None = None) -> list[dict[str, Any]]:
    """Return events past their retention period (counted from closing, or creation if never closed)."""
    at = at or datetime.now(UTC)
    expired = []
    for event in queries.events(db):
        if event["purged_at"]:
            continue
        since = datetime.fromisoformat(
            (event["closed_at"] or event["created_at"]).replace("Z", "+00:00")
        )
        if since + timedelta(days=event["retention_days"]) <= at:
            expired.append(event)
    return expired


def do_purge_expired(at: datetime | None = None) -> list[str]:
    """Purge every event past its retention period; return their slugs."""
    from cafe.db import reading

    with reading() as db:
        due = expired_events(db, at)
    for event in due:
        do_purge_event(event)
    return [event["slug"] for event in due]


def do_backup(source: str | Path, target: str | Path) -> int:
    """Copy the live database to `target` with SQLite's backup API; return the pages copied."""
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose a new file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    return pages
