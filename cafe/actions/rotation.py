"""Rotation, hosts, insights and dot votes.

At the end of a round whose travellers move, the next round is planned from where people really
sat (cafe/seating.py) and every phone is told its table; when the next round starts, everyone is
seated there (a table someone picked in the break is their seat in the plan; nobody else moves).
Hosts stay and are briefed with their table's earlier notes; they submit the round's key insights, on which
everyone dot-votes in the harvest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms, socketio
from cafe.actions.common import Refused, _publish, check_payload, now
from cafe.actions.notes import (
    _publish_to_safeguarding,
    check_event_open,
    check_note_text,
    insert_note,
    listed_names,
)
from cafe.actions.placement import record_seat
from cafe.coalesce import Coalescer
from cafe.db import get_writer, reading
from cafe.harvest import word_cloud
from cafe.offloop import serving_on_gevent
from cafe.plan_worker import (
    compute_plan,
    plan_from_database_in_child,
    plan_inputs,
)
from cafe.plan_worker import read_history as _history
from cafe.plan_worker import read_people as _people
from cafe.plan_worker import table_numbers as _table_numbers
from cafe.safety import classify_note, find_personal_details, redact
from cafe.seating import place_late_joiner, rebalance_round

MAX_INSIGHTS = 3
MAX_INSIGHT_CHARS = 500
RECAP_LIMIT = 60
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# ---- reading -------------------------------------------------------------------------------------


def host_key(event: dict[str, Any], table_no: int) -> str:
    """Return the secret in a table's host link (keyed with the event's own host secret, not
    the wall token: seeing the wall's address must not let anyone host a table)."""
    message = f"host:{event['id']}:{table_no}".encode()
    return hmac.new(event["host_token"].encode(), message, hashlib.sha256).hexdigest()[:20]


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


# ---- inside a round transition's transaction ---------------------------------------------------


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
    _plan_seat(db, event["id"], upcoming, participant_id, table_no)
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


def _plan_seat(db: Database, event_id: int, round_no: int, participant_id: int, table: int) -> None:
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
        names = _table_names(db, event["id"])
        people = {p["id"]: p for p in _people(db, event["id"])}
    for pid, table in moves.items():
        if pid in people:
            view = move_view(fresh, round_no, people[pid], table, names)
            _publish(events.MoveAssigned(view), rooms.participant(event["id"], pid))


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
            _plan_seat(db, event["id"], round_no, pid, t)
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


# ---- views ---------------------------------------------------------------------------------------


def _table_names(db: Database, event_id: int) -> dict[int, str]:
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


# What a host may read out: only notes that could be on the wall (approved, or shown without
# approval when the event allows it; never hidden, withdrawn, flagged or a disclosure) whose
# writer let them be quoted or paraphrased. The host is just another participant: a note whose
# writer said "don't quote or paraphrase it" stays with the organisers.
RECAP_CONSENTS = ("quote", "paraphrase")


def recap(db: Database, event: dict[str, Any], table_no: int) -> list[dict[str, Any]]:
    """Return a table's earlier notes for its host, newest round first: only notes on the wall
    that may be quoted or paraphrased (redacted; never flagged, hidden, withdrawn or held)."""
    names = listed_names(event)
    rows = db.query(
        "SELECT id, round_no, text, consent, flags_json FROM notes WHERE event_id = ? "
        "AND table_no = ? AND status = 'saved' AND wall = 'approved' AND text != '' "
        "AND consent IN (?, ?) ORDER BY round_no DESC, id DESC",
        [event["id"], table_no, *RECAP_CONSENTS],
    )
    out = []
    for row in rows:
        flags = json.loads(row["flags_json"])
        if "disclosure" in flags or any(f.startswith("personal") for f in flags):
            continue  # approval refuses these; kept out here too should a flag come later
        if row["round_no"] > event["current_round"]:  # e.g. the demo's notes of rounds to come
            continue
        out.append(
            {
                "id": row["id"],
                "round": row["round_no"],
                "text": redact(row["text"], names),
                "consent": row["consent"],
            }
        )
        if len(out) >= RECAP_LIMIT:
            break
    return out


