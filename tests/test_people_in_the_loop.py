"""People in the loop (issue 18): a note the rules missed goes to the safeguarding lead by hand and
is then held exactly like a detected disclosure; the lead returns it or has a quiet word with its
writer; consent means what the writer thought it meant. A real `cafe serve`, real socket clients."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time

import pytest
import requests
import socketio
from test_server import cookie_header, join_http
from test_workspace import TOPICS

from cafe import queries
from cafe.actions import NoteDraft, do_create_user, do_join_event, do_submit_note
from cafe.actions.synthesis import result as ws
from cafe.actions.synthesis.runs import do_start_run
from cafe.actions.synthesis.worker import run_foreground
from cafe.db import get_writer, reading
from conftest import PASSWORD, rows, wait_for

P, C, W, S = "/participant", "/console", "/wall", "/safeguarding"
MISSED = "Housing officers told me the zebrafund forms were lost again, nobody listens"
PRIVATE = "Grace from the support team would like a quiet word – by the main door"


@pytest.fixture
def seeded(app):
    """The test event with enough notes on three topics for a synthesis run, and a lead."""
    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        writers = [do_join_event(event, table_no=2)[0] for _ in range(6)]
        n = 0
        for texts in TOPICS.values():
            for text in texts:
                do_submit_note(event, writers[n % 6], NoteDraft(f"seed-{n:05d}", text, "quote"))
                n += 1
        return event


class Client:
    """A python-socketio client on one namespace that records every event it receives."""

    def __init__(self, base: str, namespace: str, auth: dict, http: requests.Session | None):
        self.namespace = namespace
        self.received: list[tuple[str, dict]] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", lambda e, d: self.received.append((e, d)), namespace=namespace)
        self.sio.connect(
            base, namespaces=[namespace], auth=auth,
            headers=cookie_header(http) if http is not None else {},
            transports=["websocket"], wait_timeout=10,
        )

    def call(self, event: str, payload: dict | None = None) -> dict:
        return self.sio.call(event, payload or {}, namespace=self.namespace, timeout=10)

    def named(self, name: str) -> list[dict]:
        return [d for e, d in self.received if e == name]

    def close(self) -> None:
        self.sio.disconnect()


def staff_session(base: str, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                     "csrf_token": token}, timeout=10)
    return http


def wall_token(app) -> str:
    with app.app_context(), reading() as db:
        return queries.event_by_slug(db, "test-cafe")["wall_token"]


def synthesize(app, event) -> None:
    with app.app_context():
        run = do_start_run(event, "staffer")
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda f, m: None)


def current_result(app, event):
    with app.app_context(), reading() as db:
        return ws.current_result(db, event["id"])


def export(db_path, tmp_path, fmt: str) -> str:
    target = tmp_path / f"out.{fmt}"
    subprocess.run(
        [sys.executable, "-m", "cafe", "export", "test-cafe", "--format", fmt, "--output",
         str(target)],
        env={**__import__("os").environ, "CAFE_DB": str(db_path)}, check=True,
        capture_output=True, timeout=120,
    )
    return target.read_text()


def everything_stored(db_path) -> str:
    """Return every value of every table of the database file, as text."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')
        )
    finally:
        conn.close()


