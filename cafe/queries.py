"""Read-only functions over the database; each takes a connection and returns plain data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database


def token_hash(token: str) -> str:
    """Return the stored form of a secret token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _one(db: Database, sql: str, params: list | tuple = ()) -> dict[str, Any] | None:
    row = db.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def _all(db: Database, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
    return [dict(row) for row in db.execute(sql, params).fetchall()]


def event_by_slug(db: Database, slug: str) -> dict[str, Any] | None:
    """Return an event by its slug."""
    return _one(db, "SELECT * FROM events WHERE slug = ?", [slug])


def event_by_code(db: Database, code: str) -> dict[str, Any] | None:
    """Return an event by its join code (case and spaces ignored)."""
    cleaned = "".join(code.split()).upper()
    return _one(db, "SELECT * FROM events WHERE code = ?", [cleaned])


def events(db: Database) -> list[dict[str, Any]]:
    """Return every event, newest first."""
    return _all(db, "SELECT * FROM events ORDER BY created_at DESC, id DESC")


def tables(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return an event's tables in order."""
    return _all(
        db,
        "SELECT number, name, capacity, host_by FROM tables WHERE event_id = ? ORDER BY number",
        [event_id],
    )


def rounds(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return an event's rounds in order."""
    return _all(
        db,
        "SELECT number, question, minutes, move, content_warning, translations_json FROM rounds "
        "WHERE event_id = ? ORDER BY number",
        [event_id],
    )


def plan(event: dict[str, Any]) -> dict[str, Any]:
    """Return the plan an event was made from."""
    return json.loads(event["plan_json"])


def participant_by_token(db: Database, event_id: int, token: str) -> dict[str, Any] | None:
    """Return the participant holding this token for this event."""
    return _one(
        db,
        "SELECT * FROM participants WHERE token_hash = ? AND event_id = ?",
        [token_hash(token), event_id],
    )


def participant(db: Database, participant_id: int) -> dict[str, Any] | None:
    """Return a participant by id."""
    return _one(db, "SELECT * FROM participants WHERE id = ?", [participant_id])


def participant_count(db: Database, event_id: int) -> int:
    """Return how many people have joined an event."""
    return db.execute(
        "SELECT COUNT(*) FROM participants WHERE event_id = ?", [event_id]
    ).fetchone()[0]


NOTE_COLUMNS = (
    "n.id, n.client_id, n.event_id, n.participant_id, n.table_no, n.round_no, n.text, n.consent, "
    "n.status, n.wall, n.flags_json, n.created_at, n.updated_at, n.sg_status, n.sg_updated_by, "
    "n.sg_updated_at"
)


def note(db: Database, note_id: int) -> dict[str, Any] | None:
    """Return a note by id."""
    return _one(db, f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.id = ?", [note_id])


def note_with_pseudonym(db: Database, note_id: int) -> dict[str, Any] | None:
    """Return a note with its writer's pseudonym, as staff screens show it."""
    return _one(
        db,
        f"SELECT {NOTE_COLUMNS}, p.pseudonym FROM notes n "
        "LEFT JOIN participants p ON p.id = n.participant_id WHERE n.id = ?",
        [note_id],
    )


def note_by_client_id(db: Database, event_id: int, client_id: str) -> dict[str, Any] | None:
    """Return the note a phone sent with this client id."""
    return _one(
        db,
        f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.event_id = ? AND n.client_id = ?",
        [event_id, client_id],
    )


def notes_by_client_ids(
    db: Database, event_id: int, participant_id: int, client_ids: list[str]
) -> list[dict[str, Any]]:
    """Return which of these client ids this participant's notes already have."""
    if not client_ids:
        return []
    marks = ",".join("?" for _ in client_ids)
    return _all(
        db,
        f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.event_id = ? AND n.participant_id = ? "
        f"AND n.client_id IN ({marks})",
        [event_id, participant_id, *client_ids],
    )


def participant_notes(db: Database, participant_id: int) -> list[dict[str, Any]]:
    """Return a participant's own notes, oldest first."""
    return _all(
        db,
        f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.participant_id = ? ORDER BY n.id",
        [participant_id],
    )


def event_notes(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return every note of an event with its writer's pseudonym, oldest first."""
    return _all(
        db,
        f"SELECT {NOTE_COLUMNS}, p.pseudonym FROM notes n "
        "LEFT JOIN participants p ON p.id = n.participant_id WHERE n.event_id = ? ORDER BY n.id",
        [event_id],
    )


def safeguarding_notes(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the notes in the safeguarding queue, newest first."""
    return _all(
        db,
        f"SELECT {NOTE_COLUMNS}, p.pseudonym FROM notes n "
        "LEFT JOIN participants p ON p.id = n.participant_id "
        "WHERE n.event_id = ? AND n.sg_status IS NOT NULL ORDER BY n.id DESC",
        [event_id],
    )


def safeguarding_whereabouts(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return where the writer of each note in the safeguarding queue is now: their table (and its
    name) and whether they left; participant_id is None once their pass was ended."""
    return _all(
        db,
        "SELECT n.id AS note_id, n.participant_id, p.table_no, p.left_at, t.name AS table_name "
        "FROM notes n LEFT JOIN participants p ON p.id = n.participant_id "
        "LEFT JOIN tables t ON t.event_id = n.event_id AND t.number = p.table_no "
        "WHERE n.event_id = ? AND n.sg_status IS NOT NULL",
        [event_id],
    )


def wall_notes(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the notes the wall shows, oldest first: approved, and their writers let them be
    quoted ("paraphrase only" and "don't quote" notes are never shown word for word)."""
    return _all(
        db,
        f"SELECT {NOTE_COLUMNS} FROM notes n WHERE n.event_id = ? AND n.wall = 'approved' "
        "AND n.status = 'saved' AND n.consent = 'quote' ORDER BY n.id",
        [event_id],
    )


def user_by_name(db: Database, username: str) -> dict[str, Any] | None:
    """Return an account by user name."""
    return _one(db, "SELECT * FROM users WHERE username = ?", [username])


def users(db: Database) -> list[dict[str, Any]]:
    """Return every account (without password hashes)."""
    return _all(db, "SELECT id, username, role, disabled, created_at FROM users ORDER BY username")


def session_user(db: Database, session_token: str) -> dict[str, Any] | None:
    """Return the enabled account behind a live login session: not revoked, used within the idle
    limit and younger than the absolute one (cafe/settings.py)."""
    idle, oldest = session_cutoffs()
    return _one(
        db,
        "SELECT u.id, u.username, u.role, COALESCE(s.last_seen_at, s.created_at) AS seen_at "
        "FROM user_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.id = ? AND s.revoked_at IS NULL AND u.disabled = 0 "
        "AND s.created_at > ? AND COALESCE(s.last_seen_at, s.created_at) > ?",
        [token_hash(session_token), oldest, idle],
    )


def session_cutoffs(at: datetime | None = None) -> tuple[str, str]:
    """Return the times (ISO text, as stored) a session must have been used after, and made after."""
    from cafe.settings import setting

    at = at or datetime.now(UTC)

    def iso(when: datetime) -> str:
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return (iso(at - timedelta(minutes=setting("SESSION_IDLE_MINUTES"))),
            iso(at - timedelta(hours=setting("SESSION_MAX_HOURS"))))
