"""Seating moves: plan the next round from where people sat, keep it balanced, seat everyone when it
starts, place late joiners, and tell each phone where to go.

At the end of a round whose travellers move, the next round is planned from where people really
sat (cafe/seating.py) and every phone is told its table; when the next round starts, everyone is
seated there (a table someone picked in the break is their seat in the plan; nobody else moves).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.broadcast import publish
from cafe.db import get_writer, reading
from cafe.next_round import place_late_joiner
from cafe.offloop import serving_on_gevent
from cafe.plan_worker import compute_plan, plan_from_database_in_child, plan_inputs
from cafe.plan_worker import read_history as _history
from cafe.plan_worker import read_people as _people
from cafe.plan_worker import table_numbers as _table_numbers
from cafe.seating import rebalance_round


def planned_seats(db: Database, event_id: int, round_no: int) -> dict[int, int]:
    """Return the planned (not yet taken) seats of a round: participant -> table number."""
    return {
        row["participant_id"]: row["table_no"]
        for row in db.query(
            "SELECT participant_id, table_no FROM seats "
            "WHERE event_id = ? AND round_no = ? AND planned = 1",
            [event_id, round_no],
        )
    }


def next_round(db: Database, event: dict[str, Any]) -> int | None:
    """Return the round travellers are moving to, while a round that moves has ended."""
    if event["phase"] != "ended":
        return None
    rounds = queries.rounds(db, event["id"])
    current = next((r for r in rounds if r["number"] == event["current_round"]), None)
    if current is None or not current["move"] or event["current_round"] >= len(rounds):
        return None
    return event["current_round"] + 1


def snapshot_seats(db: Database, event_id: int, round_no: int) -> None:
    """Record where every seated participant is now, as where they sat in this round."""
    db.execute(
        "INSERT INTO seats (event_id, round_no, participant_id, table_no, planned) "
        "SELECT event_id, ?, id, table_no, 0 FROM participants "
        "WHERE event_id = ? AND table_no IS NOT NULL "
        "ON CONFLICT (event_id, round_no, participant_id) "
        "DO UPDATE SET table_no = excluded.table_no, planned = 0",
        [round_no, event_id],
    )


def arrived(db: Database, event_id: int, round_no: int, plan: dict[int, int], people: dict) -> set:
    """Return who already sits at their planned table, having moved there (or picked it on
    joining) since the last round: the plan never sends them elsewhere again."""
    before = dict(
        db.execute(
            "SELECT participant_id, table_no FROM seats WHERE event_id = ? AND round_no = ? "
            "AND planned = 0",
            [event_id, round_no - 1],
        ).fetchall()
    )
    return {
        pid
        for pid, t in plan.items()
        if pid in people and people[pid]["table_no"] == t and before.get(pid) != t
    }


def rebalance_plan(
    db: Database, event_id: int, round_no: int, keep: frozenset[int] = frozenset()
) -> dict[int, int]:
    """Bring a planned round's tables back within one of each other after someone left it or
    stayed put, with the fewest changes (cafe/seating.py rebalance_round), never moving those in
    `keep` or anyone already sitting at their planned table; store the changes and return them:
    participant -> new planned table number."""
    plan = planned_seats(db, event_id, round_no)
    numbers = _table_numbers(db, event_id)
    index = {n: i for i, n in enumerate(numbers)}
    people = {p["id"]: p for p in _people(db, event_id)}
    staying = {
        pid
        for pid, p in people.items()
        if pid in plan and (plan[pid] == p["host_table"] or p["cannot_move"])
    }
    staying |= (keep & set(plan)) | arrived(db, event_id, round_no, plan, people)
    # Travellers heading somewhere new anyway are the first to be sent elsewhere instead.
    moving = {pid for pid, t in plan.items() if pid in people and people[pid]["table_no"] != t}
    history = [
        {pid: index[t] for pid, t in seating.items() if t in index}
        for seating in _history(db, event_id, round_no)
    ]
    seating = {pid: index[t] for pid, t in plan.items() if t in index}
    changed = {
        pid: numbers[t]
        for pid, t in rebalance_round(len(numbers), seating, history, staying, moving).items()
    }
    db.conn.executemany(
        "UPDATE seats SET table_no = ? WHERE event_id = ? AND round_no = ? AND participant_id = ? "
        "AND planned = 1",
        [(t, event_id, round_no, pid) for pid, t in sorted(changed.items())],
    )
    return changed


def keep_own_choice(
    db: Database, event: dict[str, Any], participant_id: int, table_no: int
) -> tuple[int | None, dict[int, int]]:
    """During the move break, make the table someone picked themselves their seat in the next
    round's plan, rebalancing the others around it; return the round and whose planned table to
    tell (the chooser's own included)."""
    fresh = queries.event_by_slug(db, event["slug"])
    upcoming = next_round(db, fresh)
    plan = planned_seats(db, event["id"], upcoming) if upcoming is not None else {}
    if not plan:
        return None, {}
    if plan.get(participant_id) == table_no:
        return upcoming, {participant_id: table_no}
    plan_seat(db, event["id"], upcoming, participant_id, table_no)
    others = rebalance_plan(db, event["id"], upcoming, frozenset({participant_id}))
    return upcoming, {**others, participant_id: table_no}


def _picked_in_break(db: Database, event_id: int, round_no: int) -> dict[int, int]:
    """Return who sits somewhere new since the last round and is planned elsewhere (or not at
    all): participant -> the table they sit at."""
    plan = planned_seats(db, event_id, round_no)
    return {
        pid: table
        for pid, table, before in db.execute(
            "SELECT p.id, p.table_no, s.table_no FROM participants p LEFT JOIN seats s "
            "ON s.participant_id = p.id AND s.event_id = p.event_id AND s.round_no = ? "
            "AND s.planned = 0 WHERE p.event_id = ? AND p.table_no IS NOT NULL "
            "AND p.left_at IS NULL",
            [round_no - 1, event_id],
        ).fetchall()
        if table != before and plan.get(pid) != table
    }


def plan_seat(db: Database, event_id: int, round_no: int, participant_id: int, table: int) -> None:
    db.execute(
        "INSERT INTO seats (event_id, round_no, participant_id, table_no, planned) "
        "VALUES (?, ?, ?, ?, 1) ON CONFLICT (event_id, round_no, participant_id) "
        "DO UPDATE SET table_no = excluded.table_no, planned = 1",
        [event_id, round_no, participant_id, table],
    )


def tell_moves(event: dict[str, Any], round_no: int, moves: dict[int, int]) -> None:
    """Tell each phone whose planned table changed where to go now."""
    if not moves:
        return
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        names = table_names(db, event["id"])
        people = {p["id"]: p for p in _people(db, event["id"])}
    for pid, table in moves.items():
        if pid in people:
            view = move_view(fresh, round_no, people[pid], table, names)
            publish(events.MoveAssigned(view), rooms.participant(event["id"], pid))


def store_plan(db: Database, event_id: int, round_no: int, plan: dict[int, int]) -> None:
    """Replace a round's planned seats."""
    db.execute(
        "DELETE FROM seats WHERE event_id = ? AND round_no = ? AND planned = 1",
        [event_id, round_no],
    )
    db.conn.executemany(
        "INSERT INTO seats (event_id, round_no, participant_id, table_no, planned) "
        "VALUES (?, ?, ?, ?, 1) ON CONFLICT (event_id, round_no, participant_id) "
        "DO UPDATE SET table_no = excluded.table_no, planned = 1",
        [(event_id, round_no, pid, t) for pid, t in sorted(plan.items())],
    )


def do_plan_round(event: dict[str, Any], round_no: int) -> dict[int, int]:
    """Plan a round outside the writer (a big café takes a second or two), then store the plan
    unless the café has moved on meanwhile; return participant -> table number."""
    # Planning thousands takes a second or two of pure Python: in a child process that reads what
    # it needs itself when serving, so phones' notes are acked meanwhile (cafe/plan_worker.py);
    # here when that is not possible.
    plan = None
    if serving_on_gevent():
        path = current_app.config["CAFE_DATABASE"]
        plan = plan_from_database_in_child(path, event["id"], round_no)
    if plan is None:
        with reading() as db:
            plan = compute_plan(plan_inputs(db, event, round_no))

    def store(db: Database) -> dict[int, int]:
        fresh = queries.event_by_slug(db, event["slug"])
        if fresh is None or next_round(db, fresh) != round_no:
            return {}
        gone = {
            row[0]
            for row in db.execute(
                "SELECT id FROM participants WHERE event_id = ? AND left_at IS NOT NULL",
                [event["id"]],
            ).fetchall()
        }
        store_plan(db, event["id"], round_no, {p: t for p, t in plan.items() if p not in gone})
        # Tables picked while the plan was being made are their seats too.
        picked = _picked_in_break(db, event["id"], round_no)
        for pid, t in picked.items():
            plan_seat(db, event["id"], round_no, pid, t)
        if gone & set(plan) or picked:  # someone left or sat down while the plan was being made
            rebalance_plan(db, event["id"], round_no, frozenset(picked))
        return planned_seats(db, event["id"], round_no)

    return get_writer().write(store)


def take_seats(db: Database, event: dict[str, Any], round_no: int) -> dict[int, int]:
    """Seat everyone as planned for a round that starts; return who changed table (-> table)."""
    plan = planned_seats(db, event["id"], round_no)
    moved: dict[int, int] = {}
    if plan:
        tables = set(_table_numbers(db, event["id"]))
        for p in _people(db, event["id"]):
            if p["table_no"] is None:
                continue
            if p["id"] in plan:
                target = plan[p["id"]]
            elif p["host_table"] in tables:
                target = p["host_table"]
            else:  # cannot move, or picked this table after the plan was made: their choice
                target = p["table_no"]
            if target != p["table_no"]:
                moved[p["id"]] = target
        # One statement for everyone (a big café moves thousands): the notes arriving meanwhile
        # wait for this transaction.
        db.conn.executemany(
            "UPDATE participants SET table_no = ? WHERE id = ?",
            [(table, pid) for pid, table in moved.items()],
        )
    snapshot_seats(db, event["id"], round_no)
    return moved


def _late_table(
    numbers: list[int], seating: dict[int, int], history: list[dict[int, int]], pid: int
) -> int:
    index = {n: i for i, n in enumerate(numbers)}
    visited = {index[h[pid]] for h in history if h.get(pid) in index}
    met: set[int] = set()
    for h in history:
        if pid in h:
            met.update(q for q, t in h.items() if t == h[pid])
    at = {q: index[t] for q, t in seating.items() if t in index}
    return numbers[place_late_joiner(len(numbers), at, visited, met, seed=pid)]


def seat_late(
    db: Database, event: dict[str, Any], only: int | None
) -> tuple[dict[int, int], dict[int, int], int | None]:
    """Seat late joiners (everyone not placed, or only one person) inside a write: now at a
    smallest table new to them, and into the next round's plan when there is one."""
    fresh = queries.event_by_slug(db, event["slug"])
    numbers = _table_numbers(db, event["id"])
    upcoming = next_round(db, fresh)
    plan = planned_seats(db, event["id"], upcoming) if upcoming else {}
    everyone = _people(db, event["id"])
    people = [p for p in everyone if not p["left_at"] and only in (None, p["id"])]
    history = _history(db, event["id"], upcoming or fresh["current_round"])
    seated_now = {
        p["id"]: p["table_no"]
        for p in everyone
        if p["table_no"] is not None and not p["left_at"]
    }
    now_moves: dict[int, int] = {}
    plan_moves: dict[int, int] = {}
    for p in people:
        if p["table_no"] is None:
            t = _late_table(numbers, seated_now, history, p["id"])
            seated_now[p["id"]] = t
            now_moves[p["id"]] = t
            db.execute("UPDATE participants SET table_no = ? WHERE id = ?", [t, p["id"]])
    if plan:
        for p in people:
            if p["id"] not in plan:
                t = _late_table(numbers, plan, history, p["id"])
                plan[p["id"]] = t
                plan_moves[p["id"]] = t
                db.execute(
                    "INSERT INTO seats (event_id, round_no, participant_id, table_no, planned) "
                    "VALUES (?, ?, ?, ?, 1) ON CONFLICT (event_id, round_no, participant_id) "
                    "DO UPDATE SET table_no = excluded.table_no, planned = 1",
                    [event["id"], upcoming, p["id"], t],
                )
    if fresh["phase"] in ("running", "paused"):
        snapshot_seats(db, event["id"], fresh["current_round"])
    return now_moves, plan_moves, upcoming


def table_names(db: Database, event_id: int) -> dict[int, str]:
    return {t["number"]: t["name"] for t in queries.tables(db, event_id)}


def move_view(
    event: dict[str, Any], round_no: int, person: dict[str, Any], table: int, names: dict
) -> dict[str, Any]:
    """Return what a phone shows at a rotation: where to go (or that they stay)."""
    return {
        "round": round_no,
        "table": table,
        "name": names.get(table, ""),
        "stay": table == person["table_no"],
        "host": person["host_table"] == table,
    }
