"""The `/safeguarding` namespace: the safeguarding lead's private, live queue of held notes."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from cafe import actions, events, queries, rooms
from cafe.broadcast import subscribe
from cafe.coalesce import Coalescer
from cafe.db import reading
from cafe.events import PARTICIPANT, SAFEGUARDING
from cafe.live.common import (
    CONNECTIONS,
    Connection,
    acked,
    connection,
    current_event,
    event_from_auth,
    ok,
    shared_presence,
    staff_connection,
    staff_user,
)
from cafe.sockets import socketio

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
    state = {"items": items, "whereabouts": whereabouts(event["id"])}
    socketio.emit("queue_state", state, to=request.sid, namespace=SAFEGUARDING)


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


# ---- where each writer is now ---------------------------------------------------------------------


def _online(event_id: int) -> set[int] | None:
    """Return the participants with a phone connected now, or None when that is not known here
    (several worker processes: each knows only its own sockets)."""
    if shared_presence() is not None:
        return None
    return {
        conn.participant_id
        for (namespace, _sid), conn in list(CONNECTIONS.items())
        if namespace == PARTICIPANT and conn.event_id == event_id and not conn.extra.get("left")
    }


def whereabouts(event_id: int) -> dict[str, dict[str, Any]]:
    """Return, for each held note (by id), where its writer is now: `{known, table, name, left,
    connected}` (`connected` is None when this process cannot tell)."""
    with reading() as db:
        found = queries.safeguarding_whereabouts(db, event_id)
    online = _online(event_id) if found else None
    out = {}
    for row in found:
        known = row["participant_id"] is not None
        out[str(row["note_id"])] = {
            "known": known,
            "table": row["table_no"] if known else None,
            "name": (row["table_name"] or "") if known else "",
            "left": known and bool(row["left_at"]),
            "connected": None if online is None or not known else row["participant_id"] in online,
        }
    return out


def publish_whereabouts(event_id: int) -> None:
    """Tell the event's safeguarding leads where the writers of the held notes are now."""
    found = whereabouts(event_id)
    if found:
        change = events.Whereabouts(found)
        socketio.emit(
            change.name, change.payload(), to=rooms.safeguarding(event_id), namespace=SAFEGUARDING
        )


# Phones connect, move and leave in bursts (a rotation moves everyone): at most one a second.
publish_whereabouts_soon = Coalescer("safeguarding whereabouts", publish_whereabouts)


@subscribe(
    events.RotationChanged,
    events.PresenceChanged,
    events.SafeguardingItemChanged,
    events.SafeguardingItemReturned,
)
def whereabouts_changed(event_id: int, _change: events.ServerEvent | None = None) -> None:
    """Seats changed (also of phones not connected), a phone came, went or moved, or a held note
    arrived or changed: update the leads (coalesced)."""
    publish_whereabouts_soon(event_id, event_id)
