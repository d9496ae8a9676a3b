"""The facilitator drives the café: round transitions, "pause everyone", messages to phones."""

from __future__ import annotations

import json
import time
import unicodedata
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms, rounds
from cafe.actions.common import Refused, check_payload, now
from cafe.actions.rotation import after_round_change, publish_round_change
from cafe.actions.seats import do_plan_round
from cafe.broadcast import publish
from cafe.db import get_writer, reading
from cafe.sockets import socketio

MAX_MESSAGE_CHARS = 300
# A facilitator's latest message to everyone and to each table, for phones that were offline when it
# was sent: it is in their state on reconnect while still current. Kept in this worker's memory.
MESSAGE_FRESH_SECONDS = 600
LATEST_MESSAGES: dict[int, dict[int | None, dict[str, Any]]] = {}


def latest_message(event_id: int, table_no: int | None) -> dict[str, Any] | None:
    """Return the newest message to everyone or to this table sent in the last ten minutes."""
    oldest = time.time() - MESSAGE_FRESH_SECONDS
    sent = LATEST_MESSAGES.get(event_id, {})
    found = [m for key, m in sent.items() if (key is None or key == table_no) and m["at"] > oldest]
    newest = max(found, key=lambda m: m["at"], default=None)
    return {"text": newest["text"], "table": newest["table"]} if newest else None


def server_time() -> float:
    """Return the server's clock in ms since the epoch (phones correct their offset against it)."""
    return time.time() * 1000


def clock_of(event: dict[str, Any], round_count: int) -> rounds.Clock:
    """Return an event row's clock."""
    return rounds.Clock(
        phase=event["phase"],
        round=event["current_round"],
        rounds=round_count,
        started_at=event["started_at"],
        duration=event["duration"],
        paused_at=event["paused_at"],
        paused_total=event["paused_total"],
    )


def _warning_translations(event: dict[str, Any], current: dict[str, Any] | None) -> dict:
    """Return the round's content warning in every language the plan gives it."""
    if not current or not current["content_warning"]:
        return {}
    rounds = queries.plan(event).get("rounds") or []
    index = current["number"] - 1
    if not 0 <= index < len(rounds):
        return {}
    return dict(rounds[index].get("warning_translations") or [])


def round_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return the current round's question and settings, as every screen shows them."""
    all_rounds = queries.rounds(db, event["id"])
    current = next((r for r in all_rounds if r["number"] == event["current_round"]), None)
    return {
        "number": event["current_round"],
        "count": len(all_rounds),
        "question": current["question"] if current else "",
        # Every language the plan gives; each phone shows its own and falls back to "question".
        "questions": json.loads(current["translations_json"]) if current else {},
        "content_warning": current["content_warning"] if current else "",
        "content_warnings": _warning_translations(event, current),
        "minutes": current["minutes"] if current else None,
        "move": bool(current["move"]) if current else False,
    }


