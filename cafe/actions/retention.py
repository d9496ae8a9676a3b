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


def _when(value: Any) -> datetime | None:
    """Return a stored time (ISO text, or seconds since the epoch) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def retention_start(db: Database, event: dict[str, Any]) -> datetime | None:
    """Return when an event's retention period starts counting, or None if it never will.

    A closed event counts from closing. An event never closed counts from its last activity (the
    newest note written or changed, or the last round started, whichever is later), so an event
    prepared weeks ahead is never purged before it has happened. An event never closed that has
    no notes at all has nothing to forget: it is left alone.
    """
    if event["closed_at"]:
        return _when(event["closed_at"])
    newest = db.execute(
        "SELECT MAX(updated_at), MAX(created_at) FROM notes WHERE event_id = ?", [event["id"]]
    ).fetchone()
    if newest is None or (newest[0] is None and newest[1] is None):
        return None
    times = [_when(t) for t in (*newest, event.get("started_at")) if t]
    return max(t for t in times if t is not None)


def expired_events(db: Database, at: datetime | None = None) -> list[dict[str, Any]]:
    """Return events past their retention period: `retention_days` after closing, or, for an
    event never closed, after its last note or round change (see `retention_start`)."""
    at = at or datetime.now(UTC)
    expired = []
    for event in queries.events(db):
        if event["purged_at"]:
            continue
        since = retention_start(db, event)
        if since is not None and since + timedelta(days=event["retention_days"]) <= at:
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
