"""Note ids in exports that carry no order where a row's table or round is hidden.

Sequential note ids let a reader place a note with a blanked round between its neighbours (ids
12 and 14 were round 2, so 13 was too). A row with a hidden cell gets an id keyed with a secret
made when the process starts: the same within one run (the CSV and JSON of one export agree), no
order, and no way back to the note. Those rows come after the others, sorted by that id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

_KEY = secrets.token_bytes(32)


def opaque_id(note_id: int) -> str:
    """Return the export id of a note whose table or round is hidden."""
    return "n" + hmac.new(_KEY, str(note_id).encode(), hashlib.sha256).hexdigest()[:12]


def without_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give rows with a hidden cell an opaque id and put them, sorted by it, after the others."""
    shown = [row for row in rows if not row["hidden"]]
    hidden = [{**row, "note_id": opaque_id(row["note_id"])} for row in rows if row["hidden"]]
    return shown + sorted(hidden, key=lambda row: row["note_id"])
