"""The `/console` namespace: facilitators watch notes arrive and approve them for the wall."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, join_room

from cafe import actions, rooms
from cafe.actions.insights import check_insight_id, do_redact_insight, do_set_insight_wall
from cafe.db import reading
from cafe.events import CONSOLE, DEFAULT_HOLD_MESSAGE
from cafe.live.common import (
    CONNECTIONS,
    CONSOLE_ROLES,
    acked,
    check_facilitator,
    connection,
    current_event,
    event_from_auth,
    ok,
    presence_counts,
    staff_connection,
    staff_user,
)
from cafe.live.table_rooms import resync_rooms
from cafe.sockets import socketio
from cafe.state import console_state


@socketio.on("connect", namespace=CONSOLE)
def on_connect(auth: Any = None) -> None:
    """Admit a logged-in facilitator to an event's console; send the console its state."""
    user = staff_user(CONSOLE_ROLES)
    if user is None:
        raise ConnectionRefusedError("Log in as a facilitator first.")
    event = event_from_auth(auth)
    with reading() as db:
        state = console_state(db, event, presence_counts(event["id"]))
    CONNECTIONS[(CONSOLE, request.sid)] = staff_connection(event, user)
    join_room(rooms.console(event["id"]))
    socketio.emit("console_state", state, to=request.sid, namespace=CONSOLE)


@socketio.on("disconnect", namespace=CONSOLE)
def on_disconnect(*_: Any) -> None:
    """Forget the console."""
    CONNECTIONS.pop((CONSOLE, request.sid), None)


def _set_wall(payload: Any, state: str) -> dict[str, Any]:
    conn = connection(CONSOLE)
    check_facilitator(conn)
    note_id = actions.check_note_id(payload)
    event = current_event(conn)
    note = actions.do_set_wall(event, note_id, state)
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


@socketio.on("redact_note", namespace=CONSOLE)
@acked
def on_redact_note(payload: Any = None) -> dict[str, Any]:
    """Remove the personal details from a note (placeholders replace them)."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    event = current_event(conn)
    note = actions.do_redact_note(event, actions.check_note_id(payload))
    return ok(id=note["id"], flags=json.loads(note["flags_json"]))


def _set_insight_wall(payload: Any, state: str) -> dict[str, Any]:
    conn = connection(CONSOLE)
    check_facilitator(conn)
    insight_id = check_insight_id(payload)
    insight = do_set_insight_wall(current_event(conn), insight_id, state)
    return ok(id=insight["id"], wall=insight["wall"])


@socketio.on("approve_insight", namespace=CONSOLE)
@acked
def on_approve_insight(payload: Any = None) -> dict[str, Any]:
    """Put a host's key insight on the wall and up for the dot-voting."""
    return _set_insight_wall(payload, "approved")


@socketio.on("hide_insight", namespace=CONSOLE)
@acked
def on_hide_insight(payload: Any = None) -> dict[str, Any]:
    """Keep a key insight off the wall and the dot-voting (its dots go back)."""
    return _set_insight_wall(payload, "hidden")


@socketio.on("redact_insight", namespace=CONSOLE)
@acked
def on_redact_insight(payload: Any = None) -> dict[str, Any]:
    """Remove the personal details from a key insight (placeholders replace them)."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    event = current_event(conn)
    insight = do_redact_insight(event, check_insight_id(payload))
    return ok(id=insight["id"], flags=json.loads(insight["flags_json"]))


ROUND_ACTIONS = {
    "start_round": "Start the next round, or the round given (to go back).",
    "pause_round": "Stop the round's clock.",
    "resume_round": "Restart the round's clock.",
    "extend_round": "Give the round more minutes.",
    "end_round": "End the round now; travellers move.",
    "start_harvest": "Move to the harvest.",
    "close_event": "Close the café: phones can no longer add or change notes.",
}


def _round_handler(action: str, doc: str) -> Any:
    """Make the handler of one round action (they differ only in the action they apply)."""

    def handler(payload: Any = None) -> dict[str, Any]:
        conn = connection(CONSOLE)
        check_facilitator(conn)
        checked = actions.check_round_action(action, payload)
        event = current_event(conn)
        view = actions.do_change_round(event, action, checked)
        resync_rooms(event["id"])  # the round may have seated phones elsewhere
        return ok(**view)

    handler.__name__ = f"on_{action}"
    handler.__doc__ = doc
    return handler


for _action, _doc in ROUND_ACTIONS.items():
    socketio.on(_action, namespace=CONSOLE)(acked(_round_handler(_action, _doc)))


@socketio.on("hold_everyone", namespace=CONSOLE)
@acked
def on_hold_everyone(payload: Any = None) -> dict[str, Any]:
    """Put a calm pause screen with a short message on every phone and the wall."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    message = actions.check_payload(payload).get("message") or DEFAULT_HOLD_MESSAGE
    return ok(message=actions.do_hold(current_event(conn), message))


@socketio.on("release_everyone", namespace=CONSOLE)
@acked
def on_release_everyone(payload: Any = None) -> dict[str, Any]:
    """Lift the pause screen."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    actions.do_hold(current_event(conn), None)
    return ok(message=None)


@socketio.on("send_message", namespace=CONSOLE)
@acked
def on_send_message(payload: Any = None) -> dict[str, Any]:
    """Send a short message to every phone or to one table."""
    conn = connection(CONSOLE)
    check_facilitator(conn)
    payload = actions.check_payload(payload)
    sent = actions.do_send_message(current_event(conn), payload.get("text"), payload.get("table"))
    return ok(**sent)
