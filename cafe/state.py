"""What a phone, console or wall receives on (re)connect; later changes arrive as events."""

from __future__ import annotations

import time
from typing import Any

from sqlite_utils import Database

from cafe import queries
from cafe.actions import clock_view, console_note_view, own_note_view, wall_note_view
from cafe.actions.clock import server_time
from cafe.actions.dots import vote_totals
from cafe.actions.harvest_cloud import harvest_view
from cafe.actions.insight_views import console_insight_view, event_insights
from cafe.actions.note_views import listed_names
from cafe.actions.rotation import phone_rotation, rotation_view

# event id -> (the event row it was built from, when, the view): thousands of phones connecting
# at once all need the same view, and building it reads every table and round.
_VIEWS: dict[int, tuple[tuple, float, dict[str, Any]]] = {}
VIEW_FRESH_SECONDS = 1.0


def event_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return the public facts of an event that every screen shows.

    Reused for up to a second while the event's row is unchanged (a round change, hold or close
    changes the row, so screens never see an old clock); the server's time is always fresh.
    """
    row = tuple(sorted(event.items()))
    now = time.monotonic()
    cached = _VIEWS.get(event["id"])
    if cached is not None and cached[0] == row and now - cached[1] < VIEW_FRESH_SECONDS:
        return {**cached[2], "server_time": server_time()}
    view = _build_event_view(db, event)
    if len(_VIEWS) > 256:
        _VIEWS.clear()
    _VIEWS[event["id"]] = (row, now, view)
    return {**view}


def _build_event_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
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
        "me": {
            "pseudonym": participant["pseudonym"],
            "table": participant["table_no"],
            "left": bool(participant["left_at"]),
        },
        "notes": [own_note_view(n) for n in queries.participant_notes(db, participant["id"])],
        "max_chars": max_chars,
        "rotation": phone_rotation(db, event, participant),
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
        "rotation": rotation_view(db, event),
        "insights": [
            console_insight_view(i, listed_names(event))
            for i in event_insights(db, event["id"])
        ],
        "votes": vote_totals(db, event["id"]),
        "dots": event["dots"],
    }


def wall_state(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return what the projector wall needs to draw itself."""
    return {
        "event": event_view(db, event),
        "notes": [wall_note_view(n) for n in queries.wall_notes(db, event["id"])],
        "harvest": harvest_view(db, event),
    }
