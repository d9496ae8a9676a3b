"""What hosts and other participants are sent: the host's recap holds only notes that could be on
the wall and may be read out; hosts' key insights are moderated like notes before they reach the
wall or anyone's phone."""

from __future__ import annotations

import pytest
from test_safeguarding import lead  # noqa: F401 - fixture

from cafe import socketio
from conftest import PLAN, join, rows

P = "/participant"
C = "/console"
W = "/wall"


def received(sio, namespace: str, name: str) -> list:
    return [m["args"][0] for m in sio.get_received(namespace) if m["name"] == name]


def act(sio, event: str, payload: dict | None = None, namespace: str = C) -> dict:
    return sio.emit(
        event, payload if payload is not None else {}, namespace=namespace, callback=True
    )


def new_phone(app, table: int | None, slug: str = "test-cafe"):
    http = app.test_client()
    join(http, slug=slug, table=table)
    sio = socketio.test_client(app, namespace=P, auth={"event": slug}, flask_test_client=http)
    assert sio.is_connected(P)
    return sio


def new_console(app, slug: str):
    from conftest import login

    http = app.test_client()
    login(http)
    sio = socketio.test_client(app, namespace=C, auth={"event": slug}, flask_test_client=http)
    assert sio.is_connected(C)
    return sio


def pid_of(db_path, sio) -> int:
    [state] = received(sio, P, "state")
    [(pid,)] = rows(
        db_path, "SELECT id FROM participants WHERE pseudonym = ?", (state["me"]["pseudonym"],)
    )
    return pid


def note(sio, client_id: str, text: str, consent: str = "quote") -> dict:
    ack = act(sio, "submit_note", {"client_id": client_id, "text": text, "consent": consent}, P)
    assert ack["ok"], ack
    return ack


def recap_of(sio) -> list[str]:
    """The recap in the host's fresh state (what a reload of the host's phone receives)."""
    sio.get_received(P)
    sio.disconnect(P)
    sio.connect(namespace=P, auth={"event": "test-cafe"})
    [state] = received(sio, P, "state")
    return [r["text"] for r in state["rotation"]["host"]["recap"]]


@pytest.fixture
def table_one(app, console, db_path):
    """Phone A hosts Oak (table 1); B sits there too; round 1 is running."""
    host, writer = new_phone(app, 1), new_phone(app, 1)
    host_id = pid_of(db_path, host)
    assert act(console, "set_host", {"participant": host_id, "table": 1})["ok"]
    assert act(console, "start_round")["ok"]
    yield host, writer
    for sio in (host, writer):
        if sio.is_connected(P):
            sio.disconnect(P)


def test_host_recap_holds_only_approved_quotable_notes(console, table_one):
    host, writer = table_one
    shown = note(writer, "rc-quote-01", "QUOTE shared budgets build trust")
    para = note(writer, "rc-para-001", "PARA partners decide together", "paraphrase")
    secret = note(writer, "rc-none-001", "SECRETNONE the mosque hall is a good venue for the next café", "none")
    hidden = note(writer, "rc-hide-001", "HIDDENBYFAC the council officer is unfair")
    note(writer, "rc-pend-001", "PENDING nobody has looked at this yet")
    flagged = note(writer, "rc-flag-001", "FLAGGED call Sam on 07700 900123")
    gone = note(writer, "rc-gone-001", "WITHDRAWN on second thoughts, scrap that one")
    held = note(writer, "rc-held-001", "sometimes I think everyone would be better off without me")
    assert held["support"] is True
    for n in (shown, para, gone):
        assert act(console, "approve_note", {"id": n["id"]})["ok"]
    # "Don't quote or paraphrase": approval is refused, with the reason (issue 18).
    refused_none = act(console, "approve_note", {"id": secret["id"]})
    assert refused_none["ok"] is False and refused_none["code"] == "consent"
    assert "not to be quoted" in refused_none["error"]
    assert act(console, "hide_note", {"id": hidden["id"]})["ok"]
    refused = act(console, "approve_note", {"id": flagged["id"]})
    assert refused["ok"] is False  # personal details: not until they are removed
    assert act(writer, "withdraw_note", {"id": gone["id"]}, P)["ok"]

    host.get_received(P)
    act(console, "end_round")
    [briefing] = received(host, P, "host_briefed")
    recap = briefing["host"]["recap"]
    assert [r["text"] for r in recap] == [
        "PARA partners decide together",
        "QUOTE shared budgets build trust",
    ]
    assert [r["consent"] for r in recap] == ["paraphrase", "quote"]
    # The same on a reload of the host's phone.
    texts = recap_of(host)
    assert texts == ["PARA partners decide together", "QUOTE shared budgets build trust"]
    everything = repr(briefing)
    for kept_out in ("SECRETNONE", "HIDDENBYFAC", "PENDING", "FLAGGED", "WITHDRAWN", "better off"):
        assert kept_out not in everything

    # Once redacted and approved, the flagged note may be read out, without the number.
    assert act(console, "redact_note", {"id": flagged["id"]})["ok"]
    assert act(console, "approve_note", {"id": flagged["id"]})["ok"]
    [again] = received(host, P, "host_briefed")
    assert "FLAGGED call Sam on [phone removed]" in [r["text"] for r in again["host"]["recap"]]


