"""The safeguarding lead's private queue: held notes reach it; acknowledge and resolve them."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, now
from cafe.actions.note_views import safeguarding_view
from cafe.broadcast import publish
from cafe.db import get_writer

SG_STATUSES = ("new", "acknowledged", "resolved")


def do_set_safeguarding_status(
    event: dict[str, Any], note_id: int, status: str, username: str
) -> dict[str, Any]:
    """Mark a held note as acknowledged (someone is on it) or resolved, or reopen it."""
    if status not in SG_STATUSES:
        raise Refused("Unknown status.")

    def update(db: Database) -> dict[str, Any]:
        note = queries.note(db, note_id)
        if note is None or note["event_id"] != event["id"] or note["sg_status"] is None:
            raise Refused("Unknown item.")
        db.execute(
            "UPDATE notes SET sg_status = ?, sg_updated_by = ?, sg_updated_at = ? WHERE id = ?",
            [status, username, now(), note_id],
        )
        after = queries.note_with_pseudonym(db, note_id)
        return after

    note = get_writer().write(update)
    publish_to_safeguarding(event, note)
    return note


def publish_to_safeguarding(event: dict[str, Any], note: dict[str, Any]) -> None:
    """Tell the event's safeguarding leads about a held note that arrived or changed."""
    if note["sg_status"] is not None:
        publish(
            events.SafeguardingItemChanged(safeguarding_view(note)), rooms.safeguarding(event["id"])
        )
