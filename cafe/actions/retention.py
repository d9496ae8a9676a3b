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

# Every table that holds a copy of a note's text, or something made from it (synthesis results,
# clouds, embeddings, the workspace's change log with its before/after excerpts, briefing drafts
# and their versions), in an order the foreign keys accept.
PURGED_TABLES = (
    "briefing_versions",
    "briefing_drafts",
    "synthesis_audit",
    "theme_notes",
    "note_overrides",
    "note_embeddings",
    "note_text_embeddings",
    "themes",
    "synthesis_clouds",
    "synthesis_runs",
    "frame_embeddings",
    "dot_votes",
    "seats",
)


def purge_event_rows(db: Database, event_id: int) -> dict[str, int]:
    """Delete every row of an event that holds or was made from participants' words."""
    counts = {}
    for table in PURGED_TABLES:
        where = "event_id = ?"
        if table == "synthesis_clouds":
            # Clouds are stored by content: one drawn alike for another event stays its.
            where += " AND digest NOT IN (SELECT cloud_digest FROM themes WHERE cloud_digest IS NOT NULL)"
        counts[table] = db.execute(
            f"DELETE FROM {table} WHERE {where}", [event_id]  # noqa: S608 - fixed names
        ).rowcount
    counts["notes"] = db.execute("DELETE FROM notes WHERE event_id = ?", [event_id]).rowcount
    counts["insights"] = db.execute(
        "DELETE FROM insights WHERE event_id = ?", [event_id]
    ).rowcount
    counts["participants"] = db.execute(
        "DELETE FROM participants WHERE event_id = ?", [event_id]
    ).rowcount
    return counts


def do_purge_event(event: dict[str, Any]) -> dict[str, int]:
    """Delete an event's notes, participants and everything made from the notes (synthesis,
    clouds, embeddings, change log, briefing drafts and versions), then checkpoint so no copy
    stays in the WAL."""

    def purge(db: Database) -> dict[str, int]:
        counts = purge_event_rows(db, event["id"])
        db.execute(
            "UPDATE events SET purged_at = ?, hold_message = NULL WHERE id = ?",
            [now(), event["id"]],
        )
        return {
            "notes": counts["notes"],
            "participants": counts["participants"],
            "drafts": counts["briefing_drafts"],
        }

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


class RestoreRefused(Exception):
    """A restore that must not go ahead; the message says why and what to do."""


# The byte of a WAL database's shared-memory file (`-shm`) that every open connection holds a
# shared lock on for as long as it is open (SQLite's unix VFS, UNIX_SHM_DMS).
_SHM_DMS_BYTE = 128


def database_in_use(path: str | Path) -> bool:
    """Tell whether another process has the database open (a running `cafe serve`, say).

    Every connection to a WAL database keeps a read lock on one byte of the `-shm` file while it
    is open, idle or not; if this process cannot lock that byte for writing, someone else holds
    the file. POSIX locks are per process, so call this before opening the database here.
    """
    shm = Path(f"{path}-shm")
    if not shm.exists():
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Windows; the copy's write lock still guards
        return False
    import errno

    with open(shm, "r+b") as handle:  # a write lock needs a file opened for writing
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return True
            raise
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
    return False


def check_not_in_use(target: str | Path) -> None:
    """Refuse (RestoreRefused) if another process has the database open."""
    if database_in_use(target):
        raise RestoreRefused(
            f"{target} is open in another program, most likely a running `cafe serve`. "
            "Stop the server (Ctrl+C), then restore."
        )


def database_counts(path: str | Path) -> dict[str, int]:
    """Return how many events, notes and staff accounts a Café database holds (read-only)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=2)
    try:
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("events", "notes", "users")
        }
    finally:
        conn.close()


def check_backup(path: str | Path) -> dict[str, int]:
    """Check that `path` is a Café database this version can open; return what it holds."""
    from cafe.migrations import MIGRATIONS

    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"There is no file {path}.")
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=2)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            versions = (
                {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
                if "schema_migrations" in tables
                else set()
            )
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{path} is not a Café database ({exc}).") from None
    if not versions or not {"events", "notes", "users"} <= tables:
        raise RestoreRefused(f"{path} is not a Café database (it has no Café tables).")
    if ok != "ok":
        raise RestoreRefused(f"{path} is damaged (SQLite's check says: {ok}).")
    unknown = versions - {version for version, _, _ in MIGRATIONS}
    if unknown:
        raise RestoreRefused(
            f"{path} was made by a newer Café (schema version {max(unknown)}); "
            "update Café before restoring it."
        )
    return database_counts(path)


def do_restore(backup: str | Path, target: str | Path) -> dict[str, int]:
    """Replace the database at `target` with the backup, page by page, with SQLite's backup API.

    The copy goes through SQLite, so a `-wal` file beside the target is overwritten too (copying
    the file by hand would let SQLite replay that WAL on top of the backup). An older schema is
    migrated. Refuses while another process has the target open. Returns what it now holds.
    """
    from cafe.db import connect, migrate, write_lock_path

    check_backup(backup)
    target = Path(target)
    check_not_in_use(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = write_lock_path(target)
    with open(lock_path, "a+b") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not on Windows
            pass
        except OSError:
            raise RestoreRefused(
                f"{target} is being written by another program; stop it, then restore."
            ) from None
        src = sqlite3.connect(f"file:{Path(backup).resolve()}?mode=ro", uri=True)
        dst = sqlite3.connect(str(target), timeout=2, isolation_level=None)
        try:
            dst.execute("PRAGMA journal_mode=WAL")
            try:
                dst.execute("BEGIN EXCLUSIVE")  # nobody else may be in the middle of a write
                dst.execute("ROLLBACK")
            except sqlite3.OperationalError:
                raise RestoreRefused(
                    f"{target} is busy in another program; stop it, then restore."
                ) from None
            try:
                src.backup(dst)  # one step: a failure leaves the target as it was
            except sqlite3.Error as exc:
                raise RestoreRefused(f"Could not copy {backup} into {target}: {exc}.") from None
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
            src.close()
    db = connect(target)
    try:
        migrate(db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return database_counts(target)