def test_a_note_sent_by_hand_is_held_everywhere_returned_and_its_writer_messaged(  # noqa: PLR0915
    app, seeded, live_server, db_path, tmp_path
):
    base = live_server.url
    fac = staff_session(base, "fac")
    console = Client(base, C, {"event": "test-cafe"}, fac)
    lead = Client(base, S, {"event": "test-cafe"}, staff_session(base, "lead"))
    wall = Client(base, W, {"event": "test-cafe", "token": wall_token(app)}, None)
    writer_http = join_http(base, table=1)
    writer = Client(base, P, {"event": "test-cafe"}, writer_http)
    host_http = join_http(base, table=1)
    host = Client(base, P, {"event": "test-cafe"}, host_http)
    clients = [console, lead, wall, writer, host]
    try:
        assert console.call("start_round")["ok"]
        wait_for(lambda: console.named("console_state"))
        people = {}
        with app.app_context(), reading() as db:
            for p in db.execute("SELECT id, pseudonym FROM participants WHERE table_no = 1"):
                people[p[0]] = p[1]
        host_id, writer_id = sorted(people)[-1], sorted(people)[-2]
        assert console.call("set_host", {"participant": host_id, "table": 1})["ok"]
        writer_name = people[writer_id]

        sent = writer.call("submit_note", {"client_id": "missed-000001", "text": MISSED,
                                           "consent": "quote"})
        other = writer.call("submit_note", {"client_id": "other-000001",
                                            "text": "Funding should be shared fairly",
                                            "consent": "quote"})
        assert sent["ok"] and not sent["support"]  # the rules did not see it
        note_id = sent["id"]
        for n in (note_id, other["id"]):
            assert console.call("approve_note", {"id": n})["ok"]
        wait_for(lambda: any(d["note"]["id"] == note_id for d in wall.named("note_shown")))
        wait_for(lambda: any(any(r["id"] == note_id for r in d["host"]["recap"])
                             for d in host.named("host_briefed")))
        synthesize(app, seeded)
        assert any(note_id in t.note_ids for t in current_result(app, seeded).themes)

        # The facilitator sends it to the lead with one action.
        console.received.clear()
        host.received.clear()
        ack = console.call("send_to_lead", {"id": note_id})
        assert ack == {"ok": True, "id": note_id, "kind": "note", "sent": True}
        # ... the wall drops it, the host's recap drops it, the lead gets it in the writer's words.
        wait_for(lambda: note_id in [d["id"] for d in wall.named("note_removed")])
        wait_for(lambda: host.named("host_briefed"))
        assert all(note_id not in [r["id"] for r in d["host"]["recap"]]
                   for d in host.named("host_briefed")[-1:])
        wait_for(lambda: lead.named("item_changed"))
        [item] = [d["item"] for d in lead.named("item_changed") if d["item"]["id"] == note_id]
        assert item["text"] == MISSED and item["sg_status"] == "new" and item["sent_by_hand"]
        # ... the console shows a placeholder, never the writer's pseudonym beside it.
        wait_for(lambda: console.named("note_changed"))
        [changed] = [d["note"] for d in console.named("note_changed") if d["note"]["id"] == note_id]
        assert changed["held"] and changed["text"] == "" and changed["pseudonym"] is None
        fresh = Client(base, C, {"event": "test-cafe"}, fac)
        clients.append(fresh)
        wait_for(lambda: fresh.named("console_state"))
        [state] = fresh.named("console_state")
        [held_view] = [n for n in state["notes"] if n["id"] == note_id]
        assert held_view["pseudonym"] is None and held_view["text"] == ""
        assert MISSED not in json.dumps(state)
        [kept] = [n for n in state["notes"] if n["id"] == other["id"]]
        assert kept["pseudonym"] == writer_name  # the writer's other notes still show theirs
        # Approval is refused while it is held; a second send changes nothing.
        refused = console.call("approve_note", {"id": note_id})
        assert refused["ok"] is False and refused["code"] == "held"
        assert console.call("send_to_lead", {"id": note_id})["sent"] is False
        # A wall that connects now does not get it either.
        late_wall = Client(base, W, {"event": "test-cafe", "token": wall_token(app)}, None)
        clients.append(late_wall)
        wait_for(lambda: late_wall.named("wall_state"))
        assert MISSED not in json.dumps(late_wall.named("wall_state"))

        # The next synthesis leaves it out: no theme holds it, no label or phrase has its words.
        synthesize(app, seeded)
        result = current_result(app, seeded)
        assert all(note_id not in t.note_ids for t in result.themes)
        assert note_id not in result.unthemed
        assert "zebrafund" not in repr(result).lower()
        # ... and so does every export.
        for fmt in ("csv", "md", "json"):
            assert "zebrafund" not in export(db_path, tmp_path, fmt).lower(), fmt
        rows_json = json.loads(export(db_path, tmp_path, "json"))
        assert note_id not in [r["note_id"] for r in rows_json["notes"]]

        # The lead has a quiet word with the writer: only the writer's phone shows it.
        for c in clients:
            c.received.clear()
        said = lead.call("message_writer", {"id": note_id, "text": PRIVATE})
        assert said["ok"] and said["id"] == note_id and said["connected"] is True
        wait_for(lambda: writer.named("lead_messaged"))
        assert writer.named("lead_messaged") == [{"text": PRIVATE}]
        time.sleep(0.5)  # anything wrongly sent elsewhere would have arrived by now
        for c in (host, console, fresh, wall, late_wall, lead):
            assert PRIVATE not in json.dumps(c.received), c.namespace
        assert PRIVATE not in everything_stored(db_path)  # kept nowhere: not in any table
        assert PRIVATE not in live_server.output.read_text()  # nor in the server's log
        too_long = lead.call("message_writer", {"id": note_id, "text": "x" * 301})
        assert too_long["ok"] is False and too_long["code"] == "too_long"
        assert lead.call("message_writer", {"id": other["id"], "text": "hi"})["ok"] is False

        # The lead returns it ("not a disclosure"): it leaves the queue, back to moderation.
        back = lead.call("return_note", {"id": note_id})
        assert back == {"ok": True, "id": note_id}
        wait_for(lambda: lead.named("item_returned"))
        assert lead.named("item_returned") == [{"id": note_id}]
        wait_for(lambda: any(d["note"]["id"] == note_id for d in console.named("note_changed")))
        [again] = [d["note"] for d in console.named("note_changed") if d["note"]["id"] == note_id]
        assert not again["held"] and again["text"] == MISSED and again["wall"] == "pending"
        assert again["pseudonym"] == writer_name and again["returned"]
        assert rows(db_path, "SELECT sg_status, sg_updated_by FROM notes WHERE id = ?",
                    (note_id,)) == [(None, "lead")]
        assert lead.call("return_note", {"id": note_id})["code"] == "not_held"
        # The facilitator may approve it again; a synthesis may use it again.
        assert console.call("approve_note", {"id": note_id})["ok"]
        wait_for(lambda: any(d["note"]["id"] == note_id for d in wall.named("note_shown")))
        flags = json.loads(rows(db_path, "SELECT flags_json FROM notes WHERE id = ?",
                                (note_id,))[0][0])
        assert flags == ["returned_by_lead"]
    finally:
        for c in clients:
            c.close()


