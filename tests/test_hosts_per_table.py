"""Hosts per table over the sockets: seat 1 (the default) or the host link, the words a host gives
so the facilitator can find them, and what the console's rotation says about each table's host."""

from __future__ import annotations

from test_rotation_live import act, new_phone, pid_of, received

from cafe import queries
from cafe.actions.host_briefing import host_key
from cafe.db import reading
from conftest import rows

P = "/participant"
C = "/console"


def _tables(console) -> dict[int, dict]:
    """Return the tables of the last rotation the console heard, by number."""
    views = received(console, C, "rotation_changed")
    assert views, "the console heard nothing"
    return {t["number"]: t for t in views[-1]["rotation"]["tables"]}


def _table(console, number: int) -> dict:
    return _tables(console)[number]


def test_seat_one_is_the_default_and_says_so_on_the_phone(app, console, db_path):
    first, second = new_phone(app, 1), new_phone(app, 1)
    other = new_phone(app, 2)
    pid_of_second = pid_of(db_path, second)
    [state] = [m["args"][0] for m in first.get_received(P) if m["name"] == "state"]
    assert state["rotation"]["seat_offer"] == 1  # table 1 is hosted by seat 1, and has no host
    ids = {n: pid_of(db_path, s) for n, s in (("other", other),)}
    assert rows(db_path, "SELECT DISTINCT host_by FROM tables") == [("seat",)]
    received(console, C)

    received(second, P)
    received(other, P)
    ack = act(first, "claim_seat_host", {}, P)
    assert ack["ok"] and ack["host"]["table"] == 1, ack
    # The others at table 1 stop offering seat 1 at once; table 2's phones hear nothing.
    assert received(second, P, "seat_offer_changed") == [{"table": 1, "offer": False}]
    assert received(other, P, "seat_offer_changed") == []
    assert received(first, P, "host_briefed")[-1]["host"]["table"] == 1
    oak = _table(console, 1)
    assert oak["host"]["via"] == "seat" and oak["host"]["label"] == "" and oak["host"]["here"]
    # Someone else at the table cannot take it over by saying the same.
    refused = act(second, "claim_seat_host", {}, P)
    assert refused["ok"] is False and "has a host already" in refused["error"]
    # The host gives the words the facilitator finds them by; the console shows them.
    assert act(first, "set_host_label", {"label": "  Sam,   blue   scarf "}, P)["ok"]
    oak = _table(console, 1)
    assert oak["host"]["label"] == "Sam, blue scarf"
    assert act(first, "set_host_label", {"label": "x" * 41}, P)["ok"] is False
    assert act(first, "set_host_label", {"label": 5}, P)["ok"] is False
    # Only a host may give such words.
    assert act(second, "set_host_label", {"label": "Me"}, P)["ok"] is False
    assert rows(db_path, "SELECT host_label FROM participants WHERE id = ?", (ids["other"],)) == [
        (None,)
    ]
    # The host leaves: the table's phones offer seat 1 again, and someone else takes it.
    received(second, P)
    assert act(first, "leave_cafe", {}, P)["ok"]
    assert received(second, P, "seat_offer_changed") == [{"table": 1, "offer": True}]
    assert _table(console, 1)["needs_host"] is True
    assert act(second, "claim_seat_host", {}, P)["ok"]
    assert _table(console, 1)["host"]["id"] == pid_of_second
    for sio in (first, second, other):
        sio.disconnect(P)


def test_a_host_link_table_is_hosted_by_whoever_opens_the_link(app, console, db_path):
    phone = new_phone(app, 2)
    received(console, C)
    received(phone, P)
    assert act(console, "set_host_by", {"table": 2, "by": "link"})["ok"]
    assert received(phone, P, "seat_offer_changed") == [{"table": 2, "offer": False}]
    tables = _tables(console)
    assert tables[2]["host_by"] == "link" and tables[1]["host_by"] == "seat"
    # Seat 1 no longer hosts table 2: only the link does.
    refused = act(phone, "claim_seat_host", {}, P)
    assert refused["ok"] is False and "host link" in refused["error"]
    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, "test-cafe")
    assert act(phone, "claim_host", {"table": 2, "key": host_key(event, 2)}, P)["ok"]
    assert act(phone, "set_host_label", {"label": "Priya by the window"}, P)["ok"]
    ash = _table(console, 2)
    assert ash["host"]["via"] == "link" and ash["host"]["label"] == "Priya by the window"
    # The facilitator's own choice replaces the host; the old host's words go with them.
    other = new_phone(app, 2)
    pid = pid_of(db_path, other)
    assert act(console, "set_host", {"participant": pid, "table": 2})["ok"]
    ash = _table(console, 2)
    assert ash["host"]["id"] == pid and ash["host"]["via"] == "console" and ash["host"]["label"] == ""
    assert rows(db_path, "SELECT COUNT(*) FROM participants WHERE host_label IS NOT NULL") == [(0,)]
    for bad in ({"table": 2, "by": "anyone"}, {"table": 9, "by": "seat"}, {"table": "2", "by": "seat"},
                {"table": True, "by": "seat"}):
        assert act(console, "set_host_by", bad)["ok"] is False, bad
    assert rows(db_path, "SELECT number, host_by FROM tables ORDER BY number") == [
        (1, "seat"), (2, "link")
    ]
    for sio in (phone, other):
        sio.disconnect(P)


def test_no_seat_one_hosting_in_the_harvest_or_without_a_table(app, console, db_path):
    lost = new_phone(app, None)
    refused = act(lost, "claim_seat_host", {}, P)
    assert refused["ok"] is False and "table" in refused["error"]
    phone = new_phone(app, 1)
    for action in ("start_round", "end_round", "start_round", "end_round", "start_harvest"):
        assert act(console, action)["ok"], action
    refused = act(phone, "claim_seat_host", {}, P)
    assert refused["ok"] is False
    assert rows(db_path, "SELECT COUNT(*) FROM participants WHERE host_table IS NOT NULL") == [(0,)]
    for sio in (lost, phone):
        sio.disconnect(P)
