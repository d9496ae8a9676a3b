"""Rotation on the sockets: who cannot move, host links, insights and dots (phones); hosts and
late joiners (console); and keeping each phone's table room right after the server seats it."""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from cafe import actions, rooms, socketio
from cafe.actions import rotation
from cafe.db import reading
from cafe.events import CONSOLE, PARTICIPANT
from cafe.limits import PARTICIPANT_NOTES
from cafe.live.common import CONNECTIONS, acked, connection, current_event, ok, presence_moved
from cafe.live.console import _authorised
from cafe.live.participant import _participant


def resync_rooms(event_id: int) -> int:
    """Put every phone of an event in its table's room after the server changed tables; return
    how many phones moved."""
    conns = [
        (sid, conn)
        for (namespace, sid), conn in list(CONNECTIONS.items())
        if namespace == PARTICIPANT and conn.event_id == event_id
    ]
    if not conns:
        return 0
    with reading() as db:
        tables = {
            row[0]: row[1]
            for row in db.execute(
                "SELECT id, table_no FROM participants WHERE event_id = ?", [event_id]
            ).fetchall()
        }
    moved = 0
    for sid, conn in conns:
        if conn.extra.get("left"):  # a phone that said goodbye sits nowhere and is not counted
            continue
        table = tables.get(conn.participant_id)
        if table == conn.table_no:
            continue
        if conn.table_no:
            socketio.server.leave_room(
                sid, rooms.table(event_id, conn.table_no), namespace=PARTICIPANT
            )
        if table:
            socketio.server.enter_room(sid, rooms.table(event_id, table), namespace=PARTICIPANT)
        presence_moved(event_id, conn.table_no or 0, table or 0)
        conn.table_no = table
        moved += 1
    return moved


def follow_left(event_id: int, participant_id: int, left: bool) -> None:
    """After someone left (or came back), take their phones out of (or back into) the presence
    counts and their table's room."""
    for (namespace, sid), conn in list(CONNECTIONS.items()):
        if namespace != PARTICIPANT or conn.participant_id != participant_id:
            continue
        if left and not conn.extra.get("left"):
            if conn.table_no:
                socketio.server.leave_room(
                    sid, rooms.table(event_id, conn.table_no), namespace=PARTICIPANT
                )
            presence_moved(event_id, conn.table_no or 0, None)
            conn.table_no = None
            conn.extra["left"] = True
        elif not left and conn.extra.get("left"):
            conn.extra["left"] = False
            presence_moved(event_id, None, 0)
    if not left:
        resync_rooms(event_id)  # into the table they were given


# ---- phones ---------------------------------------------------------------------------------------


@socketio.on("leave_cafe", namespace=PARTICIPANT)
@acked
def on_leave_cafe(payload: Any = None) -> dict[str, Any]:
    """This participant is leaving the café: they sit nowhere from now on (notes sent are kept)."""
    _set_own_left(payload, True)
    return ok(left=True)


@socketio.on("come_back", namespace=PARTICIPANT)
@acked
def on_come_back(payload: Any = None) -> dict[str, Any]:
    """A participant who left is back: seated like a late joiner."""
    conn = _set_own_left(payload, False)
    return ok(left=False, table=_participant(conn)["table_no"])


def _set_own_left(payload: Any, left: bool) -> Any:
    conn = connection(PARTICIPANT)
    actions.check_payload(payload if payload is not None else {})
    event = current_event(conn)
    rotation.do_set_left(event, conn.participant_id, left)
    follow_left(event["id"], conn.participant_id, left)
    return conn


@socketio.on("set_cannot_move", namespace=PARTICIPANT)
@acked
def on_set_cannot_move(payload: Any = None) -> dict[str, Any]:
    """Say that this participant cannot move tables (or can again)."""
    conn = connection(PARTICIPANT)
    value = actions.check_payload(payload).get("value")
    view = rotation.do_set_cannot_move(current_event(conn), _participant(conn), value)
    return ok(cannot_move=view["cannot_move"], move=view["move"])


