"""People in the loop: send a note or insight the rules missed to the safeguarding lead by hand,
the lead's return of a held note to normal moderation, and the lead's private word to its writer.

A note sent by hand is held exactly as a detected disclosure is (`cafe.held.is_held`): off the
wall and the host's recap, out of synthesis, clouds and exports, in the lead's queue.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, check_payload, now
from cafe.actions.insights import publish_insight_change
from cafe.actions.notes import broadcast_note, insert_note
from cafe.actions.safeguarding import publish_to_safeguarding
from cafe.broadcast import publish
from cafe.db import get_writer, reading
from cafe.held import SENT_TO_LEAD, is_held, returned, sent_to_lead

INSIGHT_COPY = "insight-"  # client id prefix of the copy of an insight made for the lead
MAX_PRIVATE_MESSAGE = 300


def _note(db: Database, event: dict[str, Any], note_id: int) -> dict[str, Any]:
    note = queries.note_with_pseudonym(db, note_id)
    if note is None or note["event_id"] != event["id"]:
        raise Refused(_("Unknown note."))
    return note


def do_send_note_to_lead(
    event: dict[str, Any], note_id: int, sender: str
) -> tuple[dict[str, Any], bool]:
    """Hold a note for the safeguarding lead by hand; return it and whether it was not held yet."""

    def update(db: Database) -> tuple[dict, dict, bool]:
        before = _note(db, event, note_id)
        if before["status"] != "saved":
            raise Refused(_("That note was withdrawn."))
        flags = json.loads(before["flags_json"])
        if is_held(flags):
            return before, before, False  # already with the lead: sending twice changes nothing
        stamp = now()
        db.execute(
            "UPDATE notes SET flags_json = ?, wall = CASE WHEN wall = 'approved' THEN 'hidden' "
            "ELSE wall END, updated_at = ?, sg_status = 'new', sg_updated_by = ?, "
            "sg_updated_at = ? WHERE id = ?",
            [json.dumps(sent_to_lead(flags)), stamp, sender, stamp, note_id],
        )
        return before, queries.note_with_pseudonym(db, note_id), True

    before, after, sent = get_writer().write(update)
    if sent:
        broadcast_note(event, before, after)
    return after, sent


def _insight(db: Database, event: dict[str, Any], insight_id: int) -> dict[str, Any]:
    row = next(iter(db.query("SELECT * FROM insights WHERE id = ?", [insight_id])), None)
    if row is None or row["event_id"] != event["id"]:
        raise Refused(_("Unknown insight."))
    return dict(row)


def do_send_insight_to_lead(
    event: dict[str, Any], insight_id: int, sender: str
) -> tuple[dict[str, Any], bool]:
    """Hold a host's key insight for the safeguarding lead by hand (its dots go back); the lead
    gets it as a held note, as a detected one; return it and whether it was not held yet."""

    def update(db: Database) -> tuple[dict, dict, bool, dict | None]:
        before = _insight(db, event, insight_id)
        flags = json.loads(before["flags_json"])
        if is_held(flags):
            return before, before, False, None
        stamp = now()
        db.execute(
            "UPDATE insights SET flags_json = ?, wall = 'hidden', updated_at = ? WHERE id = ?",
            [json.dumps(sent_to_lead(flags)), stamp, insight_id],
        )
        dots = db.execute("DELETE FROM dot_votes WHERE insight_id = ?", [insight_id]).rowcount
        copy_id = INSIGHT_COPY + before["client_id"]
        found = db.execute(
            "SELECT id FROM notes WHERE event_id = ? AND client_id = ?", [event["id"], copy_id]
        ).fetchone()
        if found is None:
            note_id = insert_note(
                db, event["id"], copy_id, before["participant_id"], before["table_no"],
                before["round_no"], before["text"], "none", "hidden", [SENT_TO_LEAD],
            )
        else:  # sent before and returned: the copy for the lead comes back
            note_id = found[0]
            db.execute(
                "UPDATE notes SET text = ?, status = 'saved', consent = 'none', wall = 'hidden', "
                "flags_json = ?, sg_status = 'new', updated_at = ? WHERE id = ?",
                [before["text"], json.dumps([SENT_TO_LEAD]), stamp, note_id],
            )
        db.execute(
            "UPDATE notes SET sg_updated_by = ?, sg_updated_at = ? WHERE id = ?",
            [sender, stamp, note_id],
        )
        after = _insight(db, event, insight_id)
        return before, after, dots > 0, queries.note_with_pseudonym(db, note_id)

    before, after, dots_back, note = get_writer().write(update)
    if note is not None:
        publish_to_safeguarding(event, note)
        publish_insight_change(event, before, after, dots_back)
    return after, note is not None


def do_return_note(event: dict[str, Any], note_id: int, lead: str) -> dict[str, Any]:
    """Give a held note back to normal moderation ("not a disclosure"): it leaves the lead's queue
    and waits for the facilitator again. An insight's copy goes, and the insight comes back."""

    def update(db: Database) -> tuple[dict, dict, dict | None, dict | None]:
        before = _note(db, event, note_id)
        flags = json.loads(before["flags_json"])
        if before["sg_status"] is None or not is_held(flags):
            raise Refused(_("That note is not held for the safeguarding lead."), "not_held")
        stamp = now()
        insight_before = None
        if before["client_id"].startswith(INSIGHT_COPY):
            insight_before = next(
                iter(db.query(
                    "SELECT * FROM insights WHERE event_id = ? AND client_id = ?",
                    [event["id"], before["client_id"][len(INSIGHT_COPY):]],
                )),
                None,
            )
            # The copy existed only for the lead: its words go; the insight is moderated again.
            db.execute(
                "UPDATE notes SET status = 'withdrawn', text = '', flags_json = '[]', "
                "wall = 'hidden', sg_status = NULL, sg_updated_by = ?, sg_updated_at = ?, "
                "updated_at = ? WHERE id = ?",
                [lead, stamp, stamp, note_id],
            )
            if insight_before is not None:
                insight_before = dict(insight_before)
                db.execute(
                    "UPDATE insights SET flags_json = ?, wall = 'pending', updated_at = ? "
                    "WHERE id = ?",
                    [json.dumps(returned(json.loads(insight_before["flags_json"]))), stamp,
                     insight_before["id"]],
                )
        else:
            db.execute(
                "UPDATE notes SET flags_json = ?, wall = 'pending', sg_status = NULL, "
                "sg_updated_by = ?, sg_updated_at = ?, updated_at = ? WHERE id = ?",
                [json.dumps(returned(flags)), lead, stamp, stamp, note_id],
            )
        insight_after = (
            _insight(db, event, insight_before["id"]) if insight_before is not None else None
        )
        return before, queries.note_with_pseudonym(db, note_id), insight_before, insight_after

    before, after, insight_before, insight_after = get_writer().write(update)
    publish(events.SafeguardingItemReturned(note_id), rooms.safeguarding(event["id"]))
    broadcast_note(event, before, after)
    if insight_before is not None and insight_after is not None:
        publish_insight_change(event, insight_before, insight_after, False)
    return after


