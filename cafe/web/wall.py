"""The projector wall: approved notes, the join QR and code."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, render_template, request, url_for

from cafe import queries
from cafe.db import reading
from cafe.web.addresses import base_url
from cafe.web.strings import wall_strings

bp = Blueprint("wall", __name__, url_prefix="/wall")


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
        "wall/wall.html", strings=wall_strings(), event=event, token=token, join_url=join_url
    )
