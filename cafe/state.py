"""What a phone, console or wall receives on (re)connect; later changes arrive as events."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from cafe import queries
from cafe.actions import clock_view, console_note_view, own_note_view, wall_note_view
from cafe.actions.notes import listed_names


def event_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return the public facts of an event that every screen shows."""
    plan = queries.plan(event)
    return {
        "slug": event["slug"],
        "title": event["title"],
        "code": event["code"],
        "status": event["status"],
        "context": plan.get("context", ""),
        "etiquette": plan.get("etiquette", []),
        "content_warnings": plan.get("content_warnings", []),
        "helpline": plan.get("helpline", ""),
        "safeguarding_lead": plan.get("safeguarding_lead", ""),
        "tables": queries.tables(db, event["id"]),
        "hold": event["hold_message"],
        **clock_view(db, event),
    }


def participant_state(
    db: Database, event: dict[str, Any], participant: dict[str, Any], max_chars: int
) -> dict[str, Any]:
    """Return what a phone needs to draw itself."""
    return {
        "event": event_view(db, event),
        "me": {"pseudonym": participant["pseudonym"], "table": participant["table_no"]},
        "notes": [own_note_view(n) for n in queries.participant_notes(db, participant["id"])],
        "max_chars": max_chars,
    }


def console_state(db: Database, event: dict[str, Any], presence: dict[int, int]) -> dict[str, Any]:
    """Return what a facilitator console needs to draw itself."""
    return {
        "event": {**event_view(db, event), "wall_token": event["wall_token"]},
        "notes": [
            console_note_view(n, listed_names(event)) for n in queries.event_notes(db, event["id"])
        ],
        "presence": {"tables": presence, "total": sum(presence.values())},
        "participants": queries.participant_count(db, event["id"]),
    }


def wall_state(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return what the projector wall needs to draw itself."""
    return {
        "event": event_view(db, event),
        "notes": [wall_note_view(n) for n in queries.wall_notes(db, event["id"])],
    }
