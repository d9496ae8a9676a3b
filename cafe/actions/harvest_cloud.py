"""The harvest wall: the word cloud of approved notes, the insights and their dots, kept fresh."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.dots import vote_totals
from cafe.actions.insight_views import shown_insights
from cafe.actions.note_views import listed_names
from cafe.broadcast import publish
from cafe.coalesce import Coalescer
from cafe.db import reading
from cafe.harvest import word_cloud


def cloud_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return the harvest's word cloud from approved notes (k people or more per word)."""
    rows = db.execute(
        "SELECT participant_id, text FROM notes WHERE event_id = ? AND wall = 'approved' "
        "AND status = 'saved'",
        [event["id"]],
    ).fetchall()
    k = event["k_threshold"]
    return {"words": word_cloud(rows, k, listed_names(event)), "k": k}


def harvest_view(db: Database, event: dict[str, Any]) -> dict[str, Any]:
    """Return the wall's harvest: the cloud, the insights and their dots."""
    return {
        **cloud_view(db, event),
        "insights": shown_insights(db, event["id"]),
        "votes": vote_totals(db, event["id"]),
    }


def publish_cloud(event: dict[str, Any]) -> None:
    """Refresh the wall's harvest after a note went on or came off the wall during the harvest."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        if fresh is None or fresh["phase"] != "harvest":
            return
        view = harvest_view(db, fresh)
    publish(events.HarvestChanged(view), rooms.wall(event["id"]))


# The cloud is counted again from every approved note: during a burst of moderation the wall gets
# at most one refresh a second, the last change always included.
_refresh_cloud_soon = Coalescer("harvest cloud refresh", publish_cloud)


def refresh_cloud(event: dict[str, Any]) -> None:
    """Refresh the wall's cloud after a note changed during the harvest, at most once a second."""
    if event.get("phase") not in (None, "harvest"):
        with reading() as db:
            fresh = queries.event_by_slug(db, event["slug"])
        if fresh is None or fresh["phase"] != "harvest":
            return
    _refresh_cloud_soon(event["id"], dict(event))


def publish_shown_insights(event: dict[str, Any]) -> None:
    """Send the wall its harvest and, in the harvest, every phone the insights to vote on."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        harvest = harvest_view(db, fresh)
        shown = shown_insights(db, event["id"])
    publish(events.HarvestChanged(harvest), rooms.wall(event["id"]))
    if fresh["phase"] == "harvest":
        publish(events.InsightsChanged(shown), rooms.event(event["id"]))