def clock_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return what a screen needs to draw the round and count down locally."""
    count = len(queries.rounds(db, event["id"]))
    return {
        "clock": clock_of(event, count).to_dict(),
        "round": round_view(db, event),
        "server_time": server_time(),
    }


def _publish_everywhere(event: events.ServerEvent, event_id: int) -> None:
    """Send one event to every phone, console and wall of an event."""
    publish(event, rooms.event(event_id))
    for namespace, room in (
        (events.CONSOLE, rooms.console(event_id)),
        (events.WALL, rooms.wall(event_id)),
    ):
        socketio.emit(event.name, event.payload(), to=room, namespace=namespace)


def check_round_action(action: str, payload: Any) -> dict[str, Any]:
    """Validate the payload of a round action."""
    payload = check_payload(payload if payload is not None else {})
    if action == "start_round" and payload.get("round") is not None:
        value = payload["round"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused("'round' must be a round number.")
    if action == "extend_round":
        value = payload.get("minutes")
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused("Extend by a whole number of minutes.")
    return payload


def do_change_round(event: dict[str, Any], action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply a round transition, store the new clock, then tell every screen."""

    def update(db: Database) -> dict[str, Any]:
        fresh = queries.event_by_slug(db, event["slug"])
        all_rounds = queries.rounds(db, fresh["id"])
        clock = clock_of(fresh, len(all_rounds))
        at = server_time()
        try:
            if action == "start_round":
                number = payload.get("round")
                target = (
                    number
                    if number is not None
                    else (clock.round if clock.phase == "lobby" else clock.round + 1)
                )
                minutes = next((r["minutes"] for r in all_rounds if r["number"] == target), 20)
                clock = rounds.start_round(clock, number, minutes, at)
            elif action == "pause_round":
                clock = rounds.pause_round(clock, at)
            elif action == "resume_round":
                clock = rounds.resume_round(clock, at)
            elif action == "extend_round":
                clock = rounds.extend_round(clock, payload["minutes"])
            elif action == "end_round":
                clock = rounds.end_round(clock, at)
            elif action == "start_harvest":
                clock = rounds.start_harvest(clock)
            elif action == "close_event":
                clock = rounds.close(clock)
            else:
                raise Refused("Unknown round action.")
        except rounds.RoundError as exc:
            raise Refused(str(exc), "illegal") from None
        db.execute(
            "UPDATE events SET phase = ?, current_round = ?, started_at = ?, duration = ?, "
            "paused_at = ?, paused_total = ?, status = ?, closed_at = COALESCE(closed_at, ?) "
            "WHERE id = ?",
            [
                clock.phase,
                clock.round,
                clock.started_at,
                clock.duration,
                clock.paused_at,
                clock.paused_total,
                "closed" if clock.phase == "closed" else "open",
                now() if clock.phase == "closed" else None,
                fresh["id"],
            ],
        )
        updated = queries.event_by_slug(db, event["slug"])
        told = after_round_change(db, fresh, action)
        return clock_view(db, updated), told

    view, told = get_writer().write(update)
    if action in ("start_round", "end_round", "start_harvest", "close_event"):
        # A message belongs to its phase: a phone joining later is not shown one from before.
        LATEST_MESSAGES.pop(event["id"], None)
    _publish_everywhere(events.RoundChanged(**view), event["id"])
    # Let every socket's writer send the round change now: planning the next round's moves and
    # telling each traveller runs on this greenlet without yielding, and the phones' round
    # change waited behind all of it.
    socketio.sleep(0)
    if action == "end_round" and told["round"] is not None:
        told["moves"] = do_plan_round(event, told["round"])
    publish_round_change(event, action, told)
    return view


def check_message_text(text: Any) -> str:
    """Return a facilitator's message (to phones, or on the pause screen) fit to send, or refuse."""
    if not isinstance(text, str):
        raise Refused(_("A message must be text."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise Refused(_("The message is empty."), "empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Refused(
            _(
                "The message is %(length)s characters long; the limit is %(limit)s.",
                length=len(text),
                limit=MAX_MESSAGE_CHARS,
            )
        )
    if any(char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cs") for char in text):
        raise Refused(_("The message contains control characters."))
    return text.strip()


def _refuse_if_closed(db: Database, event: dict[str, Any], refusal: str) -> None:
    row = db.execute("SELECT phase FROM events WHERE id = ?", [event["id"]]).fetchone()
    if row is not None and row[0] == "closed":
        raise Refused(refusal, "closed")


def do_hold(event: dict[str, Any], message: str | None) -> str | None:
    """Put a calm "pause" screen on every phone and the wall (message) or lift it (None).

    A closed café cannot be paused (its phones say goodbye); a pause may always be lifted."""
    if message is not None:
        message = check_message_text(message)

    def hold(db: Database) -> None:
        if message is not None:
            _refuse_if_closed(db, event, _("The café is closed: there is nothing to pause."))
        db.execute("UPDATE events SET hold_message = ? WHERE id = ?", [message, event["id"]])

    get_writer().write(hold)
    _publish_everywhere(events.HoldChanged(message), event["id"])
    return message


def do_send_message(event: dict[str, Any], text: Any, table: Any = None) -> dict[str, Any]:
    """Send a short message to every phone of the event, or to one table's phones."""
    text = check_message_text(text)
    if table is not None and (isinstance(table, bool) or not isinstance(table, int)):
        raise Refused("Choose a table, or send to everyone.")
    with reading() as db:
        _refuse_if_closed(db, event, _("The café is closed: phones no longer take messages."))
        if table is not None:
            if table not in {t["number"] for t in queries.tables(db, event["id"])}:
                raise Refused("There is no such table.")
    message = events.MessageSent(text, table)
    LATEST_MESSAGES.setdefault(event["id"], {})[table] = {"text": text, "table": table, "at": time.time()}
    room = rooms.table(event["id"], table) if table is not None else rooms.event(event["id"])
    publish(message, room)
    socketio.emit(
        message.name, message.payload(), to=rooms.console(event["id"]), namespace=events.CONSOLE
    )
    return message.payload()
