"""Round changes, "pause everyone" and messages reach the right screens; only facilitators send them."""

from __future__ import annotations

import pytest

from cafe import socketio
from conftest import join, rows


def received(sio, namespace: str, name: str) -> list:
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == name]


def drain(*clients) -> None:
    for sio, namespace in clients:
        sio.get_received(namespace)


def act(console, event: str, payload: dict | None = None) -> dict:
    return console.emit(event, payload or {}, namespace="/console", callback=True)


def test_state_carries_the_clock_and_server_time(phone):
    [state] = received(phone, "/participant", "state")
    assert state["event"]["clock"]["phase"] == "lobby"
    assert state["event"]["round"]["question"] == "What does good allyship look like?"
    assert state["event"]["server_time"] > 1.7e12 and state["event"]["hold"] is None


def test_round_changes_reach_phones_console_and_wall(console, wall, phone, db_path):
    drain((console, "/console"), (wall, "/wall"), (phone, "/participant"))
    ack = act(console, "start_round")
    assert ack["ok"] and ack["clock"]["phase"] == "running" and ack["clock"]["duration"] == 1200
    for sio, namespace in ((phone, "/participant"), (console, "/console"), (wall, "/wall")):
        [change] = received(sio, namespace, "round_changed")
        assert change["clock"]["phase"] == "running" and change["round"]["number"] == 1
        assert change["server_time"] > 0
    assert rows(db_path, "SELECT phase, current_round FROM events") == [("running", 1)]


def test_pause_extend_end_next_round_and_harvest(console, phone):
    act(console, "start_round")
    assert act(console, "pause_round")["clock"]["phase"] == "paused"
    assert act(console, "extend_round", {"minutes": 5})["clock"]["duration"] == 1500
    assert act(console, "resume_round")["clock"]["phase"] == "running"
    assert act(console, "end_round")["clock"]["phase"] == "ended"
    nxt = act(console, "start_round")
    assert (
        nxt["clock"]["round"] == 2 and nxt["round"]["question"] == "What makes a partnership fair?"
    )
    act(console, "end_round")
    assert act(console, "start_harvest")["clock"]["phase"] == "harvest"
    back = act(console, "start_round", {"round": 1})
    assert back["clock"]["round"] == 1


def test_notes_belong_to_the_round_that_is_running(console, phone, db_path):
    act(console, "start_round")
    act(console, "end_round")
    act(console, "start_round")
    phone.emit(
        "submit_note",
        {"client_id": "round-two-1", "text": "Shared budgets", "consent": "quote"},
        namespace="/participant",
        callback=True,
    )
    assert rows(db_path, "SELECT round_no FROM notes") == [(2,)]


@pytest.mark.parametrize(
    "event, payload, reason",
    [
        ("pause_round", {}, "Cannot pause: the café has not started yet."),
        ("end_round", {}, "Cannot end the round: the café has not started yet."),
        ("extend_round", {"minutes": 5}, "Cannot extend the round: the café has not started yet."),
        ("start_round", {"round": 9}, "There is no round 9; rounds are 1 to 2."),
        ("start_round", {"round": "two"}, "'round' must be a round number."),
    ],
)
def test_illegal_transitions_are_refused_with_a_reason(console, db_path, event, payload, reason):
    ack = act(console, event, payload)
    assert ack["ok"] is False and ack["error"] == reason
    assert rows(db_path, "SELECT phase FROM events") == [("lobby",)]


def test_closing_the_cafe_stops_notes(console, phone):
    assert act(console, "close_event")["clock"]["phase"] == "closed"
    ack = phone.emit(
        "submit_note",
        {"client_id": "too-late-01", "text": "x", "consent": "quote"},
        namespace="/participant",
        callback=True,
    )
    assert ack["ok"] is False and ack["code"] == "closed"
    assert act(console, "start_round")["ok"] is False


def test_pause_everyone_reaches_phones_and_wall_and_survives_a_reconnect(
    app, client, console, wall, phone
):
    drain((wall, "/wall"), (phone, "/participant"))
    ack = act(console, "hold_everyone", {"message": "Let's take a breath together."})
    assert ack == {"ok": True, "message": "Let's take a breath together."}
    assert received(phone, "/participant", "hold_changed") == [
        {"message": "Let's take a breath together."}
    ]
    assert received(wall, "/wall", "hold_changed") == [{"message": "Let's take a breath together."}]
    phone.disconnect("/participant")
    again = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    [state] = received(again, "/participant", "state")
    assert state["event"]["hold"] == "Let's take a breath together."
    act(console, "release_everyone")
    assert received(again, "/participant", "hold_changed") == [{"message": None}]


