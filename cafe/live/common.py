"""What the namespaces share: the ack wrapper, who is connected, and presence counts."""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError

from cafe import events, queries, rooms
from cafe.actions import Refused, do_purge_expired
from cafe.actions.clock import LATEST_MESSAGES
from cafe.broadcast import publish
from cafe.coalesce import Coalescer, forget_all
from cafe.db import describe_failure, reading
from cafe.limits import PARTICIPANT_NOTES, SOCKET_EVENTS
from cafe.sockets import socketio

log = logging.getLogger(__name__)


@dataclass
class Connection:
    """One connected socket: which event it belongs to and who it is."""

    event_id: int
    slug: str
    participant_id: int | None = None
    table_no: int | None = None
    user_id: int | None = None
    extra: dict = field(default_factory=dict)


# (namespace, sid) -> Connection, for this process.
CONNECTIONS: dict[tuple[str, str], Connection] = {}
# event id -> table number (0 = not yet seated) -> connected phones, for this process.
PRESENCE: dict[int, dict[int, int]] = {}


def forget_connections() -> None:
    """Start with no connections (a new app in this process, as in tests)."""
    CONNECTIONS.clear()
    PRESENCE.clear()
    SOCKET_EVENTS.clear()
    PARTICIPANT_NOTES.clear()
    forget_all()
    LATEST_MESSAGES.clear()


SLOW_DOWN = {
    "ok": False,
    "error": "You are sending very fast; please wait a moment.",
    "code": "slow_down",
}


def ok(**fields: Any) -> dict[str, Any]:
    """Return a successful ack."""
    return {"ok": True, **fields}


