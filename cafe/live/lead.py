"""People in the loop on the sockets: send a note to the safeguarding lead (console, host's recap),
and the lead's return of a held note and private message to its writer."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from cafe import actions, queries
from cafe.actions.host_briefing import recap
from cafe.actions.insights import check_insight_id
from cafe.actions.lead import (
    check_private_message,
    do_message_writer,
    do_return_note,
    do_send_insight_to_lead,
    do_send_note_to_lead,
)
from cafe.db import reading
from cafe.events import CONSOLE, PARTICIPANT, SAFEGUARDING
from cafe.live.common import (
    CONSOLE_ROLES,
    acked,
    check_facilitator,
    connection,
    current_event,
    ok,
    staff_user,
)
from cafe.live.safeguarding import LEAD_ROLES, whereabouts
from cafe.sockets import socketio


@socketio.on("send_to_lead", namespace=CONSOLE)
@acked
def on_console_send_to_lead(payload: Any = None) -> dict[str, Any]:
    """Send a note (or, with `"kind": "insight"`, a key insight) the rules missed to the lead."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    user = staff_user(CONSOLE_ROLES)
    event = current_event(conn)
    if actions.check_payload(payload).get("kind") == "insight":
        insight, sent = do_send_insight_to_lead(
            event, check_insight_id(payload), user["username"]
        )
        return ok(id=insight["id"], kind="insight", sent=sent)
    note, sent = do_send_note_to_lead(event, actions.check_note_id(payload), user["username"])
    return ok(id=note["id"], kind="note", sent=sent)


@socketio.on("send_to_lead", namespace=PARTICIPANT)
@acked
def on_host_send_to_lead(payload: Any = None) -> dict[str, Any]:
    """A table's host sends one of the notes in their recap to the safeguarding lead."""
    conn = connection(PARTICIPANT)
    note_id = actions.check_note_id(payload)
    event = current_event(conn)
    with reading() as db:
        person = queries.participant(db, conn.participant_id)
        table = person["host_table"] if person else None
        if table is None:
            raise actions.Refused(_("Only a table's host sees its earlier notes."), "not_host")
        fresh = queries.event_by_slug(db, event["slug"])
        if note_id not in {n["id"] for n in recap(db, fresh, table)}:
            raise actions.Refused(_("Unknown note."))
    note, sent = do_send_note_to_lead(event, note_id, _("host of table %(n)s", n=table))
    return ok(id=note["id"], sent=sent)


def _lead_event(namespace: str = SAFEGUARDING) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the event and the account of a safeguarding lead's socket (refused otherwise)."""
    conn = connection(namespace)
    user = staff_user(LEAD_ROLES)
    if user is None or user["id"] != conn.user_id:
        raise actions.Refused(_("Please log in again."), "auth")
    return current_event(conn), user


@socketio.on("return_note", namespace=SAFEGUARDING)
@acked
def on_return_note(payload: Any = None) -> dict[str, Any]:
    """Give a held note back to normal moderation: it is not a disclosure."""
    event, user = _lead_event()
    note = do_return_note(event, actions.check_note_id(payload), user["username"])
    return ok(id=note["id"])


@socketio.on("message_writer", namespace=SAFEGUARDING)
@acked
def on_message_writer(payload: Any = None) -> dict[str, Any]:
    """Send the writer of a held note a private message that only their phone shows."""
    event, _user = _lead_event()
    note_id, text = check_private_message(payload)
    sent = do_message_writer(event, note_id, text)
    where = whereabouts(event["id"]).get(str(note_id), {})
    # Whether a phone of theirs is connected now (None: this worker cannot tell).
    return ok(**sent, connected=where.get("connected"))
