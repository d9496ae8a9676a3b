"""Live notes through the Flask-SocketIO test client: acks, dedupe, resync, who receives what."""

from __future__ import annotations

import json
import time

import pytest

from cafe import socketio
from conftest import join, login, rows, wait_for


def note(client_id: str = "note-000001", text: str = "Listen before you act", **extra) -> dict:
    return {"client_id": client_id, "text": text, "consent": "quote", **extra}


def submit(sio, payload) -> dict:
    return sio.emit("submit_note", payload, namespace="/participant", callback=True)


def received(sio, namespace: str, name: str) -> list:
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == name]


def test_phone_gets_its_state_on_connect(phone):
    [state] = received(phone, "/participant", "state")
    assert state["event"]["title"] == "Test café"
    assert state["event"]["round"]["question"] == "What does good allyship look like?"
    assert state["me"]["table"] == 1
    assert state["notes"] == []


def test_ack_means_the_row_is_committed(phone, db_path):
    ack = submit(phone, note())
    assert ack["ok"] is True
    # Read with a separate connection: the row is visible the moment the ack is.
    assert rows(db_path, "SELECT id, text, table_no, round_no, consent FROM notes") == [
        (ack["id"], "Listen before you act", 1, 1, "quote")
    ]


def test_resend_returns_the_same_id_and_stores_once(phone, db_path):
    first = submit(phone, note())
    second = submit(phone, note())
    assert second["ok"] and second["id"] == first["id"] and second["duplicate"] is True
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(1,)]


def test_reconnecting_phone_learns_which_notes_were_saved(app, client, phone):
    ack = submit(phone, note("saved-note-1"))
    phone.disconnect("/participant")
    again = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    [state] = received(again, "/participant", "state")
    assert [n["client_id"] for n in state["notes"]] == ["saved-note-1"]
    sync = again.emit(
        "sync_notes",
        {"client_ids": ["saved-note-1", "never-sent-1"]},
        namespace="/participant",
        callback=True,
    )
    assert sync["ok"] and [n["id"] for n in sync["saved"]] == [ack["id"]]


def test_console_receives_notes_of_its_event_only(app, console, phone):
    from cafe.actions import do_create_event
    from cafe.plans import load_plan
    from conftest import PLAN

    with app.app_context():
        do_create_event(load_plan(PLAN), slug="other-cafe")
    other_http = app.test_client()
    join(other_http, "other-cafe")
    other = socketio.test_client(
        app, namespace="/participant", auth={"event": "other-cafe"}, flask_test_client=other_http
    )
    console.get_received("/console")
    submit(other, note("other-note-1", "The other café says hello"))
    submit(phone, note("this-note-01", "Here at table one"))
    added = received(console, "/console", "note_added")
    assert [n["note"]["text"] for n in added] == ["Here at table one"]


def test_wall_receives_only_approved_notes(console, wall, phone):
    wall.get_received("/wall")
    first = submit(phone, note("wall-note-01", "Approve this one"))
    submit(phone, note("wall-note-02", "Leave this one pending"))
    assert received(wall, "/wall", "note_shown") == []
    ack = console.emit("approve_note", {"id": first["id"]}, namespace="/console", callback=True)
    assert ack == {"ok": True, "id": first["id"], "wall": "approved"}
    shown = received(wall, "/wall", "note_shown")
    assert [n["note"]["text"] for n in shown] == ["Approve this one"]
    console.emit("hide_note", {"id": first["id"]}, namespace="/console", callback=True)
    assert received(wall, "/wall", "note_removed") == [{"id": first["id"]}]


def test_wall_state_lists_only_approved_notes(app, console, phone):
    a = submit(phone, note("wall-note-01", "Shown"))
    submit(phone, note("wall-note-02", "Not shown"))
    console.emit("approve_note", {"id": a["id"]}, namespace="/console", callback=True)
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    screen = socketio.test_client(
        app, namespace="/wall", auth={"event": "test-cafe", "token": token}
    )
    [state] = received(screen, "/wall", "wall_state")
    assert [n["text"] for n in state["notes"]] == ["Shown"]


