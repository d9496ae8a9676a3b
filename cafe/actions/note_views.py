"""A note as each screen sees it: the writer's phone, the console, the wall, the safeguarding lead."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cafe.held import RETURNED_BY_LEAD, SENT_TO_LEAD, is_held, moderation_flags
from cafe.safety import find_personal_details


def listed_names(event: dict[str, Any]) -> tuple[str, ...]:
    """Return the names the event's plan asks to flag and redact."""
    return _names_in_plan(event["plan_json"])


@lru_cache(maxsize=64)
def _names_in_plan(plan_json: str) -> tuple[str, ...]:
    # Parsing the whole plan for every note was a third of the event loop's time at 500 tables.
    return tuple(json.loads(plan_json).get("names", []))


def own_note_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a note as its writer's phone sees it."""
    return {
        "id": note["id"],
        "client_id": note["client_id"],
        "text": note["text"],
        "consent": note["consent"],
        "status": note["status"],
        "table": note["table_no"],
        "round": note["round_no"],
    }


def console_note_view(
    note: dict[str, Any], names: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return a note as the facilitator console sees it: a held note's text and writer held back
    (its pseudonym would link the writer to their other notes)."""
    flags = json.loads(note["flags_json"])
    held = is_held(flags)
    spans = []
    if not held and any(f.startswith("personal") for f in flags):
        spans = [[s.start, s.end, s.kind] for s in find_personal_details(note["text"], names)]
    return {
        "spans": spans,
        "id": note["id"],
        "table": note["table_no"],
        "round": note["round_no"],
        "text": "" if held or note["status"] == "withdrawn" else note["text"],
        "held": held,
        "returned": RETURNED_BY_LEAD in flags,
        "consent": note["consent"],
        "status": note["status"],
        "wall": note["wall"],
        "flags": moderation_flags(flags),
        "pseudonym": None if held else note.get("pseudonym"),
        "created_at": note["created_at"],
    }


def wall_note_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a note as the projector wall shows it."""
    return {
        "id": note["id"],
        "table": note["table_no"],
        "round": note["round_no"],
        "text": note["text"],
    }


def safeguarding_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a held note as the safeguarding lead sees it (the only screen that shows its text)."""
    return {
        **wall_note_view(note),
        "status": note["status"],
        "sg_status": note["sg_status"],
        "sent_by_hand": SENT_TO_LEAD in json.loads(note["flags_json"]),
        "pseudonym": note.get("pseudonym"),
        "created_at": note["created_at"],
        "updated_at": note["updated_at"],
        "sg_updated_by": note["sg_updated_by"],
        "sg_updated_at": note["sg_updated_at"],
    }
