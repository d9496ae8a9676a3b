"""Keep each phone's table room and the presence counts right after the server seats it elsewhere."""

from __future__ import annotations

from cafe import rooms
from cafe.db import reading
from cafe.events import PARTICIPANT
from cafe.live.common import CONNECTIONS, presence_moved
from cafe.sockets import socketio


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