def test_roles_are_checked_on_every_event(app, seeded, live_server):
    base = live_server.url
    console = Client(base, C, {"event": "test-cafe"}, staff_session(base, "fac"))
    writer = Client(base, P, {"event": "test-cafe"}, join_http(base, table=1))
    try:
        assert console.call("start_round")["ok"]
        sent = writer.call("submit_note", {"client_id": "roles-000001", "text": MISSED,
                                           "consent": "quote"})
        # A phone that is not its table's host cannot send notes; a phone is no lead.
        refused = writer.call("send_to_lead", {"id": sent["id"]})
        assert refused["ok"] is False and refused["code"] == "not_host"
        for event in ("return_note", "message_writer"):
            # Not a handler of these namespaces: nothing happens, no answer but a timeout.
            with pytest.raises(socketio.exceptions.TimeoutError):
                writer.sio.call(event, {"id": sent["id"], "text": "x"}, namespace=P, timeout=1)
            with pytest.raises(socketio.exceptions.TimeoutError):
                console.sio.call(event, {"id": sent["id"], "text": "x"}, namespace=C, timeout=1)
        # Staff (no console role) cannot open the console; the lead's namespace refuses them.
        with pytest.raises(socketio.exceptions.ConnectionError):
            Client(base, S, {"event": "test-cafe"}, staff_session(base, "fac"))
    finally:
        console.close()
        writer.close()


