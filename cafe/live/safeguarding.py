"""The `/safeguarding` namespace: the safeguarding lead's private, live queue of held notes."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from cafe import actions, queries, rooms, socketio
from cafe.db import reading
from cafe.events import SAFEGUARDING
from cafe.live.common import (
    CONNECTIONS,
    Connection,
    acked,
    connection,
    current_event,
    event_from_auth,
    ok,
    staff_connection,
    staff_user,
)

LEAD_ROLES = ("admin", "safeguarding")


def _lead(conn: Connection) -> dict[str, Any]:
    user = staff_user(LEAD_ROLES)
    if user is None or user["id"] != conn.user_id:
        raise actions.Refused("Please log in again.", "auth")
    return user


@socketio.on("connect", namespace=SAFEGUARDING)
def on_connect(auth: Any = None) -> None:
    """Admit a logged-in safeguarding lead; send the event's queue."""
    user = staff_user(LEAD_ROLES)
    if user is None:
        raise ConnectionRefusedError("Log in as the safeguarding lead first.")
    event = event_from_auth(auth)
    with reading() as db:
        items = [actions.safeguarding_view(n) for n in queries.safeguarding_notes(db, event["id"])]
    CONNECTIONS[(SAFEGUARDING, request.sid)] = staff_connection(event, user)
    join_room(rooms.safeguarding(event["id"]))
    socketio.emit("queue_state", {"items": items}, to=request.sid, namespace=SAFEGUARDING)


@socketio.on("disconnect", namespace=SAFEGUARDING)
def on_disconnect(*_: Any) -> None:
    """Forget the lead's socket."""
    CONNECTIONS.pop((SAFEGUARDING, request.sid), None)


@socketio.on("set_item_status", namespace=SAFEGUARDING)
@acked
def on_set_item_status(payload: Any = None) -> dict[str, Any]:
    """Acknowledge, resolve or reopen a held note."""
    conn = connection(SAFEGUARDING)
    user = _lead(conn)
    note_id = actions.check_note_id(payload)
    status = payload.get("status")
    note = actions.do_set_safeguarding_status(
        current_event(conn), note_id, status, user["username"]
    )
    return ok(item=actions.safeguarding_view(note))
