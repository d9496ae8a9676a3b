"""The projector wall: approved notes, the join QR and code."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, render_template, request, url_for

from cafe import queries
from cafe.db import reading
from cafe.web.addresses import base_url
from cafe.web.strings import wall_strings

bp = Blueprint("wall", __name__, url_prefix="/wall")

# Every approved note of the round is up at least once in this many seconds, however many there are.
CYCLE_SECONDS = 120


def page_seconds() -> float:
    """Return how long each page of notes stays up: the setting, or `?seconds=` for one display."""
    seconds = current_app.config["CAFE_WALL_PAGE_SECONDS"]
    asked = request.args.get("seconds", "")
    try:
        seconds = float(asked) if asked else float(seconds)
    except ValueError:
        abort(400)
    if not 0.2 <= seconds <= CYCLE_SECONDS:
        abort(400)
    return seconds


@bp.get("/<slug>")
def wall_page(slug: str) -> str:
    """Show the wall of an event to a display holding its token."""
    token = request.args.get("token", "")
    with reading() as db:
        event = queries.event_by_slug(db, slug)
    if event is None or not hmac.compare_digest(token.encode(), event["wall_token"].encode()):
        abort(404)
    join_url = base_url() + url_for("participant.event_page", slug=slug)
    return render_template(
        "wall/wall.html",
        strings=wall_strings(),
        event=event,
        token=token,
        join_url=join_url,
        page_seconds=page_seconds(),
        cycle_seconds=CYCLE_SECONDS,
    )
