"""What every action shares: the refusal, timestamps, publishing after a commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from cafe import events, socketio
from cafe.pushguard import before_push


class Refused(Exception):
    """An action that cannot be done; `message` is safe to show the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class NoteDraft:
    """A validated note from a phone, not yet stored."""

    client_id: str
    text: str
    consent: str
    table_no: int | None = None
    round_no: int | None = None


def now() -> str:
    """Return the current UTC time as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _publish(event: events.ServerEvent, room: str) -> None:
    """Send a server event to a room (only ever called after the commit it reports)."""
    before_push(event.namespace)  # e.g. close a just-disabled lead's socket first (issue 19)
    socketio.emit(event.name, event.payload(), to=room, namespace=event.namespace)


def check_payload(payload: Any) -> dict[str, Any]:
    """Refuse anything that is not a JSON object."""
    if not isinstance(payload, dict):
        raise Refused(_("Expected a JSON object."))
    return payload
