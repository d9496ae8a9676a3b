"""The rotation as the console and each phone see it, and what a round change tells everyone."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.dots import my_dots
from cafe.actions.harvest_cloud import harvest_view
from cafe.actions.host_briefing import host_key, host_view
from cafe.actions.insight_views import shown_insights
from cafe.actions.seats import (
    move_view,
    next_round,
    planned_seats,
    snapshot_seats,
    table_names,
    take_seats,
)
from cafe.broadcast import publish
from cafe.coalesce import Coalescer
from cafe.db import reading
from cafe.plan_worker import read_people as _people
from cafe.sockets import socketio


def rotation_view(
    db: Database, event: dict[str, Any], people: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the console's view of the rotation: each table now and next, who is not placed
    (`people`: the event's participants, if just read)."""
    upcoming = next_round(db, event)
    plan = planned_seats(db, event["id"], upcoming) if upcoming else {}
    people = _people(db, event["id"]) if people is None else people
    hosts = {p["host_table"]: p for p in people if p["host_table"] is not None and not p["left_at"]}
    host_left = {p["host_table"] for p in people if p["host_table"] is not None and p["left_at"]}
    now_at: dict[int, list[dict]] = {}
    going_to: dict[int, list[dict]] = {}
    for p in people:  # grouped once: a big café has hundreds of tables
        if p["table_no"] is not None:
            now_at.setdefault(p["table_no"], []).append(
                {"id": p["id"], "pseudonym": p["pseudonym"], "cannot_move": bool(p["cannot_move"])}
            )
        if p["id"] in plan:
            t = plan[p["id"]]
            going_to.setdefault(t, []).append(
                {"id": p["id"], "pseudonym": p["pseudonym"], "moving": p["table_no"] != t}
            )
    tables = []
    for t in queries.tables(db, event["id"]):
        host = hosts.get(t["number"])
        tables.append(
            {
                "number": t["number"],
                "name": t["name"],
                # Who hosts, as the facilitator can find them: the words they gave, how they
                # became host ("link", "seat" or "console") and the name their phone shows.
                "host": {
                    "id": host["id"],
                    "pseudonym": host["pseudonym"],
                    "label": host["host_label"] or "",
                    "via": host["host_via"] or "console",
                    "here": host["table_no"] == t["number"],
                } if host else None,
                "host_by": t["host_by"],
                "host_link": f"/e/{event['slug']}/t/{t['number']}?host={host_key(event, t['number'])}",
                "needs_host": host is None and t["number"] in host_left,
                "now": now_at.get(t["number"], []),
                "next": going_to.get(t["number"], []),
            }
        )
    started = event["phase"] != "lobby"
    late = [
        {"id": p["id"], "pseudonym": p["pseudonym"], "table": p["table_no"]}
        for p in people
        if started
        and not p["left_at"]
        and (p["table_no"] is None or (plan and p["id"] not in plan))
    ]
    everyone = [
        {"id": p["id"], "pseudonym": p["pseudonym"], "table": p["table_no"], "left": bool(p["left_at"])}
        for p in people
    ]
    return {
        "next_round": upcoming,
        "planned": bool(plan),
        "tables": tables,
        "late": late,
        "people": everyone,
    }


def phone_rotation(db: Database, event: dict[str, Any], person: dict[str, Any]) -> dict:
    """Return a phone's part of the rotation: its move, hosting, and its dots in the harvest."""
    upcoming = next_round(db, event)
    move = None
    if upcoming is not None and person["table_no"] is not None:
        plan = planned_seats(db, event["id"], upcoming)
        if person["id"] in plan:
            names = table_names(db, event["id"])
            move = move_view(event, upcoming, person, plan[person["id"]], names)
    harvest = event["phase"] == "harvest"
    left = bool(person["left_at"])
    return {
        "seat_offer": seat_offer(db, event, person),
        "left": left,
        "cannot_move": bool(person["cannot_move"]),
        "move": move,
        "host": None if left else host_view(db, event, person),
        "dots": event["dots"],
        "my_dots": my_dots(db, person["id"]),
        "insights": shown_insights(db, event["id"]) if harvest else [],
    }


def seat_offer(db: Database, event: dict[str, Any], person: dict[str, Any]) -> int | None:
    """Return the table whose host this phone may become by saying it sits at seat 1 there (its
    own table, hosted by seat 1, with no host yet), or None."""
    table = person["table_no"]
    if (table is None or person["left_at"] or person["host_table"] is not None
            or event["phase"] in ("harvest", "closed")):
        return None
    row = db.execute(
        "SELECT host_by FROM tables WHERE event_id = ? AND number = ?", [event["id"], table]
    ).fetchone()
    taken = db.execute(
        "SELECT 1 FROM participants WHERE event_id = ? AND host_table = ? AND left_at IS NULL",
        [event["id"], table],
    ).fetchone()
    return table if row and row[0] == "seat" and not taken else None