def test_dont_quote_never_reaches_the_wall_and_paraphrase_only_stays_off_it(
    app, seeded, live_server
):
    base = live_server.url
    console = Client(base, C, {"event": "test-cafe"}, staff_session(base, "fac"))
    wall = Client(base, W, {"event": "test-cafe", "token": wall_token(app)}, None)
    writer = Client(base, P, {"event": "test-cafe"}, join_http(base, table=1))
    try:
        assert console.call("start_round")["ok"]
        secret = writer.call("submit_note", {"client_id": "consent-none-1",
                                             "text": "NOQUOTE words", "consent": "none"})
        para = writer.call("submit_note", {"client_id": "consent-para-1",
                                           "text": "PARAONLY words", "consent": "paraphrase"})
        refused = console.call("approve_note", {"id": secret["id"]})
        assert refused == {
            "ok": False, "code": "consent",
            "error": "The writer asked not to be quoted or paraphrased: this note stays off the "
                     "wall and out of the host's recap.",
        }
        # "Paraphrase only" may be approved (for the host's recap) but is never shown verbatim.
        assert console.call("approve_note", {"id": para["id"]})["ok"]
        time.sleep(0.5)
        assert "NOQUOTE" not in json.dumps(wall.received)
        assert "PARAONLY" not in json.dumps(wall.received)
        late = Client(base, W, {"event": "test-cafe", "token": wall_token(app)}, None)
        try:
            wait_for(lambda: late.named("wall_state"))
            state = json.dumps(late.named("wall_state"))
            assert "NOQUOTE" not in state and "PARAONLY" not in state
        finally:
            late.close()
    finally:
        for c in (console, wall, writer):
            c.close()


def test_a_key_insight_sent_by_hand_reaches_the_lead_and_comes_back(app, seeded, live_server):
    base = live_server.url
    console = Client(base, C, {"event": "test-cafe"}, staff_session(base, "fac"))
    lead = Client(base, S, {"event": "test-cafe"}, staff_session(base, "lead"))
    host = Client(base, P, {"event": "test-cafe"}, join_http(base, table=1))
    try:
        assert console.call("start_round")["ok"]
        with app.app_context(), reading() as db:
            [host_id] = [r[0] for r in db.execute(
                "SELECT id FROM participants WHERE table_no = 1")]
        assert console.call("set_host", {"participant": host_id, "table": 1})["ok"]
        words = "Our table worries the quokka office ignores people at home"
        shared = host.call("submit_insight", {"client_id": "insight-loop-01", "text": words})
        insight_id = shared["insight"]["id"]
        assert console.call("approve_insight", {"id": insight_id})["ok"]
        ack = console.call("send_to_lead", {"id": insight_id, "kind": "insight"})
        assert ack == {"ok": True, "id": insight_id, "kind": "insight", "sent": True}
        wait_for(lambda: lead.named("item_changed"))
        [item] = [d["item"] for d in lead.named("item_changed")]
        assert item["text"] == words and item["sent_by_hand"]
        wait_for(lambda: any(d["insight"]["id"] == insight_id and d["insight"]["held"]
                             for d in console.named("insight_changed")))
        held = [d["insight"] for d in console.named("insight_changed")][-1]
        assert held["text"] == "" and held["wall"] == "hidden"
        refused = console.call("approve_insight", {"id": insight_id})
        assert refused["ok"] is False and refused["code"] == "held"
        # Returned: the copy made for the lead goes, the insight waits for approval again.
        console.received.clear()
        assert lead.call("return_note", {"id": item["id"]})["ok"]
        wait_for(lambda: any(d["insight"]["id"] == insight_id and not d["insight"]["held"]
                             for d in console.named("insight_changed")))
        back = [d["insight"] for d in console.named("insight_changed")][-1]
        assert back["text"] == words and back["wall"] == "pending" and back["flags"] == []
        assert console.call("approve_insight", {"id": insight_id})["ok"]
        copy = rows(live_server.db_path, "SELECT status, text FROM notes WHERE id = ?",
                    (item["id"],))
        assert copy == [("withdrawn", "")]
    finally:
        for c in (console, lead, host):
            c.close()