def test_disclosure_is_held_back_from_console_and_wall(console, phone, db_path):
    ack = submit(
        phone, note("disclose-01", "My husband hit me last night and I am scared to go home")
    )
    assert ack["ok"] and ack["support"] is True
    [added] = received(console, "/console", "note_added")
    assert added["note"]["held"] is True and added["note"]["text"] == ""
    refused = console.emit("approve_note", {"id": ack["id"]}, namespace="/console", callback=True)
    assert refused["ok"] is False and "safeguarding" in refused["error"]
    assert rows(db_path, "SELECT wall FROM notes") == [("pending",)]


def test_note_with_personal_details_cannot_go_on_the_wall(console, phone):
    ack = submit(phone, note("personal-01", "Ring me on 07700 900123 about the project"))
    refused = console.emit("approve_note", {"id": ack["id"]}, namespace="/console", callback=True)
    assert refused["ok"] is False and "personal details" in refused["error"]


def test_participant_edits_and_withdraws_own_note(console, phone, db_path):
    ack = submit(phone, note())
    console.emit("approve_note", {"id": ack["id"]}, namespace="/console", callback=True)
    edited = phone.emit(
        "edit_note",
        {"id": ack["id"], "text": "Listen, then act", "consent": "paraphrase"},
        namespace="/participant",
        callback=True,
    )
    assert edited["ok"] and edited["note"]["text"] == "Listen, then act"
    # An edited note needs approval again.
    assert rows(db_path, "SELECT text, consent, wall FROM notes") == [
        ("Listen, then act", "paraphrase", "pending")
    ]
    gone = phone.emit("withdraw_note", {"id": ack["id"]}, namespace="/participant", callback=True)
    assert gone["ok"] and gone["note"]["status"] == "withdrawn"
    assert rows(db_path, "SELECT text, status, wall FROM notes") == [("", "withdrawn", "hidden")]


def test_participant_cannot_touch_someone_elses_note(app, phone):
    ack = submit(phone, note())
    other_http = app.test_client()
    join(other_http)
    other = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=other_http
    )
    for event in ("withdraw_note", "edit_note"):
        reply = other.emit(
            event,
            {"id": ack["id"], "text": "hijack", "consent": "quote"},
            namespace="/participant",
            callback=True,
        )
        assert reply == {"ok": False, "error": "Unknown note.", "code": "invalid"}
    stolen = submit(other, note())  # same client id as the first phone's note
    assert stolen["ok"] is False


def test_presence_per_table_reaches_the_console(app, client, console):
    console.get_received("/console")
    join(client, table=2)
    sio = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    [change] = received(console, "/console", "presence_changed")
    assert change == {"tables": {"2": 1}, "total": 1} or change == {"tables": {2: 1}, "total": 1}
    sio.disconnect("/participant")
    # Sent within a second of the last one: it comes at the end of that second.
    later: list = []
    wait_for(lambda: later.extend(received(console, "/console", "presence_changed")) or later)
    assert [change["total"] for change in later] == [0]


def test_a_connect_storm_sends_presence_at_most_once_per_interval(app, console, monkeypatch):
    from cafe.live import common

    monkeypatch.setattr(common.publish_presence_soon, "interval", 5.0)
    console.get_received("/console")
    started = time.monotonic()
    phones = []
    for _ in range(12):
        http = app.test_client()
        join(http, table=2)
        phones.append(
            socketio.test_client(
                app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
            )
        )
    elapsed = time.monotonic() - started
    seen: list = []
    wait_for(
        lambda: seen.extend(received(console, "/console", "presence_changed"))
        or (seen and seen[-1]["total"] == 12),
        timeout=30,
    )
    # One send at once, then at most one at the end of each interval: not one per phone.
    assert len(seen) <= 2 + int(elapsed / common.publish_presence_soon.interval) < 12
    assert seen[-1]["tables"] in ({2: 12}, {"2": 12})
    for phone in phones:
        phone.disconnect("/participant")


