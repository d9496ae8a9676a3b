"""Choosing hosts: from a table's host link (the phone) or by the facilitator (the console)."""

from __future__ import annotations

import hmac
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused
from cafe.actions.host_briefing import host_key, host_view
from cafe.actions.note_checks import check_event_open
from cafe.actions.rotation import publish_rotation
from cafe.actions.seats import next_round, plan_seat, planned_seats, rebalance_plan, tell_moves
from cafe.broadcast import publish
from cafe.db import get_writer
from cafe.plan_worker import table_numbers as _table_numbers


def do_claim_host(event: dict[str, Any], participant: dict[str, Any], table: Any, key: Any) -> dict:
    """Make a participant the host of a table, from the table's host link."""
    check_event_open(event)
    if isinstance(table, bool) or not isinstance(table, int) or not isinstance(key, str):
        raise Refused(_("This host link is not valid."))
    if not hmac.compare_digest(key.encode(), host_key(event, table).encode()):  # any text
        raise Refused(_("This host link is not valid."))
    return _make_host(event, participant["id"], table)


def do_set_host(event: dict[str, Any], participant_id: Any, table: Any) -> dict | None:
    """Make a participant the host of a table (the facilitator's choice), or stop their hosting."""
    if isinstance(participant_id, bool) or not isinstance(participant_id, int):
        raise Refused("Choose a participant.")
    if table is not None and (isinstance(table, bool) or not isinstance(table, int)):
        raise Refused("Choose a table, or none to stop hosting.")
    return _make_host(event, participant_id, table)


def _make_host(event: dict[str, Any], participant_id: int, table: int | None) -> dict | None:
    def update(db: Database) -> tuple[dict | None, int | None, dict[int, int], tuple]:
        person = queries.participant(db, participant_id)
        if person is None or person["event_id"] != event["id"]:
            raise Refused(_("Unknown participant."))
        if table is not None and table not in _table_numbers(db, event["id"]):
            raise Refused(_("There is no such table."))
        moved: dict[int, int] = {}
        replaced = None
        if table is not None:
            row = db.execute(
                "SELECT id FROM participants WHERE event_id = ? AND host_table = ? AND id != ?",
                [event["id"], table, participant_id],
            ).fetchone()
            replaced = row[0] if row else None
            db.execute(
                "UPDATE participants SET host_table = NULL WHERE event_id = ? AND host_table = ?",
                [event["id"], table],
            )
        db.execute("UPDATE participants SET host_table = ? WHERE id = ?", [table, participant_id])
        if table is not None and person["table_no"] != table:
            db.execute("UPDATE participants SET table_no = ? WHERE id = ?", [table, participant_id])
            moved[participant_id] = table
        fresh = queries.event_by_slug(db, event["slug"])
        upcoming = next_round(db, fresh)
        plan_moves: dict[int, int] = {}
        if table is not None and upcoming is not None:  # a host stays at their table
            plan = planned_seats(db, event["id"], upcoming)
            if plan and plan.get(participant_id) != table:
                plan_seat(db, event["id"], upcoming, participant_id, table)
                plan_moves = rebalance_plan(db, event["id"], upcoming, frozenset({participant_id}))
            if plan:
                plan_moves[participant_id] = table
        person = queries.participant(db, participant_id)
        return host_view(db, fresh, person), replaced, moved, (upcoming, plan_moves)

    view, replaced, moved, (upcoming, plan_moves) = get_writer().write(update)
    publish(events.HostBriefed(view), rooms.participant(event["id"], participant_id))
    if replaced is not None:
        publish(events.HostBriefed(None), rooms.participant(event["id"], replaced))
    for pid, t in moved.items():
        publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if plan_moves:  # the new host's phone says "Stay at table N"; others moved in the plan hear it
        tell_moves(event, upcoming, plan_moves)
    publish_rotation(event)
    return view