def host_view(db: Database, event: dict[str, Any], person: dict[str, Any]) -> dict | None:
    """Return a host's briefing: their table, its earlier notes, this round's insights so far."""
    table = person["host_table"]
    if table is None:
        return None
    names = _table_names(db, event["id"])
    mine = [
        insight_view(i)
        for i in _insights(db, event["id"])
        if i["table_no"] == table and i["round_no"] == event["current_round"]
    ]
    return {
        "table": table,
        "name": names.get(table, ""),
        "round": event["current_round"],
        "recap": recap(db, event, table),
        "insights": mine,
        "max_insights": MAX_INSIGHTS,
    }


def _insights(db: Database, event_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.query("SELECT * FROM insights WHERE event_id = ? ORDER BY id", [event_id])
    ]


def insight_view(insight: dict[str, Any]) -> dict[str, Any]:
    """Return an insight as its host's phone sees it (the text of a held one is kept back), with
    whether the facilitator has let it on the wall yet."""
    flags = json.loads(insight["flags_json"])
    held = "disclosure" in flags
    return {
        "id": insight["id"],
        "client_id": insight["client_id"],
        "table": insight["table_no"],
        "round": insight["round_no"],
        "text": "" if held else insight["text"],
        "held": held,
        "wall": insight["wall"],
        "flags": flags,
    }


