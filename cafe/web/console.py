"""Facilitator pages: the list of events and the live console of one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, url_for

from cafe import queries
from cafe.db import reading
from cafe.web import base_url
from cafe.web.auth import current_user, login_required
from cafe.web.strings import clock_strings

bp = Blueprint("console", __name__, url_prefix="/console")

ROLES = ("admin", "facilitator")


@bp.get("/")
@login_required()
def index() -> str:
    """List the events, with the links each role may follow."""
    with reading() as db:
        rows = queries.events(db)
    return render_template("staff/events.html", events=rows, user=current_user())


@bp.get("/<slug>")
@login_required(*ROLES)
def console(slug: str) -> Any:
    """Show the live console of an event."""
    with reading() as db:
        event = queries.event_by_slug(db, slug)
        if event is None:
            abort(404)
        tables = queries.tables(db, event["id"])
        rounds = queries.rounds(db, event["id"])
    join_url = base_url() + url_for("participant.event_page", slug=slug)
    wall_url = url_for("wall.wall_page", slug=slug, token=event["wall_token"])
    return render_template(
        "staff/console.html",
        strings=clock_strings(),
        event=event,
        tables=tables,
        rounds=rounds,
        join_url=join_url,
        wall_url=wall_url,
        user=current_user(),
    )
