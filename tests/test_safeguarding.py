"""Disclosures go to the safeguarding lead's private queue, and only there."""

from __future__ import annotations

import pytest

from cafe import socketio
from conftest import PASSWORD, login, rows, wait_for

DISCLOSURE = "My husband hit me last night and I am scared to go home"


@pytest.fixture
def lead(app):
    from cafe.actions import do_create_user

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
    http = app.test_client()
    login(http, "lead")
    sio = socketio.test_client(
        app, namespace="/safeguarding", auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert sio.is_connected("/safeguarding")
    return sio


def received(sio, namespace, name):
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == name]


def submit(phone, client_id, text):
    return phone.emit(
        "submit_note",
        {"client_id": client_id, "text": text, "consent": "none"},
        namespace="/participant",
        callback=True,
    )


def test_lead_receives_disclosures_live_and_nothing_else(lead, phone):
    [state] = received(lead, "/safeguarding", "queue_state")
    assert state == {"items": [], "whereabouts": {}}
    submit(phone, "ordinary-01", "Partnerships need shared budgets")
    ack = submit(phone, "disclose-01", DISCLOSURE)
    [change] = received(lead, "/safeguarding", "item_changed")
    item = change["item"]
    assert item["id"] == ack["id"] and item["text"] == DISCLOSURE and item["table"] == 1
    assert item["sg_status"] == "new"


def test_lead_acknowledges_and_resolves(lead, phone, db_path):
    ack = submit(phone, "disclose-01", DISCLOSURE)
    lead.get_received("/safeguarding")
    reply = lead.emit(
        "set_item_status",
        {"id": ack["id"], "status": "acknowledged"},
        namespace="/safeguarding",
        callback=True,
    )
    assert reply["ok"] and reply["item"]["sg_status"] == "acknowledged"
    assert reply["item"]["sg_updated_by"] == "lead"
    lead.emit(
        "set_item_status",
        {"id": ack["id"], "status": "resolved"},
        namespace="/safeguarding",
        callback=True,
    )
    assert rows(db_path, "SELECT sg_status, sg_updated_by FROM notes") == [("resolved", "lead")]
    bad = lead.emit(
        "set_item_status",
        {"id": ack["id"], "status": "deleted"},
        namespace="/safeguarding",
        callback=True,
    )
    assert bad["ok"] is False


def test_ordinary_notes_cannot_be_put_in_the_queue(lead, phone, db_path):
    ack = submit(phone, "ordinary-01", "Partnerships need shared budgets")
    reply = lead.emit(
        "set_item_status",
        {"id": ack["id"], "status": "new"},
        namespace="/safeguarding",
        callback=True,
    )
    assert reply == {"ok": False, "error": "Unknown item.", "code": "invalid"}
    assert rows(db_path, "SELECT sg_status FROM notes") == [(None,)]


def test_withdrawn_disclosure_stays_in_the_queue_without_its_text(lead, phone, db_path):
    ack = submit(phone, "disclose-01", DISCLOSURE)
    lead.get_received("/safeguarding")
    phone.emit("withdraw_note", {"id": ack["id"]}, namespace="/participant", callback=True)
    [change] = received(lead, "/safeguarding", "item_changed")
    assert change["item"]["status"] == "withdrawn" and change["item"]["text"] == ""
    assert rows(db_path, "SELECT text, sg_status FROM notes") == [("", "new")]


def test_editing_a_note_into_a_disclosure_queues_it(lead, phone):
    ack = submit(phone, "later-01", "Partnerships need shared budgets")
    lead.get_received("/safeguarding")
    phone.emit(
        "edit_note",
        {"id": ack["id"], "text": DISCLOSURE, "consent": "none"},
        namespace="/participant",
        callback=True,
    )
    [change] = received(lead, "/safeguarding", "item_changed")
    assert change["item"]["sg_status"] == "new" and change["item"]["text"] == DISCLOSURE


