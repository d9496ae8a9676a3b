"""People who cannot move, leave the café, come back, or arrive late."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import Refused, check_payload, now
from cafe.actions.hosts import seat_offers, tell_seat_offers
from cafe.actions.note_checks import check_event_open
from cafe.actions.placement import record_seat
from cafe.actions.rotation import phone_rotation, publish_rotation, publish_round_change
from cafe.actions.seats import next_round, planned_seats, rebalance_plan, seat_late, tell_moves
from cafe.broadcast import publish
from cafe.db import get_writer
from cafe.plan_worker import read_people as _people


def do_set_cannot_move(event: dict[str, Any], participant: dict[str, Any], value: Any) -> dict:
    """Say whether a participant can move tables; a planned move is changed to staying put."""
    check_event_open(event)
    if not isinstance(value, bool):
        raise Refused(_("Say whether you can move tables."))

    def update(db: Database) -> tuple[dict, dict[int, int], int | None]:
        db.execute(
            "UPDATE participants SET cannot_move = ? WHERE id = ?", [int(value), participant["id"]]
        )
        fresh = queries.event_by_slug(db, event["slug"])
        person = next(p for p in _people(db, event["id"]) if p["id"] == participant["id"])
        upcoming = next_round(db, fresh)
        others: dict[int, int] = {}
        if value and upcoming is not None and person["table_no"] is not None:
            planned = planned_seats(db, event["id"], upcoming).get(person["id"])
            if planned is not None and planned != person["table_no"]:
                db.execute(
                    "UPDATE seats SET table_no = ? WHERE event_id = ? AND round_no = ? "
                    "AND participant_id = ? AND planned = 1",
                    [person["table_no"], event["id"], upcoming, person["id"]],
                )
                # Their table is now one over and where they were going one under: rebalance.
                others = rebalance_plan(db, event["id"], upcoming)
                others.pop(person["id"], None)
        return phone_rotation(db, fresh, person), others, upcoming

    view, others, upcoming = get_writer().write(update)
    if view["move"] is not None:
        publish(
            events.MoveAssigned(view["move"]), rooms.participant(event["id"], participant["id"])
        )
    if upcoming is not None:
        tell_moves(event, upcoming, others)
    publish_rotation(event)
    return view


def do_seat_late_joiners(event: dict[str, Any]) -> dict[int, int]:
    """Place everyone not yet placed: now at a smallest table, or into the next round's plan."""
    check_event_open(event)

    def update(db: Database) -> tuple[dict[int, int], dict[int, int], int | None]:
        return seat_late(db, event, None)

    now_moves, plan_moves, upcoming = get_writer().write(update)
    _tell_late(event, now_moves, plan_moves, upcoming)
    return {**now_moves, **plan_moves}


def _tell_late(
    event: dict[str, Any], now_moves: dict[int, int], plan_moves: dict[int, int], upcoming: Any
) -> None:
    for pid, t in now_moves.items():
        publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if plan_moves:
        publish_round_change(
            event, "seat", {"moves": plan_moves, "moved": {}, "hosts": [], "round": upcoming}
        )
    else:
        publish_rotation(event)


def check_participant_id(payload: Any) -> int:
    """Validate a console payload naming one participant."""
    participant_id = check_payload(payload).get("participant")
    if isinstance(participant_id, bool) or not isinstance(participant_id, int):
        raise Refused(_("Choose a participant."))
    return participant_id


def do_set_left(event: dict[str, Any], participant_id: int, left: bool) -> dict[str, Any]:
    """Mark a participant as gone from the café, or back. A leaver keeps the notes they sent but
    sits nowhere: their planned seat goes (the tables rebalanced by moving one traveller at most),
    a table they hosted needs a new host, and they do not count as present. Someone who comes
    back is seated like a late joiner. Return the participant's phone view of the rotation."""
    check_event_open(event)

    offers: dict[int, bool] = {}

    def update(db: Database) -> tuple[dict, dict[int, int], dict[int, int], int | None]:
        person = queries.participant(db, participant_id)
        if person is None or person["event_id"] != event["id"]:
            raise Refused(_("Unknown participant."))
        if left and person["left_at"]:
            raise Refused(_("This person has already left the café."), "already_left")
        if not left and not person["left_at"]:
            raise Refused(_("This person has not left the café."), "not_left")
        fresh = queries.event_by_slug(db, event["slug"])
        upcoming = next_round(db, fresh)
        if left:
            db.execute(
                "UPDATE participants SET left_at = ?, table_no = NULL, cannot_move = 0 "
                "WHERE id = ?",
                [now(), participant_id],
            )
            others: dict[int, int] = {}
            if upcoming is not None:
                gone = db.execute(
                    "DELETE FROM seats WHERE event_id = ? AND round_no = ? "
                    "AND participant_id = ? AND planned = 1",
                    [event["id"], upcoming, participant_id],
                ).rowcount
                if gone:
                    others = rebalance_plan(db, event["id"], upcoming)
            if person["table_no"] is not None:  # issue 19: a note they send late keeps its table
                record_seat(db, event["id"], fresh["current_round"], participant_id,
                            person["table_no"])
            now_moves: dict[int, int] = {}
            # A host who left: their table's phones may offer "I am in seat 1" again.
            offers.update(seat_offers(db, event["id"], {person["host_table"]}))
        else:
            # Back like a late joiner: no longer hosting (the table may have a new host).
            db.execute(
                "UPDATE participants SET left_at = NULL, host_table = NULL WHERE id = ?",
                [participant_id],
            )
            now_moves, others, upcoming = seat_late(db, event, participant_id)
        person = queries.participant(db, participant_id)
        return phone_rotation(db, fresh, person), now_moves, others, upcoming

    view, now_moves, others, upcoming = get_writer().write(update)
    publish(events.LeftChanged(view["left"]), rooms.participant(event["id"], participant_id))
    if view["left"]:
        publish(events.HostBriefed(None), rooms.participant(event["id"], participant_id))
    for pid, t in now_moves.items():
        publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    tell_seat_offers(event, offers)
    if upcoming is not None:
        tell_moves(event, upcoming, others)
    publish_rotation(event)
    return view
