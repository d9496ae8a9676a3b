"""Dot-voting in the harvest: each person's dots, the totals, putting dots on an insight."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, check_payload
from cafe.actions.insight_views import insight_shown
from cafe.actions.note_checks import check_event_open
from cafe.broadcast import publish
from cafe.db import get_writer
from cafe.sockets import socketio


def vote_totals(db: Database, event_id: int) -> dict[str, int]:
    """Return the dots on each insight (keys are insight ids as text, for JSON)."""
    return {
        str(row["insight_id"]): row["total"]
        for row in db.query(
            "SELECT insight_id, SUM(dots) AS total FROM dot_votes WHERE event_id = ? "
            "GROUP BY insight_id",
            [event_id],
        )
    }


def my_dots(db: Database, participant_id: int) -> dict[str, int]:
    """Return a participant's dots per insight."""
    return {
        str(row["insight_id"]): row["dots"]
        for row in db.query(
            "SELECT insight_id, dots FROM dot_votes WHERE participant_id = ?", [participant_id]
        )
    }


def check_dots(payload: Any) -> tuple[int, int]:
    """Validate a `set_dots` payload: the insight and how many of one's dots it gets."""
    payload = check_payload(payload)
    insight, dots = payload.get("insight"), payload.get("dots")
    if isinstance(insight, bool) or not isinstance(insight, int) or insight <= 0:
        raise Refused(_("Choose an insight."))
    if isinstance(dots, bool) or not isinstance(dots, int) or not 0 <= dots <= 100:
        raise Refused(_("Give a whole number of dots."))
    return insight, dots


def do_set_dots(
    event: dict[str, Any], participant: dict[str, Any], insight_id: int, dots: int
) -> dict[str, Any]:
    """Put some of one's dots on an insight (0 takes them off); never more dots than one has."""
    check_event_open(event)

    def update(db: Database) -> tuple[dict[str, int], dict[str, int], int]:
        fresh = queries.event_by_slug(db, event["slug"])
        if fresh["phase"] != "harvest":
            raise Refused(_("Dot-voting opens in the harvest."), "not_harvest")
        row = db.execute(
            "SELECT wall, flags_json FROM insights WHERE id = ? AND event_id = ?",
            [insight_id, event["id"]],
        ).fetchone()
        if row is None or not insight_shown({"wall": row[0], "flags_json": row[1]}):
            raise Refused(_("Unknown insight."))  # only approved insights are up for votes
        elsewhere = db.execute(
            "SELECT COALESCE(SUM(dots), 0) FROM dot_votes WHERE participant_id = ? "
            "AND insight_id != ?",
            [participant["id"], insight_id],
        ).fetchone()[0]
        if elsewhere + dots > fresh["dots"]:
            raise Refused(
                _(
                    "You have %(n)s dots in all; take some off another insight first.",
                    n=fresh["dots"],
                ),
                "no_dots",
            )
        if dots == 0:
            db.execute(
                "DELETE FROM dot_votes WHERE participant_id = ? AND insight_id = ?",
                [participant["id"], insight_id],
            )
        else:
            db.execute(
                "INSERT INTO dot_votes (event_id, participant_id, insight_id, dots) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id, insight_id) "
                "DO UPDATE SET dots = excluded.dots",
                [event["id"], participant["id"], insight_id, dots],
            )
        return my_dots(db, participant["id"]), vote_totals(db, event["id"]), fresh["dots"]

    mine, totals, allowed = get_writer().write(update)
    change = events.VotesChanged(totals)
    publish(change, rooms.wall(event["id"]))
    socketio.emit(
        change.name, change.payload(), to=rooms.console(event["id"]), namespace=events.CONSOLE
    )
    return {"my_dots": mine, "left": allowed - sum(mine.values())}
