"""Hosts' key insights: shared once a table and round, moderated like notes, held if a disclosure."""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, check_payload, now
from cafe.actions.dots import vote_totals
from cafe.actions.harvest_cloud import publish_shown_insights
from cafe.actions.host_briefing import refresh_host
from cafe.actions.insight_views import MAX_INSIGHTS, console_insight_view, insight_shown
from cafe.actions.note_checks import check_event_open, check_note_text
from cafe.actions.note_views import listed_names
from cafe.actions.notes import insert_note
from cafe.actions.safeguarding import publish_to_safeguarding
from cafe.broadcast import publish
from cafe.db import get_writer, reading
from cafe.held import is_held, rescreened
from cafe.safety import classify_note, redact
from cafe.sockets import socketio

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


MAX_INSIGHT_CHARS = 500


def check_insight(payload: Any) -> tuple[str, str]:
    """Validate a `submit_insight` payload: its client id and text."""
    payload = check_payload(payload)
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise Refused(_("The insight has no valid client id."))
    return client_id, check_note_text(payload.get("text"), MAX_INSIGHT_CHARS)


def _same_words(text: str) -> str:
    """Fold an insight's text for spotting one shared twice (case, spaces, end punctuation)."""
    return " ".join(text.casefold().split()).rstrip(".!?…")


def do_submit_insight(
    event: dict[str, Any], participant: dict[str, Any], client_id: str, text: str
) -> tuple[dict[str, Any], bool]:
    """Store a host's key insight once (a resend returns the stored one); return it, and if new.

    Insights are moderated like notes: flagged for personal details or a possible disclosure,
    and on the wall (and up for votes) only once the facilitator approves, or at once when the
    event needs no approval and nothing is flagged. A possible disclosure is held, and goes to
    the safeguarding lead in the writer's words. The same words twice at a table in a round
    are refused (a reload and a second try should not fill the table's slots)."""
    check_event_open(event)
    names = listed_names(event)
    flags = list(classify_note(text, names=names).flags)
    held = "disclosure" in flags
    stored = redact(text, names) if held else text  # the writer's words go to the lead only
    if held:
        wall = "hidden"
    elif event["wall_requires_approval"] or flags:
        wall = "pending"
    else:
        wall = "approved"

    def insert(db: Database) -> tuple[dict[str, Any], bool, dict[str, Any] | None]:
        existing = next(
            db.query(
                "SELECT * FROM insights WHERE event_id = ? AND client_id = ?",
                [event["id"], client_id],
            ),
            None,
        )
        if existing is not None:
            if existing["participant_id"] != participant["id"]:
                raise Refused(_("That insight id belongs to someone else."))
            return dict(existing), False, None
        person = queries.participant(db, participant["id"])
        table = person["host_table"] if person else None
        if table is None:
            raise Refused(_("Only a table's host shares its key insights."), "not_host")
        fresh = queries.event_by_slug(db, event["slug"])
        if fresh["phase"] == "lobby":
            raise Refused(_("The café has not started yet."))
        round_no = fresh["current_round"]
        earlier = [
            row[0]
            for row in db.execute(
                "SELECT text FROM insights WHERE event_id = ? AND table_no = ? AND round_no = ?",
                [event["id"], table, round_no],
            ).fetchall()
        ]
        if _same_words(stored) in {_same_words(t) for t in earlier}:
            raise Refused(_("Your table has already shared this insight."), "same_insight")
        if len(earlier) >= MAX_INSIGHTS:
            raise Refused(
                _("A table shares at most %(n)s key insights a round.", n=MAX_INSIGHTS), "full"
            )
        stamp = now()
        cursor = db.execute(
            "INSERT INTO insights (event_id, client_id, participant_id, table_no, round_no, text, "
            "flags_json, wall, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                event["id"],
                client_id,
                participant["id"],
                table,
                round_no,
                stored,
                json.dumps(flags),
                wall,
                stamp,
                stamp,
            ],
        )
        row = next(iter(db.query("SELECT * FROM insights WHERE id = ?", [cursor.lastrowid])))
        note = None
        if held:
            # What looks like a disclosure goes to the safeguarding lead, as a held note would:
            # in the writer's own words, never quoted, never on the wall or in exports.
            note_id = insert_note(
                db, event["id"], f"insight-{client_id}", participant["id"], table, round_no, text,
                "none", "hidden", ["disclosure"],
            )
            note = queries.note_with_pseudonym(db, note_id)
        return dict(row), True, note

    insight, created, note = get_writer().write(insert)
    if note is not None:
        publish_to_safeguarding(event, note)
    if created:
        publish(
            events.InsightAdded(console_insight_view(insight, names)), rooms.console(event["id"])
        )
        if insight_shown(insight):
            publish_shown_insights(event)
    return insight, created


