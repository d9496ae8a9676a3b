"""Rotation on the sockets: who cannot move, host links, insights and dots (phones); hosts,
leavers and late joiners (console)."""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from cafe import actions, rooms
from cafe.actions.dots import check_dots, do_set_dots
from cafe.actions.hosts import (
    do_claim_host,
    do_claim_seat_host,
    do_set_host,
    do_set_host_by,
    do_set_host_label,
)
from cafe.actions.insight_views import insight_view
from cafe.actions.insights import check_insight, do_submit_insight
from cafe.actions.leavers import (
    check_participant_id,
    do_seat_late_joiners,
    do_set_cannot_move,
    do_set_left,
)
from cafe.events import CONSOLE, PARTICIPANT
from cafe.limits import PARTICIPANT_NOTES
from cafe.live.common import acked, check_facilitator, connection, current_event, ok, presence_moved
from cafe.live.participant import _participant
from cafe.live.table_rooms import follow_left, resync_rooms
from cafe.sockets import socketio

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
    do_set_left(event, conn.participant_id, left)
    follow_left(event["id"], conn.participant_id, left)
    return conn


@socketio.on("set_cannot_move", namespace=PARTICIPANT)
@acked
def on_set_cannot_move(payload: Any = None) -> dict[str, Any]:
    """Say that this participant cannot move tables (or can again)."""
    conn = connection(PARTICIPANT)
    value = actions.check_payload(payload).get("value")
    view = do_set_cannot_move(current_event(conn), _participant(conn), value)
    return ok(cannot_move=view["cannot_move"], move=view["move"])


@socketio.on("claim_host", namespace=PARTICIPANT)
@acked
def on_claim_host(payload: Any = None) -> dict[str, Any]:
    """Become a table's host with the table's host link."""
    conn = connection(PARTICIPANT)
    payload = actions.check_payload(payload)
    view = do_claim_host(
        current_event(conn), _participant(conn), payload.get("table"), payload.get("key")
    )
    _follow_table(conn, view["table"])
    return ok(host=view)


@socketio.on("claim_seat_host", namespace=PARTICIPANT)
@acked
def on_claim_seat_host(payload: Any = None) -> dict[str, Any]:
    """Become the host of this phone's table by saying it sits at seat 1 there."""
    conn = connection(PARTICIPANT)
    actions.check_payload(payload if payload is not None else {})
    view = do_claim_seat_host(current_event(conn), _participant(conn))
    return ok(host=view)


@socketio.on("set_host_label", namespace=PARTICIPANT)
@acked
def on_set_host_label(payload: Any = None) -> dict[str, Any]:
    """A host says how the facilitator can find them (a first name, "red scarf")."""
    conn = connection(PARTICIPANT)
    label = actions.check_payload(payload).get("label")
    return ok(**do_set_host_label(current_event(conn), _participant(conn), label))


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
    client_id, text = check_insight(payload)
    if not PARTICIPANT_NOTES.take(conn.participant_id):
        raise actions.Refused("You are sending very fast; please wait a moment.", "slow_down")
    insight, created = do_submit_insight(
        current_event(conn), _participant(conn), client_id, text
    )
    return ok(insight=insight_view(insight), duplicate=not created)


@socketio.on("set_dots", namespace=PARTICIPANT)
@acked
def on_set_dots(payload: Any = None) -> dict[str, Any]:
    """Put some of this participant's dots on an insight in the harvest (0 takes them off)."""
    conn = connection(PARTICIPANT)
    insight, dots = check_dots(payload)
    return ok(**do_set_dots(current_event(conn), _participant(conn), insight, dots))


# ---- the console ----------------------------------------------------------------------------------


@socketio.on("set_host", namespace=CONSOLE)
@acked
def on_set_host(payload: Any = None) -> dict[str, Any]:
    """Make a participant the host of a table (they stay there), or stop their hosting."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    payload = actions.check_payload(payload)
    event = current_event(conn)
    view = do_set_host(event, payload.get("participant"), payload.get("table"))
    resync_rooms(event["id"])
    return ok(host=view)


@socketio.on("set_host_by", namespace=CONSOLE)
@acked
def on_set_host_by(payload: Any = None) -> dict[str, Any]:
    """Say who hosts a table: whoever sits at seat 1, or whoever opens its host link."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    payload = actions.check_payload(payload)
    return ok(**do_set_host_by(current_event(conn), payload.get("table"), payload.get("by")))


def _mark(payload: Any, left: bool) -> dict[str, Any]:
    conn = connection(CONSOLE)
    check_facilitator(conn)
    participant_id = check_participant_id(payload)
    event = current_event(conn)
    do_set_left(event, participant_id, left)
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
    check_facilitator(conn)
    actions.check_payload(payload if payload is not None else {})
    event = current_event(conn)
    seated = do_seat_late_joiners(event)
    resync_rooms(event["id"])
    return ok(seated={str(pid): table for pid, table in seated.items()})