def check_private_message(payload: Any) -> tuple[int, str]:
    """Validate a `message_writer` payload: the held note's id and a short message."""
    payload = check_payload(payload)
    note_id = payload.get("id")
    if isinstance(note_id, bool) or not isinstance(note_id, int) or note_id <= 0:
        raise Refused(_("Unknown note."))
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Refused(_("Write the message first."), "empty")
    text = " ".join(text.split())
    if len(text) > MAX_PRIVATE_MESSAGE:
        raise Refused(
            _("A private message is at most %(n)s characters.", n=MAX_PRIVATE_MESSAGE), "too_long"
        )
    return note_id, text


def do_message_writer(event: dict[str, Any], note_id: int, text: str) -> dict[str, Any]:
    """Send the writer of a held note a private message to their phones only. Nothing is stored:
    not in the database, not in a log; the phone shows it until its reader closes it."""
    with reading() as db:
        note = queries.note(db, note_id)
    if note is None or note["event_id"] != event["id"] or note["sg_status"] is None:
        raise Refused(_("Unknown item."))
    if note["participant_id"] is None:
        raise Refused(
            _("The writer's pass has ended: their phone can no longer be reached."), "gone"
        )
    publish(events.LeadMessaged(text), rooms.participant(event["id"], note["participant_id"]))
    return {"id": note_id, "sent_at": now()}
