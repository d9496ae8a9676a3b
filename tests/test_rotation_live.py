"""A whole 2-round café over the sockets: what each screen receives at each step of the rotation,
the hosts' briefings and insights, late joiners, "I can't move", the harvest cloud and dot votes."""

from __future__ import annotations

import pytest

from cafe import socketio
from conftest import join, rows

P = "/participant"
C = "/console"
W = "/wall"


def received(sio, namespace: str, name: str | None = None) -> list:
    got = sio.get_received(namespace)
    return (
        [(m["name"], m["args"][0]) for m in got]
        if name is None
        else [m["args"][0] for m in got if m["name"] == name]
    )


def names(sio, namespace: str) -> list[str]:
    return [name for name, _ in received(sio, namespace)]


def act(sio, event: str, payload: dict | None = None, namespace: str = C) -> dict:
    return sio.emit(
        event, payload if payload is not None else {}, namespace=namespace, callback=True
    )


def new_phone(app, table: int | None):
    http = app.test_client()
    join(http, table=table)
    sio = socketio.test_client(
        app, namespace=P, auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert sio.is_connected(P)
    return sio


def pid_of(db_path, sio) -> int:
    [state] = [m["args"][0] for m in sio.get_received(P) if m["name"] == "state"]
    [(pid,)] = rows(
        db_path, "SELECT id FROM participants WHERE pseudonym = ?", (state["me"]["pseudonym"],)
    )
    return pid


def note(sio, client_id: str, text: str) -> dict:
    ack = act(sio, "submit_note", {"client_id": client_id, "text": text, "consent": "quote"}, P)
    assert ack["ok"], ack
    return ack


@pytest.fixture
def cafe(app, console, wall, db_path):
    """Four phones: A (will host table 1) and B at Oak (1), C and D (cannot move) at Ash (2)."""
    phones = {name: new_phone(app, table) for name, table in zip("ABCD", (1, 1, 2, 2), strict=True)}
    ids = {name: pid_of(db_path, sio) for name, sio in phones.items()}
    yield phones, ids
    for sio in phones.values():
        if sio.is_connected(P):
            sio.disconnect(P)


def test_a_two_round_cafe_with_rotation_and_harvest(app, console, wall, db_path, cafe):
    phones, ids = cafe
    pa, pb, pc, pd = (phones[n] for n in "ABCD")
    received(console, C)
    received(wall, W)

    # The facilitator makes A the host of Oak; D cannot move tables.
    ack = act(console, "set_host", {"participant": ids["A"], "table": 1})
    assert ack["ok"] and ack["host"]["table"] == 1 and ack["host"]["name"] == "Oak"
    [briefing] = received(pa, P, "host_briefed")
    assert briefing["host"]["table"] == 1 and briefing["host"]["recap"] == []
    [rotation] = received(console, C, "rotation_changed")
    assert rotation["rotation"]["tables"][0]["host"]["id"] == ids["A"]
    ack = act(pd, "set_cannot_move", {"value": True}, P)
    assert ack == {"ok": True, "cannot_move": True, "move": None}

    # Round 1: notes at both tables, including ones the host's recap must leave out.
    assert act(console, "start_round")["ok"]
    for sio in phones.values():
        assert "round_changed" in names(sio, P)
    shared = note(pb, "b-note-000001", "We need shared budgets and trust")
    assert act(console, "approve_note", {"id": shared["id"]})["ok"]
    note(pb, "b-note-000002", "Call me on 07700 900123 about budgets")
    withdrawn = note(pb, "b-note-000003", "A note I take back")
    assert act(pb, "withdraw_note", {"id": withdrawn["id"]}, P)["ok"]
    held = note(pa, "a-note-000001", "sometimes I think everyone would be better off without me")
    assert held["support"] is True
    note(pc, "c-note-000001", "Shared budgets make partners equal")
    received(console, C)
    received(wall, W)
    for sio in phones.values():
        received(sio, P)

    # End of round 1: every phone is told its table, the host is briefed, the console sees the plan.
    assert act(console, "end_round")["clock"]["phase"] == "ended"
    moves = {}
    for name, sio in phones.items():
        got = received(sio, P)
        assert [n for n, _ in got][0] == "round_changed"
        [move] = [payload["move"] for n, payload in got if n == "move_assigned"]
        moves[name] = move
        briefings = [payload for n, payload in got if n == "host_briefed"]
        assert len(briefings) == (1 if name == "A" else 0)
    assert moves["A"] == {"round": 2, "table": 1, "name": "Oak", "stay": True, "host": True}
    assert moves["D"]["stay"] is True and moves["D"]["table"] == 2
    assert moves["B"] == {"round": 2, "table": 2, "name": "Ash", "stay": False, "host": False}
    assert moves["C"]["table"] == 1 and moves["C"]["stay"] is False
    assert rows(db_path, "SELECT COUNT(*) FROM seats WHERE planned = 1") == [(4,)]
    got = received(console, C)
    assert [n for n, _ in got] == ["round_changed", "rotation_changed"]
    plan = got[1][1]["rotation"]
    assert plan["next_round"] == 2 and plan["planned"] is True
    assert [len(t["next"]) for t in plan["tables"]] == [2, 2]
    assert [n for n, _ in received(wall, W)] == ["round_changed"]

    # The host's recap: the table's notes on the wall (not flagged, withdrawn or held back).
    state = act(pa, "claim_host", {"table": 1, "key": "wrong"}, P)
    assert state["ok"] is False
    pa.disconnect(P)
    pa.connect(namespace=P, auth={"event": "test-cafe"})
    [fresh] = received(pa, P, "state")
    recap = fresh["rotation"]["host"]["recap"]
    briefing_recap = [r["text"] for r in recap]
    assert "We need shared budgets and trust" in briefing_recap
    assert not any("better off" in t or "take back" in t or "Call me" in t for t in briefing_recap)
    assert fresh["rotation"]["move"]["stay"] is True

    # A late joiner arrives while people move: the console lists them and seats them.
    E = new_phone(app, None)
    received(E, P)
    assert act(console, "seat_late_joiners")["ok"]
    got = received(E, P)
    assert [n for n, _ in got] == ["table_changed", "move_assigned"]
    assert got[1][1]["move"]["round"] == 2
    plan = received(console, C, "rotation_changed")[-1]["rotation"]
    assert plan["late"] == [] and sorted(len(t["next"]) for t in plan["tables"]) == [2, 3]

    # Round 2 starts: everyone is seated as planned; only the movers hear table_changed.
    act(console, "start_round")
    assert received(pb, P, "table_changed") == [{"table": 2}]
    assert received(pc, P, "table_changed") == [{"table": 1}]
    assert received(pd, P, "table_changed") == []
    seated = dict(rows(db_path, "SELECT id, table_no FROM participants"))
    assert seated[ids["B"]] == 2 and seated[ids["C"]] == 1 and seated[ids["A"]] == 1

    # The host shares key insights: acked after the commit, idempotent, at most three.
    first = act(
        pa, "submit_insight", {"client_id": "ins-000001", "text": "Budgets shared openly"}, P
    )
    again = act(
        pa, "submit_insight", {"client_id": "ins-000001", "text": "Budgets shared openly"}, P
    )
    assert first["ok"] and again["ok"] and again["duplicate"] is True
    assert again["insight"]["id"] == first["insight"]["id"]
    for i in (2, 3):
        assert act(pa, "submit_insight", {"client_id": f"ins-00000{i}", "text": f"Idea {i}"}, P)[
            "ok"
        ]
    full = act(pa, "submit_insight", {"client_id": "ins-000004", "text": "One too many"}, P)
    assert full["ok"] is False and full["code"] == "full"
    not_host = act(pb, "submit_insight", {"client_id": "ins-000005", "text": "Mine"}, P)
    assert not_host["code"] == "not_host"
    assert len(received(console, C, "insight_added")) == 3
    assert rows(db_path, "SELECT COUNT(*) FROM insights") == [(3,)]
    # Insights are moderated like notes: up for votes once the facilitator approves them.
    for (insight_id,) in rows(db_path, "SELECT id FROM insights"):
        assert act(console, "approve_insight", {"id": insight_id})["ok"]

    # Round 2 does not move: ending it tells nobody to move.
    act(console, "end_round")
    for sio in phones.values():
        assert "move_assigned" not in names(sio, P)

    # Harvest: phones get the insights, the wall the cloud; dots are limited per person.
    received(wall, W)
    act(console, "start_harvest")
    for sio in phones.values():
        [insights] = received(sio, P, "insights_changed")
        assert len(insights["insights"]) == 3
    [harvest] = received(wall, W, "harvest_changed")
    assert len(harvest["harvest"]["insights"]) == 3 and harvest["harvest"]["k"] == 3
    one, two, three = (i["id"] for i in harvest["harvest"]["insights"])
    assert act(pb, "set_dots", {"insight": one, "dots": 2}, P) == {
        "ok": True,
        "my_dots": {str(one): 2},
        "left": 1,
    }
    assert act(pb, "set_dots", {"insight": two, "dots": 1}, P)["left"] == 0
    over = act(pb, "set_dots", {"insight": three, "dots": 1}, P)
    assert over["ok"] is False and over["code"] == "no_dots"
    assert act(pb, "set_dots", {"insight": one, "dots": 0}, P)["left"] == 2
    assert act(pb, "set_dots", {"insight": three, "dots": 2}, P)["my_dots"] == {
        str(two): 1,
        str(three): 2,
    }
    assert act(pc, "set_dots", {"insight": three, "dots": 3}, P)["ok"]
    votes = received(wall, W, "votes_changed")
    assert votes[-1]["votes"] == {str(two): 1, str(three): 5}
    assert received(console, C, "votes_changed")[-1]["votes"] == {str(two): 1, str(three): 5}


def test_dots_only_in_the_harvest_and_only_on_real_insights(console, phone):
    act(console, "start_round")
    ack = act(phone, "set_dots", {"insight": 1, "dots": 1}, P)
    assert ack["code"] == "not_harvest"
    act(console, "end_round")
    act(console, "start_round")
    act(console, "end_round")
    act(console, "start_harvest")
    assert act(phone, "set_dots", {"insight": 999, "dots": 1}, P)["ok"] is False
    for bad in ({"insight": "1", "dots": 1}, {"insight": 1, "dots": -1}, {"insight": 1}, []):
        assert act(phone, "set_dots", bad, P)["ok"] is False


def test_host_link_makes_a_host(app, console, phone, db_path):
    from cafe import queries
    from cafe.actions.host_briefing import host_key
    from cafe.db import reading

    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, "test-cafe")
    ack = act(phone, "claim_host", {"table": 2, "key": host_key(event, 2)}, P)
    assert ack["ok"] and ack["host"]["table"] == 2
    assert rows(db_path, "SELECT host_table, table_no FROM participants") == [(2, 2)]
    assert act(phone, "claim_host", {"table": 1, "key": host_key(event, 2)}, P)["ok"] is False


