"""The `/wall` namespace: the projector shows approved notes; it sends nothing."""

from __future__ import annotations

import hmac
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from cafe import rooms
from cafe.db import reading
from cafe.events import WALL
from cafe.live.common import CONNECTIONS, Connection, event_from_auth
from cafe.sockets import socketio
from cafe.state import wall_state


@socketio.on("connect", namespace=WALL)
def on_connect(auth: Any = None) -> None:
    """Admit a display holding the event's wall token; send it the approved notes."""
    event = event_from_auth(auth)
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not hmac.compare_digest(token, event["wall_token"]):
        raise ConnectionRefusedError("This display link is not valid.")
    with reading() as db:
        state = wall_state(db, event)
    CONNECTIONS[(WALL, request.sid)] = Connection(event["id"], event["slug"])
    join_room(rooms.wall(event["id"]))
    socketio.emit("wall_state", state, to=request.sid, namespace=WALL)


@socketio.on("disconnect", namespace=WALL)
def on_disconnect(*_: Any) -> None:
    """Forget the display."""
    CONNECTIONS.pop((WALL, request.sid), None)
