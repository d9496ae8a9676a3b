"""Leavers, "I can't move" after the plan, and the live word cloud, on a real `cafe serve` with
real python-socketio phones, console and wall: a leaver's planned seat goes and the tables are
rebalanced by moving one traveller at most, a host who leaves frees the table, someone who comes
back is seated like a late joiner, and a withdrawn note takes its words off the harvest's cloud."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import requests
import socketio
from test_server import cookie_header, join_http

from conftest import PASSWORD, LiveServer, free_port, rows, wait_for

SLUG = "three-tables"
PLAN = """
title = "Three tables"
slug = "three-tables"
context = "A café with three tables, for tests."
k_threshold = 3

[[tables]]
name = "Oak"
[[tables]]
name = "Ash"
[[tables]]
name = "Elm"

[[rounds]]
question = "What does good allyship look like?"
minutes = 20
move = true

[[rounds]]
question = "What makes a partnership fair?"
minutes = 20
move = true

[[rounds]]
question = "What would you change first?"
minutes = 20
move = false
"""


@pytest.fixture
def server(app, db_path):
    from cafe.actions import do_create_event
    from cafe.plans import parse_plan

    with app.app_context():
        do_create_event(parse_plan(PLAN))
    live = LiveServer(db_path, free_port()).start()
    yield live
    live.stop()


class Screen:
    """A connected socket that records everything it hears on its namespace."""

    def __init__(self, sio: socketio.Client, namespace: str) -> None:
        self.sio, self.namespace, self.heard = sio, namespace, []
        sio.on("*", lambda event, data: self.heard.append((event, data)), namespace=namespace)

    def call(self, event: str, payload=None) -> dict:
        return self.sio.call(event, payload if payload is not None else {},
                             namespace=self.namespace, timeout=15)

    def got(self, name: str) -> list:
        return [d for e, d in self.heard if e == name]

    def wait(self, name: str, condition=lambda data: True) -> dict:
        wait_for(lambda: any(condition(d) for d in self.got(name)))
        return [d for d in self.got(name) if condition(d)][-1]


def phone(server, table: int) -> Screen:
    http = join_http(server.url, slug=SLUG, table=table)
    screen = Screen(socketio.Client(reconnection=False), "/participant")
    screen.sio.connect(server.url, namespaces=["/participant"], auth={"event": SLUG},
                       headers=cookie_header(http), transports=["websocket"], wait_timeout=10)
    screen.pseudonym = screen.wait("state")["me"]["pseudonym"]
    return screen


def console(server) -> Screen:
    http = requests.Session()
    page = http.get(f"{server.url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(f"{server.url}/login", timeout=10,
              data={"username": "fac", "password": PASSWORD, "csrf_token": token})
    sio = socketio.Client(reconnection=False)
    screen = Screen(sio, "/console")
    sio.connect(server.url, namespaces=["/console"], auth={"event": SLUG},
                headers=cookie_header(http), transports=["websocket"], wait_timeout=10)
    screen.wait("console_state")
    return screen


def wall(server, db_path) -> Screen:
    [(token,)] = rows(db_path, "SELECT wall_token FROM events WHERE slug = ?", (SLUG,))
    sio = socketio.Client(reconnection=False)
    screen = Screen(sio, "/wall")
    sio.connect(server.url, namespaces=["/wall"], auth={"event": SLUG, "token": token},
                transports=["websocket"], wait_timeout=10)
    return screen


def ids(db_path, phones) -> dict[int, Screen]:
    out = {}
    for p in phones:
        [(pid,)] = rows(db_path, "SELECT id FROM participants WHERE pseudonym = ?", (p.pseudonym,))
        p.id = pid
        out[pid] = p
    return out


def planned(db_path, round_no: int) -> dict[int, int]:
    return dict(rows(db_path, "SELECT participant_id, table_no FROM seats WHERE round_no = ? "
                              "AND planned = 1", (round_no,)))


def sat(db_path, pid: int) -> set[int]:
    return {t for (t,) in rows(db_path, "SELECT table_no FROM seats WHERE participant_id = ? "
                                        "AND planned = 0", (pid,))}


@pytest.fixture
def cafe(server, db_path):
    screens: list[Screen] = []

    def make(tables: list[int]):
        phones = [phone(server, t) for t in tables]
        screens.extend(phones)
        ids(db_path, phones)
        desk = console(server)
        screens.append(desk)
        return phones, desk

    yield make
    for s in screens:
        s.sio.disconnect()


def plan_round(desk: Screen, db_path, start: bool = True) -> dict[int, int]:
    if start:
        assert desk.call("start_round")["ok"]
    assert desk.call("end_round")["ok"]
    desk.wait("rotation_changed", lambda d: d["rotation"]["planned"])
    return planned(db_path, 2)


def test_a_leaver_leaves_the_plan_and_one_traveller_rebalances_it(cafe, db_path):
    # Seven people at three tables: the plan seats 3, 2 and 2.
    phones, desk = cafe([1, 1, 1, 2, 2, 3, 3])
    plan = plan_round(desk, db_path)
    sizes = Counter(plan.values())
    assert sorted(sizes.values()) == [2, 2, 3]
    # Someone planned for a table of two leaves: that table would seat one, so one traveller from
    # the table of three goes there instead, and nobody else's seat changes.
    small = next(t for t, n in sizes.items() if n == 2)
    leaver = next(p for p in phones if plan[p.id] == small)
    presence = desk.got("console_state")[0]["presence"]["total"]
    assert presence == 7
    for p in phones:  # the plan's moves may reach the phones after the console's rotation
        p.wait("move_assigned")
        p.heard.clear()
    ack = leaver.call("leave_cafe")
    assert ack == {"ok": True, "left": True}
    leaver.wait("left_changed", lambda d: d["left"] is True)
    after = planned(db_path, 2)
    assert leaver.id not in after
    assert sorted(Counter(after.values()).values()) == [2, 2, 2]
    changed = {pid for pid in after if after[pid] != plan[pid]}
    assert len(changed) == 1
    [mover] = [p for p in phones if p.id in changed]
    assert after[mover.id] == small and small not in sat(db_path, mover.id)
    assert mover.wait("move_assigned")["move"]["table"] == small
    assert all(not p.got("move_assigned") for p in phones if p.id not in changed)
    # They no longer count as present; the console lists them as gone.
    desk.wait("presence_changed", lambda d: d["total"] == presence - 1)
    view = desk.wait("rotation_changed", lambda d: any(
        p["id"] == leaver.id and p["left"] for p in d["rotation"]["people"]))["rotation"]
    assert all(leaver.id not in [q["id"] for q in t["next"]] for t in view["tables"])
    assert leaver.id not in [q["id"] for q in view["late"]]
    # The next round starts without them, everyone where the plan said.
    assert desk.call("start_round")["ok"]
    assert rows(db_path, "SELECT table_no FROM participants WHERE id = ?", (leaver.id,)) == [(None,)]
    seated = dict(rows(db_path, "SELECT participant_id, table_no FROM seats WHERE round_no = 2 "
                                "AND planned = 0"))
    assert seated == after


def test_the_leavers_own_notes_stay_and_a_leaver_cannot_pick_a_table(cafe, db_path):
    phones, desk = cafe([1, 2, 3])
    note = {"client_id": "leaver-note-0002", "text": "Listening matters", "consent": "quote"}
    assert phones[0].call("submit_note", note)["ok"]
    assert phones[0].call("leave_cafe")["ok"]
    assert rows(db_path, "SELECT status, text FROM notes WHERE client_id = ?",
                ("leaver-note-0002",)) == [("saved", "Listening matters")]
    refused = phones[0].call("choose_table", {"table": 2})
    assert refused["ok"] is False and refused["code"] == "left"
    # A note still waiting in the phone's outbox when they left is taken, never lost.
    late = {"client_id": "leaver-note-0003", "text": "One more", "consent": "none", "table": 1}
    assert phones[0].call("submit_note", late)["ok"]


def test_a_host_who_leaves_frees_the_table_and_the_console_says_it_needs_a_host(cafe, db_path):
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    host = phones[0]
    assert desk.call("set_host", {"participant": host.id, "table": 1})["ok"]
    host.wait("host_briefed", lambda d: d["host"] is not None)
    plan = plan_round(desk, db_path)
    assert plan[host.id] == 1
    assert desk.call("mark_left", {"participant": host.id}) == {
        "ok": True, "participant": host.id, "left": True}
    host.wait("left_changed", lambda d: d["left"])
    host.wait("host_briefed", lambda d: d["host"] is None)
    view = desk.wait("rotation_changed", lambda d: d["rotation"]["tables"][0]["needs_host"])
    oak = view["rotation"]["tables"][0]
    assert oak["host"] is None and oak["needs_host"] is True
    assert not any(t["needs_host"] for t in view["rotation"]["tables"][1:])
    after = planned(db_path, 2)
    assert host.id not in after and sorted(Counter(after.values()).values()) == [1, 2, 2]
    # A new host for Oak: the table no longer needs one.
    assert desk.call("set_host", {"participant": phones[1].id, "table": 1})["ok"]
    view = desk.wait("rotation_changed", lambda d: d["rotation"]["tables"][0]["host"] is not None)
    assert view["rotation"]["tables"][0]["needs_host"] is False


def test_someone_who_comes_back_is_seated_like_a_late_joiner(cafe, db_path):
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    leaver = phones[0]
    assert desk.call("start_round")["ok"]
    assert desk.call("mark_left", {"participant": leaver.id})["ok"]
    presence = desk.wait("presence_changed", lambda d: d["total"] == 5)["total"]
    assert desk.got("console_state")[0]["presence"]["total"] == 6
    plan = plan_round(desk, db_path, start=False)
    assert leaver.id not in plan and sorted(Counter(plan.values()).values()) == [1, 2, 2]
    # Back from the phone ("I'm back"): a smallest table now, and a smallest table in the plan.
    leaver.heard.clear()
    ack = leaver.call("come_back")
    assert ack["ok"] and ack["left"] is False and ack["table"] in (1, 2, 3)
    leaver.wait("left_changed", lambda d: d["left"] is False)
    assert leaver.wait("table_changed")["table"] == ack["table"]
    after = planned(db_path, 2)
    assert sorted(Counter(after.values()).values()) == [2, 2, 2]
    assert {pid: t for pid, t in after.items() if pid != leaver.id} == plan
    assert leaver.wait("move_assigned")["move"]["table"] == after[leaver.id]
    desk.wait("presence_changed", lambda d: d["total"] == presence + 1)
    # Marked as left again by the console, then back by the console.
    assert desk.call("mark_left", {"participant": leaver.id})["ok"]
    assert leaver.id not in planned(db_path, 2)
    assert desk.call("mark_back", {"participant": leaver.id})["ok"]
    assert leaver.id in planned(db_path, 2)


def test_leaving_is_refused_with_reasons(cafe, db_path):
    phones, desk = cafe([1, 2, 3])
    for payload, message in (
        ({"participant": 99999}, "Unknown participant."),
        ({"participant": "1"}, "Choose a participant."),
        ({"participant": True}, "Choose a participant."),
    ):
        ack = desk.call("mark_left", payload)
        assert ack["ok"] is False and ack["error"] == message
    assert desk.call("mark_back", {"participant": phones[0].id})["code"] == "not_left"
    assert phones[0].call("come_back")["code"] == "not_left"
    assert phones[0].call("leave_cafe")["ok"]
    again = phones[0].call("leave_cafe")
    assert again["ok"] is False and again["code"] == "already_left"
    assert desk.call("mark_left", {"participant": phones[0].id})["code"] == "already_left"
    assert desk.call("close_event")["ok"]
    closed = desk.call("mark_back", {"participant": phones[0].id})
    assert closed["ok"] is False and closed["code"] == "closed"
    assert rows(db_path, "SELECT left_at IS NOT NULL FROM participants WHERE id = ?",
                (phones[0].id,)) == [(1,)]


def test_cannot_move_after_the_plan_rebalances_with_one_change(cafe, db_path):
    # Six people, two at each table: the plan seats two at each.
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    plan = plan_round(desk, db_path)
    assert sorted(Counter(plan.values()).values()) == [2, 2, 2]
    stayer = phones[0]
    going_to = plan[stayer.id]
    assert going_to != 1
    for p in phones:  # the plan's moves may reach the phones after the console's rotation
        p.wait("move_assigned")
        p.heard.clear()
    desk.heard.clear()
    ack = stayer.call("set_cannot_move", {"value": True})
    assert ack["move"]["stay"] is True and ack["move"]["table"] == 1
    after = planned(db_path, 2)
    assert after[stayer.id] == 1
    assert sorted(Counter(after.values()).values()) == [2, 2, 2]
    changed = {pid for pid in after if pid != stayer.id and after[pid] != plan[pid]}
    # One traveller who was coming to Oak goes where the stayer was going, a table new to them.
    assert len(changed) == 1
    [mover] = [p for p in phones if p.id in changed]
    assert plan[mover.id] == 1 and after[mover.id] == going_to
    assert going_to not in sat(db_path, mover.id)
    assert mover.wait("move_assigned")["move"]["table"] == going_to
    assert all(not p.got("move_assigned") for p in phones if p not in (mover, stayer))
    desk.wait("rotation_changed")


def test_withdrawing_a_note_in_the_harvest_updates_the_cloud(cafe, server, db_path):
    phones, desk = cafe([1, 2, 3, 1])
    screen = wall(server, db_path)
    try:
        texts = ["budgets shared", "shared budgets matter", "budgets and trust", "trust"]
        assert desk.call("start_round")["ok"]
        notes = []
        for i, (p, text) in enumerate(zip(phones, texts, strict=True)):
            ack = p.call("submit_note", {"client_id": f"cloud-note-{i:04d}", "text": text,
                                          "consent": "quote"})
            assert ack["ok"]
            notes.append(ack["id"])
            assert desk.call("approve_note", {"id": ack["id"]})["ok"]
        assert desk.call("end_round")["ok"]
        ack = desk.call("start_harvest")
        assert ack["ok"], ack
        first = screen.wait("harvest_changed")
        assert {w["text"]: w["people"] for w in first["harvest"]["words"]} == {"budgets": 3}
        # A writer withdraws their note: "budgets" drops below k = 3 and leaves the wall.
        assert phones[0].call("withdraw_note", {"id": notes[0]})["ok"]
        screen.wait("harvest_changed", lambda d: d["harvest"]["words"] == [])
        # An edit that brings the word back puts it back (after the refresh interval at most).
        edit = {"id": notes[3], "text": "budgets and trust", "consent": "quote"}
        assert phones[3].call("edit_note", edit)["ok"]
        assert desk.call("approve_note", {"id": notes[3]})["ok"]
        back = screen.wait("harvest_changed", lambda d: d["harvest"]["words"] != [])
        assert {w["text"]: w["people"] for w in back["harvest"]["words"]} == {"budgets": 3}
    finally:
        screen.sio.disconnect()