def test_choose_table_moves_the_phone(phone, db_path):
    ack = phone.emit("choose_table", {"table": 2}, namespace="/participant", callback=True)
    assert ack == {"ok": True, "table": 2}
    submit(phone, note())
    assert rows(db_path, "SELECT table_no FROM notes") == [(2,)]
    bad = phone.emit("choose_table", {"table": 9}, namespace="/participant", callback=True)
    assert bad["ok"] is False


# ---- bad input: a clear error, nothing stored --------------------------------------------------

BAD_NOTES = [
    pytest.param(note(text="x" * 2001), "limit is 2000", id="too-long"),
    pytest.param(note(text="   \n "), "empty", id="empty"),
    pytest.param(note(text="bell \x07 here"), "control characters", id="control-char"),
    pytest.param(note(text="nul \x00 here"), "control characters", id="nul"),
    pytest.param(note(text=12345), "must be text", id="not-text"),
    pytest.param(note(consent="maybe"), "quoted", id="bad-consent"),
    pytest.param(note(client_id="short"), "client id", id="bad-client-id"),
    pytest.param(note(client_id="../../etc/passwd"), "client id", id="client-id-path"),
    pytest.param(note(table=99), "no such table", id="unknown-table"),
    pytest.param(note(table="1; DROP TABLE notes"), "whole number", id="table-not-int"),
    pytest.param(note(round=7), "no such round", id="unknown-round"),
    pytest.param("just a string", "JSON object", id="not-an-object"),
    pytest.param(["a", "list"], "JSON object", id="a-list"),
    pytest.param(None, "JSON object", id="nothing"),
]


@pytest.mark.parametrize("payload, message", BAD_NOTES)
def test_bad_notes_are_refused_and_nothing_is_stored(phone, db_path, payload, message):
    before = rows(db_path, "SELECT COUNT(*) FROM notes")
    ack = submit(phone, payload)
    assert ack["ok"] is False
    assert message.lower() in ack["error"].lower()
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == before == [(0,)]


def test_closed_event_refuses_notes(app, phone, db_path):
    from cafe import queries
    from cafe.actions import do_change_round
    from cafe.db import reading

    with app.app_context():
        with reading() as db:
            do_change_round(queries.event_by_slug(db, "test-cafe"), "close_event", {})
    ack = submit(phone, note())
    assert ack["ok"] is False and ack["code"] == "closed"
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]


def test_unknown_event_and_missing_token_are_refused(app, client):
    nobody = socketio.test_client(app, namespace="/participant", auth={"event": "no-such-cafe"})
    assert not nobody.is_connected("/participant")
    no_token = socketio.test_client(app, namespace="/participant", auth={"event": "test-cafe"})
    assert not no_token.is_connected("/participant")
    forged = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe", "token": "forged-token"}
    )
    assert not forged.is_connected("/participant")


def test_console_needs_a_facilitator_login(app):
    anonymous = socketio.test_client(app, namespace="/console", auth={"event": "test-cafe"})
    assert not anonymous.is_connected("/console")
    staff_http = app.test_client()
    login(staff_http, "staffer")
    staff = socketio.test_client(
        app, namespace="/console", auth={"event": "test-cafe"}, flask_test_client=staff_http
    )
    assert not staff.is_connected("/console")