def test_word_cloud_on_the_wall_keeps_words_k_people_used(app, console, wall, db_path):
    phones = [new_phone(app, 1 + i % 2) for i in range(4)]
    texts = ["budgets shared", "shared budgets matter", "budgets and trust", "trust in Sarah"]
    act(console, "start_round")
    ids = []
    for i, (sio, text) in enumerate(zip(phones, texts, strict=True)):
        ids.append(note(sio, f"cloud-note-{i:04d}", text)["id"])
    for note_id in ids:
        assert act(console, "approve_note", {"id": note_id})["ok"]
    act(console, "end_round")
    act(console, "start_round")
    act(console, "end_round")
    received(wall, W)
    act(console, "start_harvest")
    [harvest] = received(wall, W, "harvest_changed")
    words = {w["text"]: w["people"] for w in harvest["harvest"]["words"]}
    assert words == {"budgets": 3}  # "shared" and "trust": 2 people each (k = 3); "and" a stop word
    # Taking a note off the wall during the harvest updates the cloud at once.
    act(console, "hide_note", {"id": ids[0]})
    [harvest] = received(wall, W, "harvest_changed")
    assert harvest["harvest"]["words"] == []


def test_hosted_tables_get_a_host_card_with_the_host_link_qr(app, client):
    from cafe.actions import do_create_event
    from cafe.plans import parse_plan
    from conftest import PLAN, login

    source = PLAN.read_text().replace('name = "Ash"', 'name = "Ash"\nhost = true')
    with app.app_context():
        do_create_event(parse_plan(source), slug="hosted-cafe")
    login(client)
    page = client.get("/console/hosted-cafe/print/tables").text
    assert page.count("host-card") == 1 and "Host of table 2 · Ash" in page
    assert "/console/hosted-cafe/print/host/2/qr.svg" in page
    qr = client.get("/console/hosted-cafe/print/host/2/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get("/console/hosted-cafe/print/host/9/qr.svg").status_code == 404


def test_cannot_move_after_the_plan_keeps_them_put_and_hosting_can_stop(
    app, console, db_path, cafe
):
    phones, ids = cafe
    act(console, "start_round")
    act(console, "end_round")
    [move] = received(phones["B"], P, "move_assigned")
    assert move["move"]["stay"] is False
    # B says they cannot move after all: the plan keeps them at their table and says so.
    ack = act(phones["B"], "set_cannot_move", {"value": True}, P)
    assert ack["move"]["stay"] is True and ack["move"]["table"] == 1
    [again] = received(phones["B"], P, "move_assigned")
    assert again["move"]["stay"] is True
    act(console, "start_round")
    assert rows(db_path, "SELECT table_no FROM participants WHERE id = ?", (ids["B"],)) == [(1,)]
    # The facilitator makes C a host, then stops it: C's phone hears both.
    received(phones["C"], P)
    assert act(console, "set_host", {"participant": ids["C"], "table": 2})["ok"]
    assert act(console, "set_host", {"participant": ids["C"], "table": None})["host"] is None
    briefings = [b["host"] for b in received(phones["C"], P, "host_briefed")]
    assert briefings[0]["table"] == 2 and briefings[-1] is None
    for bad in ({"participant": ids["C"], "table": 9}, {"participant": 99999, "table": 1}):
        assert act(console, "set_host", bad)["ok"] is False


def test_plan_dots_and_host_are_checked():
    from cafe.plans import PlanError, parse_plan
    from conftest import PLAN

    source = PLAN.read_text()
    assert parse_plan(source).dots == 3
    assert parse_plan("dots = 5\n" + source).dots == 5
    with pytest.raises(PlanError, match="dots"):
        parse_plan("dots = 0\n" + source)
    with pytest.raises(PlanError, match="host"):
        parse_plan(source.replace('name = "Oak"', 'name = "Oak"\nhost = "yes"'))
