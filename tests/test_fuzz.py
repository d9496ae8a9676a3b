"""Hypothesis throws arbitrary JSON at every socket event and form: no crash, no stored garbage."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import csrf_from, login, rows

# Whole numbers at and past what SQLite stores (64-bit), and text with lone surrogates (not
# UTF-8): both reached the database or an encoder and came back as server errors (issue 19).
EDGE_INTS = st.sampled_from([2**63 - 1, 2**63, 2**63 + 1, 2**64, -(2**63), -(2**63) - 1, 10**40])
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=50)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | EDGE_INTS | st.floats(allow_nan=False)
    | st.text(max_size=50) | ANY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Payloads shaped like the real ones, with hostile values in each field.
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "client_id": JSON | st.text(max_size=80),
        "text": JSON | st.text(max_size=300),
        "consent": JSON | st.sampled_from(["quote", "paraphrase", "none", "QUOTE", ""]),
        "table": JSON | st.integers(-5, 5) | EDGE_INTS,
        "round": JSON | st.integers(-5, 5) | EDGE_INTS,
        "id": JSON | st.integers(-5, 5) | EDGE_INTS,
        "client_ids": st.lists(st.text(max_size=70), max_size=5) | JSON,
        "minutes": JSON | st.integers(-100, 100),
        "message": JSON | st.text(max_size=50),
        "status": JSON | st.sampled_from(["new", "acknowledged", "resolved", "x"]),
        "value": JSON | st.booleans(),
        "key": JSON | st.text(max_size=30),
        "insight": JSON | st.integers(-5, 5) | EDGE_INTS,
        "dots": JSON | st.integers(-5, 5) | EDGE_INTS,
        "participant": JSON | st.integers(-5, 5) | EDGE_INTS,
        "label": JSON | st.text(max_size=60),
        "by": JSON | st.sampled_from(["seat", "link", "x"]),
    },
)
# Nested deeper than any real payload (a list in a dict at most).
DEEP = st.integers(33, 300).map(lambda depth: functools.reduce(lambda inner, _: [inner], range(depth), 1))
PAYLOADS = JSON | FIELDS | DEEP
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PARTICIPANT_EVENTS = ["submit_note", "sync_notes", "edit_note", "withdraw_note", "choose_table"]
PARTICIPANT_EVENTS += ["set_cannot_move", "claim_host", "submit_insight", "set_dots"]
PARTICIPANT_EVENTS += ["claim_seat_host", "set_host_label"]
CONSOLE_EVENTS = ["approve_note", "hide_note", "redact_note", "start_round", "pause_round", "resume_round", "extend_round",
                  "end_round", "start_harvest", "hold_everyone", "release_everyone", "send_message"]
CONSOLE_EVENTS += ["set_host", "seat_late_joiners", "set_host_by"]
CONSOLE_EVENTS += ["approve_insight", "hide_insight", "redact_insight"]


def check_ack(ack) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        assert ack["code"] != "server", ack  # bad input is refused as bad input, never a crash
        assert isinstance(ack["error"], str) and ack["error"]


@FUZZ
@given(event=st.sampled_from(PARTICIPANT_EVENTS), payload=PAYLOADS)
def test_participant_events_survive_any_payload(phone, db_path, event, payload):
    from cafe.limits import ADDRESS_NOTES, PARTICIPANT_NOTES, SOCKET_EVENTS

    SOCKET_EVENTS.clear()
    PARTICIPANT_NOTES.clear()
    ADDRESS_NOTES.clear()
    before = rows(db_path, "SELECT id, text, consent, table_no, round_no, status FROM notes ORDER BY id")
    ack = phone.emit(event, payload, namespace="/participant", callback=True)
    check_ack(ack)
    after = rows(db_path, "SELECT id, text, consent, table_no, round_no, status FROM notes ORDER BY id")
    if not ack["ok"]:
        assert after == before
    for _, text, consent, table, round_no, status in after:
        assert consent in ("quote", "paraphrase", "none") and table in (1, 2) and round_no in (1, 2)
        assert status == "withdrawn" or (isinstance(text, str) and text.strip() and len(text) <= 2000)


@FUZZ
@given(event=st.sampled_from(CONSOLE_EVENTS), payload=PAYLOADS)
def test_console_events_survive_any_payload(console, db_path, event, payload):
    from cafe.limits import SOCKET_EVENTS

    SOCKET_EVENTS.clear()
    ack = console.emit(event, payload, namespace="/console", callback=True)
    check_ack(ack)
    [(phase, hold)] = rows(db_path, "SELECT phase, hold_message FROM events")
    assert phase in ("lobby", "running", "paused", "ended", "harvest", "closed")
    assert hold is None or (isinstance(hold, str) and 0 < len(hold) <= 300)


@FUZZ
@given(code=st.text(max_size=40))
def test_join_by_code_never_fails_badly(client, code):
    status = client.get("/join", query_string={"code": code}).status_code
    assert status in (303, 400)


@FUZZ
@given(body=JSON)
def test_join_endpoint_survives_any_json(client, db_path, body):
    page = client.get("/e/test-cafe/")
    reply = client.post("/e/test-cafe/join", json=body, headers={"X-CSRFToken": csrf_from(page.text)})
    assert reply.status_code in (200, 400)


@FUZZ
@given(body=DEEP | st.fixed_dictionaries({"table": EDGE_INTS | ANY_TEXT}))
def test_join_refuses_numbers_text_and_nesting_it_cannot_store(client, db_path, body):
    page = client.get("/e/test-cafe/")
    reply = client.post("/e/test-cafe/join", json=body, headers={"X-CSRFToken": csrf_from(page.text)})
    assert reply.status_code in (200, 400)
    if reply.status_code == 400:
        assert reply.get_json()["ok"] is False


STAFF_ID_ROUTES = [
    "/briefings/test-cafe/drafts/{n}", "/briefings/test-cafe/drafts/{n}/versions/{n}",
    "/briefings/test-cafe/drafts/{n}/export.md", "/workspace/test-cafe/theme/{n}",
    "/workspace/test-cafe/theme/{n}/cloud.png", "/console/test-cafe/print/host/{n}/qr.svg",
    "/e/test-cafe/t/{n}", "/e/test-cafe/t/{n}/qr.svg",
]


@pytest.fixture
def admin_client(app):
    from cafe.actions import do_create_user

    with app.app_context():
        do_create_user("fuzzadmin", "correct horse battery", "admin")
    http = app.test_client()
    assert login(http, "fuzzadmin").status_code == 303
    return http


@FUZZ
@given(route=st.sampled_from(STAFF_ID_ROUTES), n=st.integers(min_value=0) | EDGE_INTS.filter(lambda v: v >= 0))
def test_every_id_in_an_address_is_found_or_not_found_never_an_error(admin_client, route, n):
    assert admin_client.get(route.format(n=n)).status_code in (200, 302, 404)


WORKSPACE_ACTIONS = ["rename", "lock", "unlock", "split", "merge", "move", "exclude", "include",
                     "pin", "unpin", "cancel", "undo", "run"]


@FUZZ
@given(action=st.sampled_from(WORKSPACE_ACTIONS),
       value=(st.integers() | EDGE_INTS).map(str) | st.text(max_size=30))
def test_workspace_forms_refuse_any_id(admin_client, db_path, action, value):
    page = admin_client.get("/workspace/test-cafe")
    data = {"csrf_token": csrf_from(page.text), "theme": value, "note": value, "run": value,
            "entry": value, "label": "x", "parts": value, "round": value, "table": value}
    reply = admin_client.post(f"/workspace/test-cafe/do/{action}", data=data)
    assert reply.status_code in (303, 400)
    assert rows(db_path, "SELECT COUNT(*) FROM synthesis_audit") == [(0,)]


@FUZZ
@given(username=st.text(max_size=100), password=st.text(max_size=300))
def test_login_form_survives_any_input(client, username, password):
    from cafe.login_throttle import LOGINS

    with client.application.app_context():
        LOGINS.clear()
    page = client.get("/login")
    reply = client.post("/login", data={"username": username, "password": password,
                                        "csrf_token": csrf_from(page.text)})
    assert reply.status_code in (303, 401)


@pytest.mark.parametrize("path", ["/e/%00/", "/e/" + "a" * 5000 + "/", "/j/" + "%ff" * 10, "/wall/x?token=%00"])
def test_odd_urls_are_not_found_not_errors(client, path):
    assert client.get(path).status_code in (404, 400)


def test_fuzzed_login_left_the_real_account_usable(client):
    assert login(client).status_code == 303