def console_insight_view(
    insight: dict[str, Any], names: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return an insight as the facilitator console sees it: as a note is (personal details
    marked for "Remove personal details"; a possible disclosure's text held back)."""
    view = insight_view(insight)
    spans = []
    if not view["held"] and any(f.startswith("personal") for f in view["flags"]):
        spans = [[s.start, s.end, s.kind] for s in find_personal_details(insight["text"], names)]
    return {**view, "spans": spans}


def public_insight_view(insight: dict[str, Any]) -> dict[str, Any]:
    """Return an approved insight as the wall and the phones' dot-voting show it."""
    return {
        "id": insight["id"],
        "table": insight["table_no"],
        "round": insight["round_no"],
        "text": insight["text"],
    }


def _insight_shown(insight: dict[str, Any]) -> bool:
    """Tell whether an insight may be on the wall and voted on: approved, nothing flagged."""
    flags = json.loads(insight["flags_json"])
    return insight["wall"] == "approved" and not flags


def shown_insights(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the insights everyone may see and vote on: those the facilitator approved."""
    return [public_insight_view(i) for i in _insights(db, event_id) if _insight_shown(i)]


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


def phone_rotation(db: Database, event: dict[str, Any], person: dict[str, Any]) -> dict:
    """Return a phone's part of the rotation: its move, hosting, and its dots in the harvest."""
    upcoming = next_round(db, event)
    move = None
    if upcoming is not None and person["table_no"] is not None:
        plan = planned_seats(db, event["id"], upcoming)
        if person["id"] in plan:
            names = _table_names(db, event["id"])
            move = move_view(event, upcoming, person, plan[person["id"]], names)
    harvest = event["phase"] == "harvest"
    left = bool(person["left_at"])
    return {
        "left": left,
        "cannot_move": bool(person["cannot_move"]),
        "move": move,
        "host": None if left else host_view(db, event, person),
        "dots": event["dots"],
        "my_dots": my_dots(db, person["id"]),
        "insights": shown_insights(db, event["id"]) if harvest else [],
    }


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
                "host": {"id": host["id"], "pseudonym": host["pseudonym"]} if host else None,
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


# ---- after a round transition --------------------------------------------------------------------


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
    names = _table_names(db, event_id)
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
        _publish(events.MoveAssigned(view), rooms.participant(event_id, pid))
        let_others_run(i)
    for i, (pid, briefing) in enumerate(views["briefings"]):
        _publish(events.HostBriefed(briefing), rooms.participant(event_id, pid))
        let_others_run(i)
    for i, (pid, table) in enumerate(told["moved"].items()):
        _publish(events.TableChanged(table), rooms.participant(event_id, pid))
        let_others_run(i)
    _publish(events.RotationChanged(views["rotation"]), rooms.console(event_id))
    _whereabouts_changed(event_id)
    if views["harvest"] is not None:
        _publish(events.HarvestChanged(views["harvest"]), rooms.wall(event_id))
    if views["insights"] is not None:
        _publish(events.InsightsChanged(views["insights"]), rooms.event(event_id))


def publish_rotation(event: dict[str, Any]) -> None:
    """Send the consoles the rotation as it is now."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        view = rotation_view(db, fresh)
    _publish(events.RotationChanged(view), rooms.console(event["id"]))
    _whereabouts_changed(event["id"])


def _whereabouts_changed(event_id: int) -> None:
    """Seats changed (also of phones not connected): tell the safeguarding leads where people are."""
    from cafe.live.safeguarding import whereabouts_changed  # the lead's screen follows the seats

    whereabouts_changed(event_id)


# Joins and table choices change the panel's "who is here": a connect storm would rebuild the whole
# rotation view once per phone, so these refresh it at most once a second.
_publish_rotation_soon = Coalescer("rotation panel refresh", publish_rotation)


def publish_rotation_soon(event: dict[str, Any]) -> None:
    """Send the consoles the rotation now, or at the end of this second if just sent."""
    _publish_rotation_soon(event["id"], dict(event))


def publish_cloud(event: dict[str, Any]) -> None:
    """Refresh the wall's harvest after a note went on or came off the wall during the harvest."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        if fresh is None or fresh["phase"] != "harvest":
            return
        view = harvest_view(db, fresh)
    _publish(events.HarvestChanged(view), rooms.wall(event["id"]))


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


def refresh_host(event: dict[str, Any], table_no: int) -> None:
    """Brief a table's host again after one of its notes went on or came off the wall, so the
    recap never keeps a note the facilitator has since hidden (or the writer withdrew)."""
    with reading() as db:
        row = db.execute(
            "SELECT id FROM participants WHERE event_id = ? AND host_table = ? "
            "AND left_at IS NULL",
            [event["id"], table_no],
        ).fetchone()
        if row is None:
            return
        fresh = queries.event_by_slug(db, event["slug"])
        view = host_view(db, fresh, queries.participant(db, row[0]))
    _publish(events.HostBriefed(view), rooms.participant(event["id"], row[0]))


# ---- phones: cannot move, host links -------------------------------------------------------------


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
        _publish(
            events.MoveAssigned(view["move"]), rooms.participant(event["id"], participant["id"])
        )
    if upcoming is not None:
        tell_moves(event, upcoming, others)
    publish_rotation(event)
    return view


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
                _plan_seat(db, event["id"], upcoming, participant_id, table)
                plan_moves = rebalance_plan(db, event["id"], upcoming, frozenset({participant_id}))
            if plan:
                plan_moves[participant_id] = table
        person = queries.participant(db, participant_id)
        return host_view(db, fresh, person), replaced, moved, (upcoming, plan_moves)

    view, replaced, moved, (upcoming, plan_moves) = get_writer().write(update)
    _publish(events.HostBriefed(view), rooms.participant(event["id"], participant_id))
    if replaced is not None:
        _publish(events.HostBriefed(None), rooms.participant(event["id"], replaced))
    for pid, t in moved.items():
        _publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if plan_moves:  # the new host's phone says "Stay at table N"; others moved in the plan hear it
        tell_moves(event, upcoming, plan_moves)
    publish_rotation(event)
    return view


def do_seat_late_joiners(event: dict[str, Any]) -> dict[int, int]:
    """Place everyone not yet placed: now at a smallest table, or into the next round's plan."""
    check_event_open(event)

    def update(db: Database) -> tuple[dict[int, int], dict[int, int], int | None]:
        return _seat_late(db, event, None)

    now_moves, plan_moves, upcoming = get_writer().write(update)
    _tell_late(event, now_moves, plan_moves, upcoming)
    return {**now_moves, **plan_moves}


def _tell_late(
    event: dict[str, Any], now_moves: dict[int, int], plan_moves: dict[int, int], upcoming: Any
) -> None:
    for pid, t in now_moves.items():
        _publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if plan_moves:
        publish_round_change(
            event, "seat", {"moves": plan_moves, "moved": {}, "hosts": [], "round": upcoming}
        )
    else:
        publish_rotation(event)


def _seat_late(
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


# ---- leaving and coming back ---------------------------------------------------------------------


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
        else:
            # Back like a late joiner: no longer hosting (the table may have a new host).
            db.execute(
                "UPDATE participants SET left_at = NULL, host_table = NULL WHERE id = ?",
                [participant_id],
            )
            now_moves, others, upcoming = _seat_late(db, event, participant_id)
        person = queries.participant(db, participant_id)
        return phone_rotation(db, fresh, person), now_moves, others, upcoming

    view, now_moves, others, upcoming = get_writer().write(update)
    _publish(events.LeftChanged(view["left"]), rooms.participant(event["id"], participant_id))
    if view["left"]:
        _publish(events.HostBriefed(None), rooms.participant(event["id"], participant_id))
    for pid, t in now_moves.items():
        _publish(events.TableChanged(t), rooms.participant(event["id"], pid))
    if upcoming is not None:
        tell_moves(event, upcoming, others)
    publish_rotation(event)
    return view


# ---- insights ------------------------------------------------------------------------------------


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
        _publish_to_safeguarding(event, note)
    if created:
        _publish(
            events.InsightAdded(console_insight_view(insight, names)), rooms.console(event["id"])
        )
        if _insight_shown(insight):
            _publish_shown_insights(event)
    return insight, created


def _publish_shown_insights(event: dict[str, Any]) -> None:
    """Send the wall its harvest and, in the harvest, every phone the insights to vote on."""
    with reading() as db:
        fresh = queries.event_by_slug(db, event["slug"])
        harvest = harvest_view(db, fresh)
        shown = shown_insights(db, event["id"])
    _publish(events.HarvestChanged(harvest), rooms.wall(event["id"]))
    if fresh["phase"] == "harvest":
        _publish(events.InsightsChanged(shown), rooms.event(event["id"]))


# ---- moderating insights (the console) -----------------------------------------------------------


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
            if "disclosure" in flags:
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
    _publish_insight_change(event, before, after, dots_back)
    return after


def do_redact_insight(event: dict[str, Any], insight_id: int) -> dict[str, Any]:
    """Replace the personal details in an insight with placeholders; it may then be approved."""

    def update(db: Database) -> tuple[dict, dict, bool]:
        before = _insight(db, event, insight_id)
        flags = json.loads(before["flags_json"])
        if "disclosure" in flags:
            raise Refused(_("Unknown insight."))
        names = listed_names(event)
        text = redact(before["text"], names)
        flags = [f for f in flags if not f.startswith("personal")]
        flags += list(classify_note(text, names=names).flags)
        db.execute(
            "UPDATE insights SET text = ?, flags_json = ?, updated_at = ? WHERE id = ?",
            [text, json.dumps(sorted(set(flags))), now(), insight_id],
        )
        return before, _insight(db, event, insight_id), False

    before, after, dots_back = get_writer().write(update)
    _publish_insight_change(event, before, after, dots_back)
    return after


def _publish_insight_change(
    event: dict[str, Any], before: dict[str, Any], after: dict[str, Any], dots_back: bool
) -> None:
    """Tell consoles about a moderated insight, the wall and phones if what they show changed,
    and its host (their phone says whether it is on the wall)."""
    _publish(
        events.InsightChanged(console_insight_view(after, listed_names(event))),
        rooms.console(event["id"]),
    )
    if _insight_shown(before) or _insight_shown(after):
        _publish_shown_insights(event)
    if dots_back:
        with reading() as db:
            change = events.VotesChanged(vote_totals(db, event["id"]))
        _publish(change, rooms.wall(event["id"]))
        socketio.emit(
            change.name, change.payload(), to=rooms.console(event["id"]), namespace=events.CONSOLE
        )
    refresh_host(event, after["table_no"])


# ---- dot votes -----------------------------------------------------------------------------------


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
        if row is None or not _insight_shown({"wall": row[0], "flags_json": row[1]}):
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
    _publish(change, rooms.wall(event["id"]))
    socketio.emit(
        change.name, change.payload(), to=rooms.console(event["id"]), namespace=events.CONSOLE
    )
    return {"my_dots": mine, "left": allowed - sum(mine.values())}