def test_host_recap_follows_the_wall_after_the_briefing(console, table_one):
    host, writer = table_one
    first = note(writer, "rf-note-001", "FIRST budgets in the open")
    second = note(writer, "rf-note-002", "SECOND trust takes time")
    for n in (first, second):
        assert act(console, "approve_note", {"id": n["id"]})["ok"]
    host.get_received(P)
    act(console, "end_round")
    [briefing] = received(host, P, "host_briefed")
    assert len(briefing["host"]["recap"]) == 2
    # The facilitator hides one: the host's phone is briefed again without it.
    assert act(console, "hide_note", {"id": first["id"]})["ok"]
    [after_hide] = received(host, P, "host_briefed")
    assert [r["text"] for r in after_hide["host"]["recap"]] == ["SECOND trust takes time"]
    # The writer changes their mind about being quoted: gone from the recap too.
    edit = {"id": second["id"], "text": "SECOND trust takes time", "consent": "none"}
    assert act(writer, "edit_note", edit, P)["ok"]
    [after_edit] = received(host, P, "host_briefed")
    assert after_edit["host"]["recap"] == []


def open_cafe(app) -> None:
    """Make the test plan's event again as "open-cafe", where the wall needs no approval."""
    from cafe.actions import do_create_event
    from cafe.plans import parse_plan

    source = PLAN.read_text().replace(
        'slug = "test-cafe"', 'slug = "open-cafe"\nwall_requires_approval = false'
    )
    with app.app_context():
        do_create_event(parse_plan(source), slug="open-cafe")


def test_without_approval_the_recap_still_leaves_out_hidden_and_flagged_notes(app, db_path):
    open_cafe(app)
    console = new_console(app, "open-cafe")
    host, writer = new_phone(app, 1, "open-cafe"), new_phone(app, 1, "open-cafe")
    host_id = pid_of(db_path, host)
    assert act(console, "set_host", {"participant": host_id, "table": 1})["ok"]
    act(console, "start_round")
    note(writer, "op-note-001", "OPEN shown without approval")
    hidden = note(writer, "op-note-002", "HIDDEN taken off the wall")
    note(writer, "op-note-003", "FLAGGED write to sam@example.org")
    note(writer, "op-note-004", "NONE not for reading out", "none")
    assert act(console, "hide_note", {"id": hidden["id"]})["ok"]
    host.get_received(P)
    act(console, "end_round")
    [briefing] = received(host, P, "host_briefed")
    assert [r["text"] for r in briefing["host"]["recap"]] == ["OPEN shown without approval"]


# ---- hosts' key insights -------------------------------------------------------------------------


def share(host, client_id: str, text: str) -> dict:
    return act(host, "submit_insight", {"client_id": client_id, "text": text}, P)


def to_harvest(console) -> None:
    act(console, "end_round")
    act(console, "start_round")
    act(console, "end_round")
    act(console, "start_harvest")


def wall_insights(wall) -> list[list[str]]:
    """The insight texts of each harvest the wall was sent since last asked."""
    return [[i["text"] for i in h["harvest"]["insights"]] for h in received(wall, W, "harvest_changed")]