def test_message_to_one_table_reaches_only_that_table(app, console, phone):
    other_http = app.test_client()
    join(other_http, table=2)
    other = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=other_http
    )
    drain((phone, "/participant"), (other, "/participant"))
    assert act(console, "send_message", {"text": "Five minutes left", "table": 2})["ok"]
    assert received(other, "/participant", "message_sent") == [
        {"text": "Five minutes left", "table": 2}
    ]
    assert received(phone, "/participant", "message_sent") == []
    act(console, "send_message", {"text": "Welcome, everyone"})
    assert received(phone, "/participant", "message_sent") == [
        {"text": "Welcome, everyone", "table": None}
    ]
    bad = act(console, "send_message", {"text": "", "table": 2})
    assert bad["ok"] is False


def test_phones_cannot_drive_the_cafe(phone, db_path):
    for event in ("start_round", "close_event", "hold_everyone", "send_message"):
        reply = phone.emit(event, {}, namespace="/participant", callback=True)
        assert reply is None  # no such event for a phone: nothing happens, no ack
    assert rows(db_path, "SELECT phase, hold_message FROM events") == [("lobby", None)]


def test_a_phone_that_reconnects_gets_the_latest_message_while_it_is_current(
    app, client, console, phone, monkeypatch
):
    import time as real_time

    from cafe.actions import clock

    [state] = received(phone, "/participant", "state")
    assert state["message"] is None
    phone.disconnect("/participant")  # offline while the facilitator writes
    act(console, "send_message", {"text": "Tea for table two", "table": 2})
    act(console, "send_message", {"text": "Please come back to your seats - 2 minutes"})

    def reconnect():
        sio = socketio.test_client(
            app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
        )
        [again] = received(sio, "/participant", "state")
        sio.disconnect("/participant")
        return again["message"]

    # Table 1's phone gets the message to everyone, not the one to table 2.
    assert reconnect() == {"text": "Please come back to your seats - 2 minutes", "table": None}
    later = real_time.time() + clock.MESSAGE_FRESH_SECONDS + 1
    monkeypatch.setattr(clock.time, "time", lambda: later)
    assert reconnect() is None  # no longer current


def test_closing_the_cafe_clears_the_latest_message(app, console, phone):
    from cafe.actions.clock import latest_message

    act(console, "send_message", {"text": "Coats are by the door"})
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            event_id = queries.event_by_slug(db, "test-cafe")["id"]
    assert latest_message(event_id, 1) == {"text": "Coats are by the door", "table": None}
    assert act(console, "close_event")["ok"]
    assert latest_message(event_id, 1) is None


def test_a_new_phase_clears_the_latest_message_but_a_pause_keeps_it(app, console, phone):
    from cafe.actions.clock import latest_message

    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            event_id = queries.event_by_slug(db, "test-cafe")["id"]
    assert act(console, "start_round")["ok"]
    act(console, "send_message", {"text": "Tea is in the hall"})
    assert act(console, "pause_round")["ok"]
    assert act(console, "resume_round")["ok"]
    assert latest_message(event_id, 1) == {"text": "Tea is in the hall", "table": None}
    assert act(console, "end_round")["ok"]
    assert latest_message(event_id, 1) is None  # a phone joining in the break is not told of tea


def test_a_closed_cafes_wall_keeps_the_harvest_and_drops_the_join_prompt(app, client, console, wall):
    from cafe import queries
    from cafe.db import reading

    phones = []
    for table in (1, 1, 2):
        http = app.test_client()
        join(http, table=table)
        phones.append(
            socketio.test_client(
                app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
            )
        )
    assert act(console, "start_round")["ok"]
    for i, sio in enumerate(phones):
        ack = sio.emit(
            "submit_note",
            {"client_id": f"allies-note-{i:04d}", "text": "Allies listen" if i else "An ally",
             "consent": "quote"},
            namespace="/participant",
            callback=True,
        )
        assert act(console, "approve_note", {"id": ack["id"]})["ok"]
    drain((wall, "/wall"))
    assert act(console, "end_round")["ok"]
    assert act(console, "close_event")["ok"]  # closed without a harvest
    [harvest] = received(wall, "/wall", "harvest_changed")
    assert harvest["harvest"]["words"] == [{"text": "allies", "people": 3, "size": 3}]
    with app.app_context(), reading() as db:
        token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    page = client.get(f"/wall/test-cafe?token={token}").text
    assert '<div class="join" id="join" hidden>' in page
    again = socketio.test_client(app, namespace="/wall", auth={"event": "test-cafe", "token": token})
    [state] = received(again, "/wall", "wall_state")
    assert state["event"]["clock"]["phase"] == "closed"
    assert state["harvest"]["words"] == harvest["harvest"]["words"]
    for sio in phones:
        sio.disconnect("/participant")