def acked(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Turn Refused into an error ack, and any other failure into a generic one (logged without text)."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> dict[str, Any]:
        if not SOCKET_EVENTS.take(request.sid):
            return SLOW_DOWN
        try:
            return handler(*args)
        except Refused as exc:
            return {"ok": False, "error": exc.message, "code": exc.code}
        except sqlite3.OperationalError as exc:
            fault = describe_failure(exc)
            # Never log the payload or the statement's values: they may hold a note's text.
            log.error("socket handler %s: database fault (%s)", handler.__name__, fault or "other")
            message = {
                "disk_full": _(
                    "The server's disk is full. Your note is kept on your phone; tell the facilitator."
                ),
                "read_only": _(
                    "The server cannot save right now. Your note is kept on your phone; tell the facilitator."
                ),
                "busy": _(
                    "The server is busy. Your note is kept on your phone and will be sent again."
                ),
            }.get(fault or "", _("Something went wrong on the server; please try again."))
            return {"ok": False, "error": message, "code": "server"}
        except Exception:  # noqa: BLE001 - a phone must always get an answer
            # Never log the payload: it may hold a note's text.
            log.exception("socket handler %s failed", handler.__name__)
            return {
                "ok": False,
                "error": _("Something went wrong on the server; please try again."),
                "code": "server",
            }

    return wrapper


def connection(namespace: str) -> Connection:
    """Return the current socket's connection record, refusing if it has none."""
    conn = CONNECTIONS.get((namespace, request.sid))
    if conn is None:
        raise Refused(_("Not connected to an event."), "auth")
    return conn


def current_event(conn: Connection) -> dict[str, Any]:
    """Return the connection's event as it is now (it may have closed or moved on)."""
    with reading() as db:
        event = queries.event_by_slug(db, conn.slug)
    if event is None or event["id"] != conn.event_id:
        raise Refused(_("This café no longer exists."), "gone")
    return event


def event_from_auth(auth: Any) -> dict[str, Any]:
    """Return the event named in a connect's auth, or refuse the connection."""
    slug = auth.get("event") if isinstance(auth, dict) else None
    if not isinstance(slug, str) or len(slug) > 64:
        raise ConnectionRefusedError(_("Say which event to join."))
    with reading() as db:
        event = queries.event_by_slug(db, slug)
    if event is None:
        raise ConnectionRefusedError(_("There is no such café."))
    return event


def staff_user(roles: tuple[str, ...]) -> dict[str, Any] | None:
    """Return the logged-in account behind this socket if it has one of these roles."""
    token = session.get("auth")
    if not isinstance(token, str):
        return None
    with reading() as db:
        user = queries.session_user(db, token)
    return user if user and user["role"] in roles else None


CONSOLE_ROLES = ("admin", "facilitator")


def check_facilitator(conn: Connection) -> None:
    """Refuse if the login behind a console socket was revoked or lost its role since it connected."""
    user = staff_user(CONSOLE_ROLES)
    if user is None or user["id"] != conn.user_id:
        raise Refused("Please log in again.", "auth")


def _local_presence(event_id: int) -> dict[int, int]:
    return {table: count for table, count in PRESENCE.get(event_id, {}).items() if count > 0}


class SharedPresence:
    """Presence counts of every worker process, kept in Redis beside the message queue.

    Each worker writes its own counts (field `worker`, with the time) into one hash per event and
    sums every field written in the last `FRESH` seconds, so a worker that died drops out.
    """

    FRESH = 15.0

    def __init__(self, url: str) -> None:
        import os
        import socket as _socket

        import redis

        self.redis = redis.Redis.from_url(url)
        self.worker = f"{_socket.gethostname()}:{os.getpid()}"

    def _key(self, event_id: int) -> str:
        return f"cafe:presence:{event_id}"

    def store(self, event_id: int, counts: dict[int, int]) -> None:
        """Write this worker's counts for an event."""
        import json

        value = json.dumps({"at": time.time(), "tables": counts})
        self.redis.hset(self._key(event_id), self.worker, value)

    def totals(self, event_id: int) -> dict[int, int]:
        """Return the sum of every live worker's counts for an event."""
        import json

        total: dict[int, int] = {}
        oldest = time.time() - self.FRESH
        for raw in self.redis.hgetall(self._key(event_id)).values():
            entry = json.loads(raw)
            if entry["at"] < oldest:
                continue
            for table, count in entry["tables"].items():
                total[int(table)] = total.get(int(table), 0) + count
        return {table: count for table, count in total.items() if count > 0}

    def refresh(self) -> None:
        """Re-write this worker's counts so they stay fresh (housekeeping calls this)."""
        for event_id in list(PRESENCE):
            self.store(event_id, _local_presence(event_id))


def shared_presence() -> SharedPresence | None:
    """Return the cross-worker presence store when a message queue is configured."""
    url = current_app.config.get("CAFE_MESSAGE_QUEUE")
    if not url:
        return None
    shared = current_app.extensions.get("cafe.presence")
    if shared is None:
        shared = current_app.extensions["cafe.presence"] = SharedPresence(url)
    return shared


def presence_counts(event_id: int) -> dict[int, int]:
    """Return connected phones per table for an event (summed over workers when there are several)."""
    shared = shared_presence()
    if shared is None:
        return _local_presence(event_id)
    return shared.totals(event_id)


def _publish_presence(event_id: int) -> None:
    shared = shared_presence()
    if shared is not None:
        shared.store(event_id, _local_presence(event_id))
    counts = presence_counts(event_id)
    publish(events.PresenceChanged(counts, sum(counts.values())), rooms.console(event_id))


# Presence goes to the consoles at most once a second per event: a connect storm of thousands of
# phones (or a round that reseats them) sent the whole table map once per phone.
publish_presence_soon = Coalescer("presence update", _publish_presence)


def presence_moved(event_id: int, old: int | None, new: int | None) -> None:
    """Move one phone between tables in the presence counts and tell the consoles (coalesced)."""
    tables = PRESENCE.setdefault(event_id, {})
    if old is not None or new is not None:
        if old is not None:
            tables[old or 0] = max(0, tables.get(old or 0, 0) - 1)
        if new is not None:
            tables[new or 0] = tables.get(new or 0, 0) + 1
    publish_presence_soon(event_id, event_id)


def disconnect_participant(event_id: int, participant_id: int) -> int:
    """Close this process's sockets of one participant (their pass ended); return how many."""
    cut = 0
    for (namespace, sid), conn in list(CONNECTIONS.items()):
        if namespace == events.PARTICIPANT and conn.event_id == event_id:
            if conn.participant_id == participant_id:
                socketio.server.disconnect(sid, namespace=namespace)
                cut += 1
    return cut


def staff_connection(event: dict[str, Any], user: dict[str, Any]) -> Connection:
    """Return the connection record of a staff socket, remembering its login session."""
    return Connection(
        event["id"], event["slug"], user_id=user["id"], extra={"session": session.get("auth")}
    )


def disconnect_revoked() -> int:
    """Cut off every staff socket whose login was revoked (logout, disabled, new password)."""
    cut = 0
    for (namespace, sid), conn in list(CONNECTIONS.items()):
        if conn.user_id is None:
            continue
        with reading() as db:
            user = queries.session_user(db, conn.extra.get("session") or "")
        if user is None or user["id"] != conn.user_id:
            CONNECTIONS.pop((namespace, sid), None)
            socketio.server.disconnect(sid, namespace=namespace)
            cut += 1
    return cut


def housekeeping(app: Any, every: float = 3.0, purge_every: float = 3600.0) -> None:
    """Run for the life of the server: revoke sockets promptly, purge expired events hourly."""
    since_purge = purge_every
    while True:
        try:
            with app.app_context():
                disconnect_revoked()
                shared = shared_presence()
                if shared is not None:
                    shared.refresh()
                if since_purge >= purge_every and app.config.get("CAFE_WORKER_INDEX", 0) == 0:
                    since_purge = 0.0
                    purged = do_purge_expired()
                    if purged:
                        log.info("purged %d expired event(s)", len(purged))
        except Exception:  # noqa: BLE001 - housekeeping must outlive one bad pass
            log.exception("housekeeping failed")
        socketio.sleep(every)
        since_purge += every


def max_chars() -> int:
    """Return the longest note allowed."""
    return current_app.config["CAFE_MAX_NOTE_CHARS"]
