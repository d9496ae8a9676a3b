"""Checks on what phones send about notes, and whether an event still takes them."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from cafe.actions.common import NoteDraft, Refused, check_payload

CONSENTS = ("quote", "paraphrase", "none")


CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def check_note_text(text: Any, max_chars: int) -> str:
    """Return note text fit to store, or refuse it with the reason."""
    if not isinstance(text, str):
        raise Refused(_("A note must be text."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise Refused(_("The note is empty."))
    if len(text) > max_chars:
        raise Refused(
            _(
                "The note is %(length)s characters long; the limit is %(limit)s.",
                length=len(text),
                limit=max_chars,
            )
        )
    for char in text:
        category = unicodedata.category(char)
        if char not in "\n\t" and (category == "Cc" or category == "Cs"):
            raise Refused(_("The note contains control characters."))
    return text.strip()


def check_consent(consent: Any) -> str:
    """Return a known quote-consent choice or refuse."""
    if consent not in CONSENTS:
        raise Refused(_("Choose whether your note may be quoted."))
    return consent


def _optional_int(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10_000:
        raise Refused(_("'%(key)s' must be a positive whole number.", key=key))
    return value


def check_submit_note(payload: Any, max_chars: int) -> NoteDraft:
    """Validate a `submit_note` payload."""
    payload = check_payload(payload)
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise Refused(_("The note has no valid client id."))
    return NoteDraft(
        client_id=client_id,
        text=check_note_text(payload.get("text"), max_chars),
        consent=check_consent(payload.get("consent")),
        table_no=_optional_int(payload, "table"),
        round_no=_optional_int(payload, "round"),
    )


def check_note_id(payload: Any) -> int:
    """Return the note id in a payload."""
    note_id = check_payload(payload).get("id")
    if isinstance(note_id, bool) or not isinstance(note_id, int) or note_id <= 0:
        raise Refused(_("Unknown note."))
    return note_id


def check_event_open(event: dict[str, Any]) -> None:
    """Refuse changes to notes once an event has closed."""
    if event["status"] != "open":
        raise Refused(_("This café has closed; notes can no longer be changed."), "closed")


TOKEN_GRACE = timedelta(days=1)


def participation_over(event: dict[str, Any]) -> bool:
    """Tell whether participant passes have expired: a day after closing, or once purged."""
    if event.get("purged_at"):
        return True
    if not event.get("closed_at"):
        return False
    closed = datetime.fromisoformat(event["closed_at"].replace("Z", "+00:00"))
    return datetime.now(UTC) > closed + TOKEN_GRACE
