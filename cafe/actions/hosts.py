"""Choosing hosts, per table: whoever sits at seat 1 (the default; they say so on their phone),
whoever opens the table's host link, or the facilitator's choice; and the words a host gives so
the facilitator knows who they are."""

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
from cafe.db import get_writer, reading
from cafe.plan_worker import table_numbers as _table_numbers


def seat_offers(db: Database, event_id: int, tables: set[int]) -> dict[int, bool]:
    """Return, for each of these tables, whether its phones offer "I am in seat 1" now: hosted by
    seat 1 and without a host."""
    out = {}
    for table in sorted(t for t in tables if t is not None):
        row = db.execute(
            "SELECT host_by FROM tables WHERE event_id = ? AND number = ?", [event_id, table]
        ).fetchone()
        taken = db.execute(
            "SELECT 1 FROM participants WHERE event_id = ? AND host_table = ? AND left_at IS NULL",
            [event_id, table],
        ).fetchone()
        out[table] = bool(row and row[0] == "seat" and not taken)
    return out


def tell_seat_offers(event: dict[str, Any], offers: dict[int, bool]) -> None:
    """Tell each table's phones whether they offer "I am in seat 1" now."""
    for table, offer in offers.items():
        publish(events.SeatOfferChanged(table, offer), rooms.table(event["id"], table))


def do_claim_host(event: dict[str, Any], participant: dict[str, Any], table: Any, key: Any) -> dict:
    """Make a participant the host of a table, from the table's host link."""
    check_event_open(event)
    if isinstance(table, bool) or not isinstance(table, int) or not isinstance(key, str):
        raise Refused(_("This host link is not valid."))
    if not hmac.compare_digest(key.encode(), host_key(event, table).encode()):  # any text
        raise Refused(_("This host link is not valid."))
    return _make_host(event, participant["id"], table, "link")


HOST_BY = ("seat", "link")
LABEL_MAX = 40


def do_claim_seat_host(event: dict[str, Any], participant: dict[str, Any]) -> dict:
    """Make a participant the host of the table they sit at, when they say they are in seat 1
    there and the table is hosted by seat 1 and has no host yet."""
    check_event_open(event)
    if event["phase"] in ("harvest", "closed"):
        raise Refused(_("Tables have no hosts in the harvest."))
    with reading() as db:
        person = queries.participant(db, participant["id"])
        table = person["table_no"] if person else None
        if table is None or person["left_at"]:
            raise Refused(_("Choose your table first."))
        row = db.execute(
            "SELECT host_by FROM tables WHERE event_id = ? AND number = ?", [event["id"], table]
        ).fetchone()
        if row is None or row[0] != "seat":
            raise Refused(_("This table's host opens the host link."))
    return _make_host(event, participant["id"], table, "seat", only_if_free=True)


def do_set_host_label(event: dict[str, Any], participant: dict[str, Any], label: Any) -> dict:
    """Keep the words a host gives so the facilitator can find them (a first name, "red scarf");
    empty words remove them. Only the console shows them."""
    if not isinstance(label, str):
        raise Refused(_("Write a few words, or nothing."))
    label = " ".join(label.split())
    if len(label) > LABEL_MAX:
        raise Refused(_("Use at most %(max)s characters.", max=LABEL_MAX))

    def update(db: Database) -> dict[str, Any]:
        person = queries.participant(db, participant["id"])
        if person is None or person["host_table"] is None or person["left_at"]:
            raise Refused(_("Only a table's host can say how to find them."))
        db.execute(
            "UPDATE participants SET host_label = ? WHERE id = ?", [label or None, person["id"]]
        )
        return {"table": person["host_table"], "label": label}

    view = get_writer().write(update)
    publish_rotation(event)
    return view


def do_set_host_by(event: dict[str, Any], table: Any, by: Any) -> dict[str, Any]:
    """Say who hosts a table: whoever sits at seat 1 ("seat") or whoever opens its host link
    ("link"). A host already there stays host."""
    if isinstance(table, bool) or not isinstance(table, int):
        raise Refused(_("There is no such table."))
    if by not in HOST_BY:
        raise Refused(_("Choose seat 1 or the host link."))

    def update(db: Database) -> dict[int, bool]:
        if table not in _table_numbers(db, event["id"]):
            raise Refused(_("There is no such table."))
        db.execute(
            "UPDATE tables SET host_by = ? WHERE event_id = ? AND number = ?",
            [by, event["id"], table],
        )
        return seat_offers(db, event["id"], {table})

    tell_seat_offers(event, get_writer().write(update))
    publish_rotation(event)
    return {"table": table, "host_by": by}


def do_set_host(event: dict[str, Any], participant_id: Any, table: Any) -> dict | None:
    """Make a participant the host of a table (the facilitator's choice), or stop their hosting."""
    if isinstance(participant_id, bool) or not isinstance(participant_id, int):
        raise Refused("Choose a participant.")
    if table is not None and (isinstance(table, bool) or not isinstance(table, int)):
        raise Refused("Choose a table, or none to stop hosting.")
    return _make_host(event, participant_id, table, "console")


def _make_host(
    event: dict[str, Any], participant_id: int, table: int | None, via: str,
    only_if_free: bool = False,
) -> dict | None:
    def update(db: Database) -> tuple[dict | None, int | None, dict[int, int], tuple]:
        person = queries.participant(db, participant_id)
        if person is None or person["event_id"] != event["id"]:
            raise Refused(_("Unknown participant."))
        if table is not None and table not in _table_numbers(db, event["id"]):
            raise Refused(_("There is no such table."))
        if only_if_free and db.execute(
            "SELECT 1 FROM participants WHERE event_id = ? AND host_table = ? AND id != ? "
            "AND left_at IS NULL",
            [event["id"], table, participant_id],
        ).fetchone():
            raise Refused(_("This table has a host already."))
        moved: dict[int, int] = {}
        replaced = None
        if table is not None:
            row = db.execute(
                "SELECT id FROM participants WHERE event_id = ? AND host_table = ? AND id != ?",
                [event["id"], table, participant_id],
            ).fetchone()
            replaced = row[0] if row else None
            db.execute(
                "UPDATE participants SET host_table = NULL, host_via = NULL, host_label = NULL "
                "WHERE event_id = ? AND host_table = ? AND id != ?",
                [event["id"], table, participant_id],
            )
        if person["host_table"] != table or table is None:  # a new table: words said anew
            db.execute(
                "UPDATE participants SET host_label = NULL WHERE id = ?", [participant_id]
            )
        db.execute(
            "UPDATE participants SET host_table = ?, host_via = ? WHERE id = ?",
            [table, via if table is not None else None, participant_id],
        )
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
        offers = seat_offers(db, event["id"], {table, person["host_table"]})
        person = queries.participant(db, participant_id)
        return host_view(db, fresh, person), replaced, moved, (upcoming, plan_moves, offers)

    view, replaced, moved, (upcoming, plan_moves, offers) = get_writer().write(update)
    tell_seat_offers(event, offers)
    publish(events.HostBriefed(view), rooms.participant(event["id"], participant_id))
    if replaced is not None:
        publish(events.HostBriefed(None), rooms.participant(event["id"], replaced))
    for pid, t in moved.items():
        publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if plan_moves:  # the new host's phone says "Stay at table N"; others moved in the plan hear it
        tell_moves(event, upcoming, plan_moves)
    publish_rotation(event)
    return view
