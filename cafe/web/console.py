"""Facilitator pages: the list of events and the live console of one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from cafe import queries
from cafe.db import reading
from cafe.web.addresses import base_url, is_loopback
from cafe.web.auth import current_user, login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.strings import console_strings


def purged_label(event: dict[str, Any]) -> str:
    """Say that an event's notes were deleted and when ("Notes deleted on 2026-11-21")."""
    return _("Notes deleted on %(date)s (retention)", date=event["purged_at"][:10])


bp = Blueprint("console", __name__, url_prefix="/console")

ROLES = ("admin", "facilitator")


@bp.get("/")
@login_required()
def index() -> str:
    """List the events, with the links each role may follow."""
    with reading() as db:
        rows = queries.events(db)
    return render_template(
        "staff/events.html", events=rows, user=current_user(), purged_label=purged_label
    )


@bp.get("/<slug>")
@login_required(*ROLES)
def console(slug: str) -> Any:
    """Show the live console of an event."""
    event = event_or_404(slug)
    with reading() as db:
        tables = queries.tables(db, event["id"])
        rounds = queries.rounds(db, event["id"])
    if event["purged_at"]:
        # The console's own script shows the round state; the flash says the notes are gone.
        flash(purged_label(event), "error")
    join_url = base_url() + url_for("participant.event_page", slug=slug)
    wall_url = url_for("wall.wall_page", slug=slug, token=event["wall_token"])
    return render_template(
        "staff/console.html",
        strings=console_strings(),
        event=event,
        tables=tables,
        rounds=rounds,
        join_url=join_url,
        local_only=is_loopback(join_url),
        wall_url=wall_url,
        user=current_user(),
    )


@bp.get("/<slug>/print/tables")
@login_required(*ROLES)
def print_tables(slug: str) -> str:
    """Print a card per table (A4): its number, name, QR code and the join code."""
    event = event_or_404(slug)
    with reading() as db:
        tables = queries.tables(db, event["id"])
    join_url = base_url() + url_for("participant.event_page", slug=slug)
    planned = queries.plan(event).get("tables", [])
    hosted = {i for i, t in enumerate(planned, start=1) if t.get("host")}
    return render_template(
        "print/tables.html",
        event=event,
        tables=tables,
        join_url=join_url,
        hosted=hosted,
        local_only=is_loopback(join_url),
    )


@bp.get("/<slug>/print/host/<int:table>/qr.svg")
@login_required(*ROLES)
def host_qr(slug: str, table: int) -> Any:
    """Return the QR code of a table's host link (secret: only for the host's card)."""
    from flask import Response

    from cafe import qr
    from cafe.actions.host_briefing import host_key

    event = event_or_404(slug)
    with reading() as db:
        if table not in {t["number"] for t in queries.tables(db, event["id"])}:
            abort(404)
    url = base_url() + url_for("participant.table_page", slug=slug, table=table)
    return Response(qr.svg(f"{url}?host={host_key(event, table)}"), mimetype="image/svg+xml")


@bp.get("/<slug>/print/seats")
@login_required(*ROLES)
def print_seats(slug: str) -> Any:
    """Print each person's seat for every round (for badges), from the rotation planner."""
    from cafe.seating import plan_rotation

    event = event_or_404(slug)
    with reading() as db:
        tables = queries.tables(db, event["id"])
        rounds = queries.rounds(db, event["id"])
    capacity = sum(t["capacity"] for t in tables)
    try:
        people = int(request.args.get("people", capacity))
        seed = int(request.args.get("seed", 0))
    except ValueError:
        abort(400)
    # The form on the page offers these bounds; the same page explains a number outside them.
    form = {"people": people, "low": len(tables), "high": capacity, "seed": seed}
    if not len(tables) <= people <= capacity:
        return render_template(
            "print/seats.html",
            event=event,
            error=True,
            cards=[],
            rounds=rounds,
            repeat_pairs=0,
            hosts=0,
            **form,
        ), 400
    hosts = {table: table for table in range(len(tables))}
    rotation = plan_rotation(list(range(people)), len(tables), len(rounds), hosts=hosts, seed=seed)
    cards = [
        {
            "number": person + 1,
            "host": person in hosts.values(),
            "seats": [tables[rotation.table_of(person, r)] for r in range(len(rounds))],
        }
        for person in range(people)
    ]
    return render_template(
        "print/seats.html",
        event=event,
        error=False,
        cards=cards,
        rounds=rounds,
        repeat_pairs=rotation.repeat_pairs,
        hosts=len(hosts),
        **form,
    )
