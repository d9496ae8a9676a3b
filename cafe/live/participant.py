"""The `/participant` namespace: phones join their event and table and send notes."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from cafe import actions, queries, rooms
from cafe.actions.clock import latest_message
from cafe.db import reading
from cafe.events import PARTICIPANT
from cafe.limits import ADDRESS_NOTES, PARTICIPANT_NOTES, SOCKET_EVENTS
from cafe.live.common import (
    CONNECTIONS,
    Connection,
    acked,
    connection,
    current_event,
    event_from_auth,
    max_chars,
    ok,
    presence_moved,
)
from cafe.sockets import socketio
from cafe.state import participant_state
from cafe.web.participant import outbox_key, outbox_participant_id, participant_cookie

MAX_SYNC_IDS = 500
# Connections that may only send the notes still waiting on a phone after "Exit this page".
OUTBOX = "outbox"


def _participant(conn: Connection) -> dict[str, Any]:
    with reading() as db:
        participant = queries.participant(db, conn.participant_id)
    if participant is None:
        raise actions.Refused(_("You are no longer part of this café."), "auth")
    return participant


@socketio.on("connect", namespace=PARTICIPANT)
def on_connect(auth: Any = None) -> None:
    """Admit a phone holding a participant token for the event; send it its state."""
    event = event_from_auth(auth)
    if event.get("purged_at"):
        raise ConnectionRefusedError(
            _("This café has ended and its notes have been deleted."), {"code": "purged"}
        )
    if actions.participation_over(event):
        raise ConnectionRefusedError(
            _("This café has ended. Thank you for taking part."), {"code": "ended"}
        )
    if isinstance(auth, dict) and "outbox_key" in auth:
        participant_id = outbox_participant_id(event["id"], auth["outbox_key"])
        if participant_id is None:
            raise ConnectionRefusedError(_("Join the café first."), {"code": "join"})
        # Send-only: no state, no rooms, not counted as present; only submit_note is answered.
        CONNECTIONS[(OUTBOX, request.sid)] = Connection(
            event["id"], event["slug"], participant_id=participant_id
        )
        return
    token = request.cookies.get(participant_cookie(event["slug"]))
    if not token and isinstance(auth, dict):
        token = auth.get("token")
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ConnectionRefusedError(_("Join the café first."), {"code": "join"})
    with reading() as db:
        participant = queries.participant_by_token(db, event["id"], token)
        if participant is None:
            raise ConnectionRefusedError(_("Join the café first."), {"code": "join"})
        state = participant_state(db, event, participant, max_chars())
    state["outbox_key"] = outbox_key(event["id"], participant["id"])
    state["message"] = latest_message(event["id"], participant["table_no"])
    left = bool(participant["left_at"])
    CONNECTIONS[(PARTICIPANT, request.sid)] = Connection(
        event["id"],
        event["slug"],
        participant_id=participant["id"],
        table_no=participant["table_no"],
        extra={"left": left},
    )
    join_room(rooms.participant(event["id"], participant["id"]))
    join_room(rooms.event(event["id"]))
    if participant["table_no"]:
        join_room(rooms.table(event["id"], participant["table_no"]))
    socketio.emit("state", state, to=request.sid, namespace=PARTICIPANT)
    if not left:  # someone who left is not counted as present until they are back
        presence_moved(event["id"], None, participant["table_no"] or 0)


@socketio.on("disconnect", namespace=PARTICIPANT)
def on_disconnect(*_: Any) -> None:
    """Forget the phone and update presence."""
    SOCKET_EVENTS.forget(request.sid)
    CONNECTIONS.pop((OUTBOX, request.sid), None)
    conn = CONNECTIONS.pop((PARTICIPANT, request.sid), None)
    if conn is not None and not conn.extra.get("left"):
        presence_moved(conn.event_id, conn.table_no or 0, None)


@socketio.on("choose_table", namespace=PARTICIPANT)
@acked
def on_choose_table(payload: Any = None) -> dict[str, Any]:
    """Seat this participant at a table."""
    conn = connection(PARTICIPANT)
    event = current_event(conn)
    table_no = actions.check_payload(payload).get("table")
    actions.do_choose_table(event, _participant(conn), table_no)
    if conn.table_no:
        leave_room(rooms.table(conn.event_id, conn.table_no))
    join_room(rooms.table(conn.event_id, table_no))
    presence_moved(conn.event_id, conn.table_no or 0, table_no)
    conn.table_no = table_no
    return ok(table=table_no)


@socketio.on("submit_note", namespace=PARTICIPANT)
@acked
def on_submit_note(payload: Any = None) -> dict[str, Any]:
    """Store a note; the ack (sent only after the commit) carries its server id."""
    conn = CONNECTIONS.get((OUTBOX, request.sid)) or connection(PARTICIPANT)
    draft = actions.check_submit_note(payload, max_chars())
    if not PARTICIPANT_NOTES.take(conn.participant_id) or not ADDRESS_NOTES.take(
        (request.remote_addr or "?", conn.event_id)  # issue 19: every pass from one address
    ):
        raise actions.Refused(_("You are sending very fast; please wait a moment."), "slow_down")
    event = current_event(conn)
    note, created = actions.do_submit_note(event, _participant(conn), draft)
    if conn is CONNECTIONS.get((OUTBOX, request.sid)):
        # Send-only (after "Exit this page"): the id, never the note's words back (issue 19).
        return ok(id=note["id"], client_id=note["client_id"], duplicate=not created)
    flags = json.loads(note["flags_json"])
    return ok(
        id=note["id"],
        client_id=note["client_id"],
        duplicate=not created,
        note=actions.own_note_view(note),
        support="disclosure" in flags,
    )


@socketio.on("sync_notes", namespace=PARTICIPANT)
@acked
def on_sync_notes(payload: Any = None) -> dict[str, Any]:
    """Say which of the client ids a phone still holds are already saved."""
    conn = connection(PARTICIPANT)
    client_ids = actions.check_payload(payload).get("client_ids")
    if (
        not isinstance(client_ids, list)
        or len(client_ids) > MAX_SYNC_IDS
        or not all(isinstance(c, str) and actions.CLIENT_ID_RE.match(c) for c in client_ids)
    ):
        raise actions.Refused(
            _("client_ids must be a list of at most %(n)s note ids.", n=MAX_SYNC_IDS)
        )
    with reading() as db:
        saved = queries.notes_by_client_ids(db, conn.event_id, conn.participant_id, client_ids)
    return ok(saved=[actions.own_note_view(n) for n in saved])


@socketio.on("edit_note", namespace=PARTICIPANT)
@acked
def on_edit_note(payload: Any = None) -> dict[str, Any]:
    """Change the text or consent of one's own note."""
    conn = connection(PARTICIPANT)
    note_id = actions.check_note_id(payload)
    text = actions.check_note_text(payload.get("text"), max_chars())
    consent = actions.check_consent(payload.get("consent"))
    note = actions.do_edit_note(current_event(conn), _participant(conn), note_id, text, consent)
    return ok(note=actions.own_note_view(note))


@socketio.on("withdraw_note", namespace=PARTICIPANT)
@acked
def on_withdraw_note(payload: Any = None) -> dict[str, Any]:
    """Withdraw one's own note."""
    conn = connection(PARTICIPANT)
    note_id = actions.check_note_id(payload)
    note = actions.do_withdraw_note(current_event(conn), _participant(conn), note_id)
    return ok(note=actions.own_note_view(note))