def test_participant_cannot_open_the_console(app, client):
    join(client)
    sio = socketio.test_client(
        app, namespace="/console", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert not sio.is_connected("/console")


def test_wall_needs_its_token(app):
    wrong = socketio.test_client(
        app, namespace="/wall", auth={"event": "test-cafe", "token": "nope"}
    )
    assert not wrong.is_connected("/wall")


def test_logout_cuts_off_the_console_socket_at_once(app, phone):
    http = app.test_client()
    login(http)
    sio = socketio.test_client(
        app, namespace="/console", auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert sio.is_connected("/console")
    page = http.get("/console/")
    from conftest import csrf_from

    http.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert not sio.is_connected("/console")


def test_flags_are_stored_with_the_note(phone, db_path):
    submit(phone, note(text="Write to someone@example.org about the funding bid"))
    [(flags,)] = rows(db_path, "SELECT flags_json FROM notes")
    assert json.loads(flags) == ["personal:email"]


def test_facilitator_removes_personal_details_then_may_approve(console, phone, db_path):
    ack = submit(phone, note("personal-02", "Grace at grace@example.org or 07700 900123 runs the funding bid"))
    [added] = received(console, "/console", "note_added")
    kinds = sorted(kind for _, _, kind in added["note"]["spans"])
    assert kinds == ["email", "phone"]
    start, end, _ = added["note"]["spans"][0]
    assert added["note"]["text"][start:end] in ("07700 900123", "grace@example.org")
    done = console.emit("redact_note", {"id": ack["id"]}, namespace="/console", callback=True)
    assert done["ok"] and done["flags"] == []
    [(text,)] = rows(db_path, "SELECT text FROM notes")
    assert "07700" not in text and "example.org" not in text and "[phone removed]" in text
    assert console.emit("approve_note", {"id": ack["id"]}, namespace="/console", callback=True)[
        "ok"
    ]


def test_participant_passes_expire_a_day_after_closing(app, client, phone, db_path):
    from cafe.db import get_writer

    with app.app_context():
        get_writer().write(
            lambda db: db.execute(
                "UPDATE events SET status = 'closed', phase = 'closed', "
                "closed_at = '2020-01-01T00:00:00.000Z'"
            )
        )
    late = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert not late.is_connected("/participant")


def test_exit_ends_the_pass_and_the_outbox_key_may_only_send_notes(app, client, phone, db_path):
    [state] = received(phone, "/participant", "state")
    key = state["outbox_key"]
    assert submit(phone, note("before-exit-1"))["ok"] is True
    phone.disconnect("/participant")
    old_token = client.get_cookie("cafe_p_test-cafe").value
    # A link from another site shows the blank page but ends nothing.
    assert client.get("/exit", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    assert client.get_cookie("cafe_p_test-cafe").value == old_token
    kept = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert kept.is_connected("/participant")
    kept.disconnect("/participant")
    page = client.get("/exit", headers={"Sec-Fetch-Site": "same-origin"})
    assert page.status_code == 200 and "New tab" in page.text
    assert "cafe_p_test-cafe=;" in page.headers.get("Set-Cookie", "")
    assert client.get_cookie("cafe_p_test-cafe") is None
    # The old token opens nothing now, even if something kept a copy of it.
    client.set_cookie("cafe_p_test-cafe", old_token)
    refused = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert not refused.is_connected("/participant")
    # A forged key is refused; the real one may send the note still waiting, and nothing else.
    forged = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe", "outbox_key": key[:-1] + "0"}
    )
    assert not forged.is_connected("/participant")
    sender = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe", "outbox_key": key}
    )
    assert sender.is_connected("/participant")
    assert sender.get_received("/participant") == []  # no state: no notes to read
    ack = submit(sender, note("waiting-at-exit", "Still waiting when I left", table=1, round=1))
    assert ack["ok"] is True
    assert submit(sender, note("waiting-at-exit", "Still waiting when I left"))["duplicate"]
    for event, payload in [
        ("sync_notes", {"client_ids": ["before-exit-1"]}),
        ("edit_note", {"id": ack["id"], "text": "changed", "consent": "quote"}),
        ("withdraw_note", {"id": ack["id"]}),
        ("choose_table", {"table": 2}),
    ]:
        refused_ack = sender.emit(event, payload, namespace="/participant", callback=True)
        assert refused_ack["ok"] is False, event
    assert rows(db_path, "SELECT client_id, text, status FROM notes ORDER BY id") == [
        ("before-exit-1", "Listen before you act", "saved"),
        ("waiting-at-exit", "Still waiting when I left", "saved"),
    ]
    assert rows(db_path, "SELECT COUNT(DISTINCT participant_id) FROM notes") == [(1,)]