def after_round_change(db: Database, before: dict[str, Any], action: str) -> dict[str, Any]:
    """Do the rotation's part of a round transition inside its transaction; return what to tell."""
    event = queries.event_by_slug(db, before["slug"])
    told: dict[str, Any] = {"moves": {}, "moved": {}, "hosts": [], "round": None}
    if action == "start_round":
        told["moved"] = take_seats(db, event, event["current_round"])
    elif action == "end_round":
        snapshot_seats(db, event["id"], event["current_round"])
        told["round"] = next_round(db, event)  # planned after the commit: see do_plan_round
        told["hosts"] = [
            p for p in _people(db, event["id"]) if p["host_table"] is not None and not p["left_at"]
        ]
    return told


# Telling thousands of phones one by one held the event loop for seconds (3 s at 5,000
# phones): every note sent meanwhile waited for its ack. Let them through every so many sends.
YIELD_EVERY = 100


def let_others_run(i: int) -> None:
    """Yield to other greenlets (phones' notes) after every YIELD_EVERY-th step of a long loop."""
    if i % YIELD_EVERY == YIELD_EVERY - 1:
        socketio.sleep(0)


def _round_change_views(
    db: Database, event: dict[str, Any], action: str, told: dict[str, Any]
) -> dict[str, Any]:
    """Build everything a round change tells, yielding to the event loop between the steps."""
    event_id = event["id"]
    fresh = queries.event_by_slug(db, event["slug"])
    names = table_names(db, event_id)
    everyone = _people(db, event_id)
    people = {p["id"]: p for p in everyone}
    socketio.sleep(0)
    moves = [
        (pid, move_view(fresh, told["round"], people[pid], table, names))
        for pid, table in told["moves"].items()
        if pid in people
    ]
    socketio.sleep(0)
    briefings = []
    for i, person in enumerate(told["hosts"]):
        briefings.append((person["id"], host_view(db, fresh, person)))
        let_others_run(i)
    rotation = rotation_view(db, fresh, everyone)
    harvest = action == "start_harvest"
    # A closed café's wall keeps showing the harvest (counted afresh: it may close without one).
    return {
        "moves": moves,
        "briefings": briefings,
        "rotation": rotation,
        "harvest": harvest_view(db, fresh) if harvest or action == "close_event" else None,
        "insights": shown_insights(db, event_id) if harvest else None,
    }


def publish_round_change(event: dict[str, Any], action: str, told: dict[str, Any]) -> None:
    """Tell phones where to go, hosts their briefing, the console the plan, the wall the harvest.

    With thousands of phones, reading everyone and building the views takes a tenth of a second
    or more: the steps yield to the event loop in between, and the sends every so often. (Not on
    a native thread: a thread busy with Python holds the GIL in 5 ms turns, and the event loop,
    which gives it up at every send and receive, then waits for a turn at each.)
    """
    event_id = event["id"]
    with reading() as db:
        views = _round_change_views(db, event, action, told)
    socketio.sleep(0)
    for i, (pid, view) in enumerate(views["moves"]):
        publish(events.MoveAssigned(view), rooms.participant(event_id, pid))
        let_others_run(i)
    for i, (pid, briefing) in enumerate(views["briefings"]):
        publish(events.HostBriefed(briefing), rooms.participant(event_id, pid))
        let_others_run(i)
    for i, (pid, table) in enumerate(told["moved"].items()):
        publish(events.TableChanged(table), rooms.participant(event_id, pid))
        let_others_run(i)
    publish(events.RotationChanged(views["rotation"]), rooms.console(event_id))
    if views["harvest"] is not None:
        publish(events.HarvestChanged(views["harvest"]), rooms.wall(event_id))
    if views["insights"] is not None:
        publish(events.InsightsChanged(views["insights"]), rooms.event(event_id))


def publish_rotation(event: dict[str, Any]) -> None:
    """Send the consoles the rotation as it is now."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        view = rotation_view(db, fresh)
    publish(events.RotationChanged(view), rooms.console(event["id"]))


# Joins and table choices change the panel's "who is here": a connect storm would rebuild the whole
# rotation view once per phone, so these refresh it at most once a second.
_publish_rotation_soon = Coalescer("rotation panel refresh", publish_rotation)


def publish_rotation_soon(event: dict[str, Any]) -> None:
    """Send the consoles the rotation now, or at the end of this second if just sent."""
    _publish_rotation_soon(event["id"], dict(event))
