"""Participants: join an event anonymously, choose a table, end a phone's pass."""

from __future__ import annotations

import secrets
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, now
from cafe.actions.note_checks import check_event_open
from cafe.actions.rotation import publish_rotation_soon
from cafe.actions.seats import keep_own_choice, tell_moves
from cafe.broadcast import publish
from cafe.db import get_writer

_ADJECTIVES = (
    "Amber",
    "Bright",
    "Calm",
    "Coral",
    "Gentle",
    "Golden",
    "Jade",
    "Kind",
    "Quiet",
    "Ruby",
    "Silver",
    "Steady",
    "Sunny",
    "Warm",
    "Wise",
    "Brave",
)


_NOUNS = (
    "Heron",
    "Maple",
    "River",
    "Willow",
    "Robin",
    "Cedar",
    "Lotus",
    "Harbour",
    "Meadow",
    "Lark",
    "Jasmine",
    "Kestrel",
    "Orchard",
    "Pebble",
    "Saffron",
    "Comet",
)


def do_join_event(event: dict[str, Any], table_no: int | None = None) -> tuple[dict[str, Any], str]:
    """Create an anonymous participant; return it and its secret token (shown once, to the phone)."""
    if event.get("purged_at"):
        raise Refused(_("This café has ended and its notes have been deleted."), "purged")
    check_event_open(event)
    token = secrets.token_urlsafe(32)
    pseudonym = (
        f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_NOUNS)} {secrets.randbelow(90) + 10}"
    )

    def insert(db: Database) -> dict[str, Any]:
        if table_no is not None and not _table_exists(db, event["id"], table_no):
            raise Refused(_("There is no such table."))
        cursor = db.execute(
            "INSERT INTO participants (event_id, token_hash, pseudonym, table_no, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [event["id"], queries.token_hash(token), pseudonym, table_no, now()],
        )
        return queries.participant(db, cursor.lastrowid)

    participant = get_writer().write(insert)
    _publish_people(event)
    return participant, token


def do_end_pass(event: dict[str, Any], token: str) -> int | None:
    """End a phone's pass ("Exit this page"): its token no longer opens the café, so nobody who
    picks the phone up can read its notes. The notes stay saved. Return the participant's id."""

    def end(db: Database) -> int | None:
        participant = queries.participant_by_token(db, event["id"], token)
        if participant is None:
            return None
        db.execute(
            "UPDATE participants SET token_hash = ? WHERE id = ?",
            [queries.token_hash(secrets.token_urlsafe(32)), participant["id"]],
        )
        return participant["id"]

    return get_writer().write(end)


def _publish_people(event: dict[str, Any]) -> None:
    """Keep the console's rotation panel (who is here, and where) up to date."""
    publish_rotation_soon(event)


def _table_exists(db: Database, event_id: int, table_no: int) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM tables WHERE event_id = ? AND number = ?", [event_id, table_no]
        ).fetchone()
        is not None
    )


def do_choose_table(event: dict[str, Any], participant: dict[str, Any], table_no: Any) -> int:
    """Seat a participant at a table (during the move break, also in the next round's plan)."""
    check_event_open(event)
    if isinstance(table_no, bool) or not isinstance(table_no, int):
        raise Refused(_("Choose a table."))

    def update(db: Database) -> tuple[int | None, dict[int, int]]:
        if not _table_exists(db, event["id"], table_no):
            raise Refused(_("There is no such table."))
        gone = db.execute(
            "SELECT left_at FROM participants WHERE id = ?", [participant["id"]]
        ).fetchone()
        if gone and gone[0]:
            raise Refused(_("You have left the café. Choose “I'm back” first."), "left")
        db.execute(
            "UPDATE participants SET table_no = ? WHERE id = ?", [table_no, participant["id"]]
        )
        return keep_own_choice(db, event, participant["id"], table_no)

    upcoming, moves = get_writer().write(update)
    publish(events.TableChanged(table_no), rooms.participant(event["id"], participant["id"]))
    _publish_people(event)
    if upcoming is not None:  # their own choice is their seat in the next round's plan
        tell_moves(event, upcoming, moves)
    return table_no