@socketio.on("claim_host", namespace=PARTICIPANT)
@acked
def on_claim_host(payload: Any = None) -> dict[str, Any]:
    """Become a table's host with the table's host link."""
    conn = connection(PARTICIPANT)
    payload = actions.check_payload(payload)
    view = rotation.do_claim_host(
        current_event(conn), _participant(conn), payload.get("table"), payload.get("key")
    )
    _follow_table(conn, view["table"])
    return ok(host=view)


def _follow_table(conn: Any, table: int | None) -> None:
    """Move this socket into its new table's room."""
    if table is None or table == conn.table_no:
        return
    if conn.table_no:
        leave_room(rooms.table(conn.event_id, conn.table_no))
    join_room(rooms.table(conn.event_id, table))
    presence_moved(conn.event_id, conn.table_no or 0, table)
    conn.table_no = table


@socketio.on("submit_insight", namespace=PARTICIPANT)
@acked
def on_submit_insight(payload: Any = None) -> dict[str, Any]:
    """A host shares one of the round's 1-3 key insights; acked after the commit."""
    conn = connection(PARTICIPANT)
    client_id, text = rotation.check_insight(payload)
    if not PARTICIPANT_NOTES.take(conn.participant_id):
        raise actions.Refused("You are sending very fast; please wait a moment.", "slow_down")
    insight, created = rotation.do_submit_insight(
        current_event(conn), _participant(conn), client_id, text
    )
    return ok(insight=rotation.insight_view(insight), duplicate=not created)


@socketio.on("set_dots", namespace=PARTICIPANT)
@acked
def on_set_dots(payload: Any = None) -> dict[str, Any]:
    """Put some of this participant's dots on an insight in the harvest (0 takes them off)."""
    conn = connection(PARTICIPANT)
    insight, dots = rotation.check_dots(payload)
    return ok(**rotation.do_set_dots(current_event(conn), _participant(conn), insight, dots))


# ---- the console ----------------------------------------------------------------------------------


@socketio.on("set_host", namespace=CONSOLE)
@acked
def on_set_host(payload: Any = None) -> dict[str, Any]:
    """Make a participant the host of a table (they stay there), or stop their hosting."""
    conn = connection(CONSOLE)
    _authorised(conn)
    payload = actions.check_payload(payload)
    event = current_event(conn)
    view = rotation.do_set_host(event, payload.get("participant"), payload.get("table"))
    resync_rooms(event["id"])
    return ok(host=view)


def _mark(payload: Any, left: bool) -> dict[str, Any]:
    conn = connection(CONSOLE)
    _authorised(conn)
    participant_id = rotation.check_participant_id(payload)
    event = current_event(conn)
    rotation.do_set_left(event, participant_id, left)
    follow_left(event["id"], participant_id, left)
    return ok(participant=participant_id, left=left)


@socketio.on("mark_left", namespace=CONSOLE)
@acked
def on_mark_left(payload: Any = None) -> dict[str, Any]:
    """Mark a participant as gone from the café (their phone says goodbye)."""
    return _mark(payload, True)


@socketio.on("mark_back", namespace=CONSOLE)
@acked
def on_mark_back(payload: Any = None) -> dict[str, Any]:
    """Mark a participant who left as back: seated like a late joiner."""
    return _mark(payload, False)


@socketio.on("seat_late_joiners", namespace=CONSOLE)
@acked
def on_seat_late_joiners(payload: Any = None) -> dict[str, Any]:
    """Place everyone not yet placed at the smallest tables (now, or in the next round's plan)."""
    conn = connection(CONSOLE)
    _authorised(conn)
    actions.check_payload(payload if payload is not None else {})
    event = current_event(conn)
    seated = rotation.do_seat_late_joiners(event)
    resync_rooms(event["id"])
    return ok(seated={str(pid): table for pid, table in seated.items()})