def check_insight_id(payload: Any) -> int:
    """Return the insight id in a console payload."""
    insight_id = check_payload(payload).get("id")
    if isinstance(insight_id, bool) or not isinstance(insight_id, int) or insight_id <= 0:
        raise Refused(_("Unknown insight."))
    return insight_id


def _insight(db: Database, event: dict[str, Any], insight_id: int) -> dict[str, Any]:
    row = next(iter(db.query("SELECT * FROM insights WHERE id = ?", [insight_id])), None)
    if row is None or row["event_id"] != event["id"]:
        raise Refused(_("Unknown insight."))
    return dict(row)


def do_set_insight_wall(event: dict[str, Any], insight_id: int, state: str) -> dict[str, Any]:
    """Approve an insight for the wall and the dot-voting, or hide it (its dots go back to the
    people who gave them). Flagged insights cannot be approved, as flagged notes cannot."""
    if state not in ("approved", "hidden"):
        raise Refused("Unknown wall state.")

    def update(db: Database) -> tuple[dict, dict, bool]:
        before = _insight(db, event, insight_id)
        if state == "approved":
            flags = json.loads(before["flags_json"])
            if is_held(flags):
                raise Refused(
                    _("This insight is held for the safeguarding lead and cannot be shown."),
                    "held",
                )
            if any(flag.startswith("personal") for flag in flags):
                raise Refused(
                    _("This insight contains personal details; remove them first."), "personal"
                )
        db.execute(
            "UPDATE insights SET wall = ?, updated_at = ? WHERE id = ?", [state, now(), insight_id]
        )
        dots = 0
        if state == "hidden":
            dots = db.execute("DELETE FROM dot_votes WHERE insight_id = ?", [insight_id]).rowcount
        return before, _insight(db, event, insight_id), dots > 0

    before, after, dots_back = get_writer().write(update)
    publish_insight_change(event, before, after, dots_back)
    return after


def do_redact_insight(event: dict[str, Any], insight_id: int) -> dict[str, Any]:
    """Replace the personal details in an insight with placeholders; it may then be approved."""

    def update(db: Database) -> tuple[dict, dict, bool]:
        before = _insight(db, event, insight_id)
        flags = json.loads(before["flags_json"])
        if is_held(flags):
            raise Refused(_("Unknown insight."))
        names = listed_names(event)
        text = redact(before["text"], names)
        flags = [f for f in flags if not f.startswith("personal")]
        flags += list(classify_note(text, names=names).flags)
        flags = rescreened(json.loads(before["flags_json"]), flags)
        db.execute(
            "UPDATE insights SET text = ?, flags_json = ?, updated_at = ? WHERE id = ?",
            [text, json.dumps(flags), now(), insight_id],
        )
        return before, _insight(db, event, insight_id), False

    before, after, dots_back = get_writer().write(update)
    publish_insight_change(event, before, after, dots_back)
    return after


def publish_insight_change(
    event: dict[str, Any], before: dict[str, Any], after: dict[str, Any], dots_back: bool
) -> None:
    """Tell consoles about a moderated insight, the wall and phones if what they show changed,
    and its host (their phone says whether it is on the wall)."""
    publish(
        events.InsightChanged(console_insight_view(after, listed_names(event))),
        rooms.console(event["id"]),
    )
    if insight_shown(before) or insight_shown(after):
        publish_shown_insights(event)
    if dots_back:
        with reading() as db:
            change = events.VotesChanged(vote_totals(db, event["id"]))
        publish(change, rooms.wall(event["id"]))
        socketio.emit(
            change.name, change.payload(), to=rooms.console(event["id"]), namespace=events.CONSOLE
        )
    refresh_host(event, after["table_no"])