def test_an_insight_reaches_the_wall_and_phones_only_once_approved(
    app, console, wall, db_path, table_one
):
    host, _writer = table_one
    voter = new_phone(app, 2)
    ack = share(host, "in-appr-001", "Budgets should be shared openly")
    assert ack["ok"] and ack["insight"]["wall"] == "pending"
    [added] = received(console, C, "insight_added")
    insight_id = added["insight"]["id"]
    assert added["insight"]["wall"] == "pending" and added["insight"]["flags"] == []
    assert all(texts == [] for texts in wall_insights(wall))

    to_harvest(console)
    [phones] = received(voter, P, "insights_changed")
    assert phones["insights"] == []
    assert wall_insights(wall) == [[]]
    assert act(voter, "set_dots", {"insight": insight_id, "dots": 1}, P)["ok"] is False
    # A participant cannot approve it: the phones' namespace has no such event.
    assert act(host, "approve_insight", {"id": insight_id}, P) is None
    assert rows(db_path, "SELECT wall FROM insights") == [("pending",)]
    # The facilitator approves: the wall and every phone get it, and it takes dots.
    assert act(console, "approve_insight", {"id": insight_id}) == {
        "ok": True, "id": insight_id, "wall": "approved",
    }
    [changed] = received(console, C, "insight_changed")
    assert changed["insight"]["wall"] == "approved"
    assert wall_insights(wall) == [["Budgets should be shared openly"]]
    [phones] = received(voter, P, "insights_changed")
    assert phones["insights"] == [
        {"id": insight_id, "table": 1, "round": 1, "text": "Budgets should be shared openly"}
    ]
    assert act(voter, "set_dots", {"insight": insight_id, "dots": 2}, P)["left"] == 1
    # Hidden again: off the wall and the phones, and the dots go back.
    received(wall, W, "votes_changed")
    assert act(console, "hide_insight", {"id": insight_id})["wall"] == "hidden"
    assert wall_insights(wall) == [[]]
    assert received(voter, P, "insights_changed")[-1]["insights"] == []
    assert rows(db_path, "SELECT COUNT(*) FROM dot_votes") == [(0,)]
    assert act(voter, "set_dots", {"insight": insight_id, "dots": 1}, P)["ok"] is False
    # A reconnecting wall or phone still gets nothing unapproved.
    wall.disconnect(W)
    voter.disconnect(P)
    voter.connect(namespace=P, auth={"event": "test-cafe"})
    [state] = received(voter, P, "state")
    assert state["rotation"]["insights"] == []
    voter.disconnect(P)


def test_a_flagged_insight_cannot_be_approved_until_redacted(console, wall, table_one):
    host, _writer = table_one
    text = "Priya at the centre (07700 900456, priya@example.org) says the council ignores us"
    assert share(host, "in-flag-001", text)["ok"]
    [added] = received(console, C, "insight_added")
    insight = added["insight"]
    assert insight["text"] == text and insight["wall"] == "pending"
    assert set(insight["flags"]) == {"personal:email", "personal:phone"}
    assert {kind for _start, _end, kind in insight["spans"]} == {"email", "phone"}
    refused = act(console, "approve_insight", {"id": insight["id"]})
    assert refused["ok"] is False and refused["code"] == "personal"
    assert all(texts == [] for texts in wall_insights(wall))

    redacted = act(console, "redact_insight", {"id": insight["id"]})
    assert redacted == {"ok": True, "id": insight["id"], "flags": []}
    [changed] = received(console, C, "insight_changed")
    assert "07700" not in changed["insight"]["text"] and "[phone removed]" in changed["insight"]["text"]
    assert act(console, "approve_insight", {"id": insight["id"]})["ok"]
    [shown] = wall_insights(wall)
    assert len(shown) == 1 and "[email removed]" in shown[0] and "priya@" not in shown[0]


def test_a_disclosure_like_insight_goes_only_to_the_safeguarding_lead(
    console, wall, table_one, lead  # noqa: F811 - fixture
):
    host, _writer = table_one
    words = "sometimes I think everyone would be better off without me"
    ack = share(host, "in-held-001", words)
    assert ack["ok"] and ack["insight"]["held"] is True and ack["insight"]["text"] == ""
    [added] = received(console, C, "insight_added")
    assert added["insight"]["held"] and added["insight"]["text"] == ""
    assert added["insight"]["wall"] == "hidden"
    refused = act(console, "approve_insight", {"id": added["insight"]["id"]})
    assert refused["ok"] is False and refused["code"] == "held"
    [item] = received(lead, "/safeguarding", "item_changed")
    assert item["item"]["text"] == words
    to_harvest(console)
    assert all(words not in repr(h) for h in received(wall, W, "harvest_changed"))


def test_without_approval_an_unflagged_insight_shows_at_once_a_flagged_one_waits(app, db_path):
    open_cafe(app)
    console = new_console(app, "open-cafe")
    host = new_phone(app, 1, "open-cafe")
    assert act(console, "set_host", {"participant": pid_of(db_path, host), "table": 1})["ok"]
    act(console, "start_round")
    assert share(host, "op-ins-001", "Listen first")["insight"]["wall"] == "approved"
    assert share(host, "op-ins-002", "Ring 07700 900456")["insight"]["wall"] == "pending"
    to_harvest(console)
    [shown] = received(host, P, "insights_changed")
    assert [i["text"] for i in shown["insights"]] == ["Listen first"]


def test_the_same_insight_twice_is_refused(console, table_one, db_path):
    host, _writer = table_one
    assert share(host, "in-same-001", "Power must be shared, not just talked about")["ok"]
    again = share(host, "in-same-002", "  power must be shared,  not just talked about.")
    assert again["ok"] is False and again["code"] == "same_insight"
    assert share(host, "in-same-003", "Funding follows power")["ok"]
    assert rows(db_path, "SELECT COUNT(*) FROM insights") == [(2,)]
    # Another round, the same words are a new insight.
    act(console, "end_round")
    act(console, "start_round")
    assert share(host, "in-same-004", "Power must be shared, not just talked about")["ok"]
