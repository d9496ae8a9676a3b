"""Find the event a page's address names, or answer 404."""

from __future__ import annotations

from typing import Any

from flask import abort

from cafe import queries
from cafe.db import reading


def event_or_404(slug: str) -> dict[str, Any]:
    """Return the event with this slug, or answer 404."""
    with reading() as db:
        event = queries.event_by_slug(db, slug)
    if event is None:
        abort(404)
    return event
