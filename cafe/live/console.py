"""The `/console` namespace: facilitators watch notes arrive and approve them for the wall."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import join_room

from cafe import actions, rooms, socketio
from cafe.db import reading
from cafe.events import CONSOLE
from cafe.live.common import (
    CONNECTIONS,
    Connection,
    acked,
    connection,
    current_event,
    event_from_auth,
    ok,
    presence_counts,
    staff_user,
)
from cafe.state import console_state

CONSOLE_ROLES = ("admin", "facilitator")


def _authorised(conn: Connection) -> None:
    """Refuse if the login behind this socket was revoked or lost its role since it connected."""
    user = staff_user(CONSOLE_ROLES)
    if user is None or user["id"] != conn.user_id:
        raise actions.Refused("Please log in again.", "auth")


@socketio.on("connect", namespace=CONSOLE)
def on_connect(auth: Any = None) -> None:
    """Admit a logged-in facilitator to an event's console; send the console its state."""
    user = staff_user(CONSOLE_ROLES)
    if user is None:
        raise ConnectionRefusedError("Log in as a facilitator first.")
    event = event_from_auth(auth)
    with reading() as db:
        state = console_state(db, event, presence_counts(event["id"]))
    CONNECTIONS[(CONSOLE, request.sid)] = Connection(event["id"], event["slug"], user_id=user["id"])
    join_room(rooms.console(event["id"]))
    socketio.emit("console_state", state, to=request.sid, namespace=CONSOLE)


@socketio.on("disconnect", namespace=CONSOLE)
def on_disconnect(*_: Any) -> None:
    """Forget the console."""
    CONNECTIONS.pop((CONSOLE, request.sid), None)


def _set_wall(payload: Any, state: str) -> dict[str, Any]:
    conn = connection(CONSOLE)
    _authorised(conn)
    note_id = actions.check_note_id(payload)
    note = actions.do_set_wall(current_event(conn), note_id, state)
    return ok(id=note["id"], wall=note["wall"])


@socketio.on("approve_note", namespace=CONSOLE)
@acked
def on_approve_note(payload: Any = None) -> dict[str, Any]:
    """Put a note on the wall."""
    return _set_wall(payload, "approved")


@socketio.on("hide_note", namespace=CONSOLE)
@acked
def on_hide_note(payload: Any = None) -> dict[str, Any]:
    """Keep a note off the wall."""
    return _set_wall(payload, "hidden")