@pytest.mark.parametrize("username", ["fac", "staffer"])
def test_other_roles_cannot_open_the_queue(app, username):
    http = app.test_client()
    login(http, username)
    sio = socketio.test_client(
        app, namespace="/safeguarding", auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert not sio.is_connected("/safeguarding")
    assert http.get("/safeguarding/test-cafe").status_code == 403


def test_participant_cannot_open_the_queue(app, client, phone):
    sio = socketio.test_client(
        app, namespace="/safeguarding", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert not sio.is_connected("/safeguarding")


def test_lead_page_and_events_list(app):
    from cafe.actions import do_create_user

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
    http = app.test_client()
    login(http, "lead")
    listing = http.get("/console/").text
    assert "/safeguarding/test-cafe" in listing and "/console/test-cafe" not in listing
    assert "Safeguarding queue" in http.get("/safeguarding/test-cafe").text


def test_a_hosts_insight_that_looks_like_a_disclosure_reaches_the_lead_only(
    app, lead, phone, console, wall, db_path
):
    from conftest import rows as db_rows

    [(pid,)] = db_rows(db_path, "SELECT id FROM participants")
    assert console.emit("set_host", {"participant": pid, "table": 1}, namespace="/console",
                        callback=True)["ok"]
    assert console.emit("start_round", {}, namespace="/console", callback=True)["ok"]
    for sio, namespace in ((lead, "/safeguarding"), (console, "/console"), (wall, "/wall")):
        sio.get_received(namespace)
    ack = phone.emit("submit_insight", {"client_id": "ins-000009", "text": DISCLOSURE},
                     namespace="/participant", callback=True)
    assert ack["ok"] and ack["insight"]["held"] and ack["insight"]["text"] == ""
    [item] = received(lead, "/safeguarding", "item_changed")
    assert item["item"]["text"] == DISCLOSURE and item["item"]["sg_status"] == "new"
    assert item["item"]["table"] == 1
    # The console learns an insight is held, never its words; the wall learns nothing of it.
    console_got = console.get_received("/console")
    assert DISCLOSURE not in repr(console_got)
    assert any(m["name"] == "insight_added" and m["args"][0]["insight"]["held"]
               for m in console_got)
    assert DISCLOSURE not in repr(wall.get_received("/wall"))
    # A resend stores nothing twice.
    again = phone.emit("submit_insight", {"client_id": "ins-000009", "text": DISCLOSURE},
                       namespace="/participant", callback=True)
    assert again["ok"] and again["insight"]["id"] == ack["insight"]["id"]
    assert db_rows(db_path, "SELECT consent, wall, sg_status FROM notes") == [
        ("none", "hidden", "new")]


def wait_for_whereabouts(lead, note_id: int, want: dict) -> dict:
    """Wait (coalesced sends come within a second) until the lead is told this about the writer."""
    seen = [None]

    def told() -> bool:
        seen.extend(got["items"].get(str(note_id))
                    for got in received(lead, "/safeguarding", "whereabouts"))
        return want in seen

    try:
        wait_for(told, 10)
    except AssertionError:
        raise AssertionError(f"the lead was last told {seen[-1]}, not {want}") from None
    return want


def test_the_lead_sees_where_the_writer_is_now_as_they_move_leave_and_go_offline(
    app, lead, phone, console, db_path
):
    ack = submit(phone, "disclose-01", DISCLOSURE)
    here = {"known": True, "table": 1, "name": "Oak", "left": False, "connected": True}
    wait_for_whereabouts(lead, ack["id"], here)
    # They move to Ash: the item still says where they wrote, the whereabouts where they are.
    assert phone.emit("choose_table", {"table": 2}, namespace="/participant", callback=True)["ok"]
    wait_for_whereabouts(lead, ack["id"], {**here, "table": 2, "name": "Ash"})
    # The console seats them elsewhere while their phone is off: still followed.
    phone.disconnect("/participant")
    wait_for_whereabouts(lead, ack["id"], {**here, "table": 2, "name": "Ash", "connected": False})
    [(pid,)] = rows(db_path, "SELECT participant_id FROM notes WHERE id = ?", (ack["id"],))
    marked = console.emit("mark_left", {"participant": pid}, namespace="/console", callback=True)
    assert marked["ok"]
    gone = wait_for_whereabouts(lead, ack["id"], {**here, "table": None, "name": "", "left": True,
                                                  "connected": False})
    assert gone["left"] is True
    # A lead who (re)connects gets it in the queue's state.
    http = app.test_client()
    login(http, "lead")
    again = socketio.test_client(
        app, namespace="/safeguarding", auth={"event": "test-cafe"}, flask_test_client=http
    )
    [state] = received(again, "/safeguarding", "queue_state")
    assert state["whereabouts"] == {str(ack["id"]): gone}
    assert state["items"][0]["table"] == 1  # where the note was written is kept


def test_after_the_rotation_the_lead_sees_the_writers_new_table(app, lead, phone, console, db_path):
    from conftest import join

    http = app.test_client()
    join(http, table=2)
    other = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
    )
    act = lambda name: console.emit(name, {}, namespace="/console", callback=True)  # noqa: E731
    assert act("start_round")["ok"]
    ack = submit(phone, "disclose-01", DISCLOSURE)
    here = {"known": True, "table": 1, "name": "Oak", "left": False, "connected": True}
    wait_for_whereabouts(lead, ack["id"], here)
    assert act("end_round")["ok"]
    [(planned,)] = rows(
        db_path,
        "SELECT s.table_no FROM seats s JOIN notes n ON n.participant_id = s.participant_id "
        "WHERE s.planned = 1 AND n.id = ?",
        (ack["id"],),
    )
    assert planned != 1  # the traveller moves on
    assert act("start_round")["ok"]
    [(name,)] = rows(db_path, "SELECT name FROM tables WHERE number = ?", (planned,))
    wait_for_whereabouts(lead, ack["id"], {**here, "table": planned, "name": name})
    other.disconnect("/participant")
