"""Issue 19, against a real `cafe serve`: nothing left behind after purge, withdrawal or edit;
nothing forged; floods, disabled accounts and bad inputs answered without server errors."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from test_server import join_http, phone_client
from test_workspace import event, synthesize  # noqa: F401 - fixture

from cafe import queries
from cafe.actions import NoteDraft, do_join_event, do_submit_note
from cafe.actions.synthesis.edits import do_set_pinned
from cafe.db import reading
from conftest import PASSWORD, LiveServer, free_port, rows, wait_for

QUOTE = "Housing waiting lists for refuge leavers Quokka7731 never shorten"
TOKEN = b"Quokka7731"


def database_bytes(db_path: Path) -> bytes:
    """Return every byte SQLite keeps for this database: the main file, -wal and -shm."""
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*")
                    if not p.name.endswith("-writelock"))


def staff_session(base: str, username: str = "staffer") -> requests.Session:
    http = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      http.get(f"{base}/login", timeout=30).text).group(1)
    reply = http.post(f"{base}/login", timeout=30, allow_redirects=False,
                      data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 303, reply.text
    return http


def cafe_cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `python -m cafe ARGS` in another process on the same database."""
    return subprocess.run([sys.executable, "-m", "cafe", *args], capture_output=True, text=True,
                          env={**os.environ, "CAFE_DB": str(db_path)}, timeout=120)


# ---- 1. purge leaves no copy of a note's words ---------------------------------------------------


def test_purge_removes_quotes_from_drafts_versions_results_and_the_wal(app, event, db_path):  # noqa: F811
    with app.app_context():
        with reading() as db:
            current = queries.event_by_slug(db, "test-cafe")
        writer, _ = do_join_event(current, table_no=1)
        do_submit_note(current, writer, NoteDraft("note-quokka", QUOTE, "quote"))
    synthesize(app, event)
    quote_id = rows(db_path, "SELECT id FROM notes WHERE text = ?", (QUOTE,))[0][0]
    with app.app_context():
        do_set_pinned(event, "staffer", quote_id, True)
    server = LiveServer(db_path, free_port()).start()
    try:
        staff = staff_session(server.url)
        page = staff.get(f"{server.url}/briefings/test-cafe", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        made = staff.post(f"{server.url}/briefings/test-cafe/drafts", timeout=30,
                          data={"kind": "all", "csrf_token": token}, allow_redirects=False)
        assert made.status_code == 303, made.text
        draft_url = server.url + made.headers["Location"] if made.headers["Location"].startswith(
            "/") else made.headers["Location"]
        assert QUOTE in staff.get(draft_url, timeout=30).text
        for column in ("markdown", "generated_markdown", "source_json"):
            assert QUOTE in rows(db_path, f"SELECT {column} FROM briefing_drafts")[0][0]  # noqa: S608
        assert QUOTE in rows(db_path, "SELECT markdown FROM briefing_versions")[0][0]

        done = cafe_cli(db_path, "purge", "test-cafe", "--yes")
        assert done.returncode == 0, done.stderr
        assert staff.get(draft_url, timeout=30).status_code == 404
        listing = staff.get(f"{server.url}/briefings/test-cafe", timeout=30)
        assert QUOTE not in listing.text
        assert QUOTE not in staff.get(f"{server.url}/workspace/test-cafe", timeout=30).text
    finally:
        server.stop()
    for table in ("briefing_drafts", "briefing_versions", "themes", "synthesis_runs",
                  "synthesis_audit", "synthesis_clouds", "note_embeddings", "note_text_embeddings",
                  "theme_notes"):
        assert rows(db_path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table  # noqa: S608
    data = database_bytes(db_path)
    assert QUOTE.encode() not in data and TOKEN not in data


# ---- 2. withdrawn and edited-away text is erased from the WAL at once ----------------------------


def test_withdrawn_and_edited_text_leaves_db_wal_and_shm_at_once(live_server, db_path):
    phone = phone_client(live_server.url, join_http(live_server.url))
    try:
        words = {"edit": "Canary-e1d1 the heron kept it", "gone": "Canary-w1d2 the robin took it",
                 "keep": "Canary-k3p3 the lark stays"}
        ids = {}
        for key, text in words.items():
            reply = phone.call("submit_note", {"client_id": f"erase-{key}-0001", "text": text,
                                               "consent": "quote"},
                               namespace="/participant", timeout=30)
            assert reply["ok"], reply
            ids[key] = reply["note"]["id"]
        data = database_bytes(db_path)
        assert all(text.encode() in data for text in words.values())
        edited = phone.call("edit_note", {"id": ids["edit"], "text": "Something else entirely",
                                          "consent": "quote"}, namespace="/participant",
                            timeout=30)
        assert edited["ok"], edited
        withdrawn = phone.call("withdraw_note", {"id": ids["gone"]}, namespace="/participant",
                               timeout=30)
        assert withdrawn["ok"], withdrawn
        # Within moments (one checkpoint shared by both), neither old text is in any file.
        wait_for(lambda: not any(words[k].encode() in database_bytes(db_path)
                                 for k in ("edit", "gone")), timeout=15)
        data = database_bytes(db_path)
        assert words["keep"].encode() in data and b"Something else entirely" in data
        assert Path(f"{db_path}-wal").stat().st_size < 64 * 1024
    finally:
        phone.disconnect()


# ---- 3. a note's table and round cannot be forged -------------------------------------------------


def test_a_forged_table_or_round_is_refused_and_a_late_offline_note_keeps_its_place(
    live_server, db_path
):
    from test_server import console_client

    phone = phone_client(live_server.url, join_http(live_server.url, table=1))
    try:
        def submit(client_id: str, **claim) -> dict:
            return phone.call("submit_note", {"client_id": client_id, "text": "Shared budgets",
                                              "consent": "quote", **claim},
                              namespace="/participant", timeout=30)

        for claim, code in (({"table": 2, "round": 2}, "placement"),
                            ({"table": 2}, "placement"),
                            ({"round": 2}, "placement"),
                            ({"table": 1, "round": 2}, "placement")):
            reply = submit(f"forged-{len(claim)}-{claim.get('table', 0)}-{claim.get('round', 0)}",
                           **claim)
            assert not reply["ok"] and reply["code"] == code, (claim, reply)
        assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
        console = console_client(live_server.url, [])

        def act(action: str, **payload) -> None:
            done = console.call(action, payload, namespace="/console", timeout=30)
            assert done["ok"], (action, done)

        try:
            act("start_round")
            assert submit("honest-0001", table=1, round=1)["ok"]
            assert submit("honest-0002")["ok"]
            # Round 1 ends (a note written in the break belongs to it) and round 2 starts; the
            # phone moves to table 2. A note written at table 1 in round 1 and sent late keeps
            # that place; claiming table 2 for round 1 is refused.
            act("end_round")
            assert submit("break-0001", table=1, round=1)["ok"]
            act("start_round")
        finally:
            console.disconnect()
        assert phone.call("choose_table", {"table": 2}, namespace="/participant",
                          timeout=30)["ok"]
        assert submit("offline-0001", table=1, round=1)["ok"]
        assert submit("now-000001", table=2, round=2)["ok"]
        assert submit("forged-r1t2", table=2, round=1)["code"] == "placement"
        assert submit("forged-r2t1", table=1, round=2)["code"] == "placement"
    finally:
        phone.disconnect()
    assert rows(db_path, "SELECT client_id, table_no, round_no FROM notes ORDER BY id") == [
        ("honest-0001", 1, 1), ("honest-0002", 1, 1), ("break-0001", 1, 1), ("offline-0001", 1, 1),
        ("now-000001", 2, 2)]


# ---- 6. bad input gets a refusal, never a server error or a traceback ----------------------------

BIG = 2**63


def test_bad_inputs_are_refused_without_a_server_error_or_traceback(app, db_path):
    import socketio
    from test_server import console_client, cookie_header

    from cafe.actions import do_create_user

    with app.app_context():
        do_create_user("boss", PASSWORD, "admin")
    server = LiveServer(db_path, free_port()).start()
    base = server.url
    try:
        # Joining with a table number SQLite cannot hold.
        page = requests.Session()
        token = re.search(r'name="csrf-token" content="([^"]+)"',
                          page.get(f"{base}/e/test-cafe/", timeout=30).text).group(1)
        for table in (BIG, 2**64, -(2**63) - 1):
            reply = page.post(f"{base}/e/test-cafe/join", json={"table": table},
                              headers={"X-CSRFToken": token}, timeout=30)
            assert reply.status_code == 400 and reply.json()["code"] == "bad_input", reply.text
        reply = page.post(f"{base}/e/test-cafe/join", json={"table": [[[[1]]]] * 2 + ["\ud800"]},
                          headers={"X-CSRFToken": token}, timeout=30)
        assert reply.status_code == 400
        # Every route with an id in its address: not found, not a server error.
        admin = staff_session(base, "boss")
        for path in (f"/briefings/test-cafe/drafts/{BIG}", f"/briefings/test-cafe/drafts/{BIG}/print",
                     f"/briefings/test-cafe/drafts/{BIG}/versions/1",
                     f"/briefings/test-cafe/drafts/1/versions/{BIG}",
                     f"/briefings/test-cafe/drafts/{BIG}/export.md",
                     f"/briefings/test-cafe/drafts/{BIG}/regenerate",
                     f"/briefings/test-cafe/drafts/{BIG}/delete",
                     f"/workspace/test-cafe/theme/{BIG}", f"/workspace/test-cafe/theme/{BIG}/cloud.png",
                     f"/console/test-cafe/print/host/{BIG}/qr.svg", f"/e/test-cafe/t/{BIG}",
                     f"/e/test-cafe/t/{BIG}/qr.svg", f"/e/test-cafe/t/{2**70}"):
            assert admin.get(base + path, timeout=30).status_code == 404, path
        # Workspace actions with ids past 2^63: refused, nothing changed.
        ws_token = re.search(r'name="csrf_token" value="([^"]+)"',
                             admin.get(f"{base}/workspace/test-cafe", timeout=30).text).group(1)
        for action, data in (("rename", {"theme": BIG, "label": "x"}), ("lock", {"theme": BIG}),
                             ("unlock", {"theme": BIG}), ("split", {"theme": BIG}),
                             ("merge", {"theme": [BIG, BIG + 1]}),
                             ("move", {"note": BIG, "theme": BIG}), ("exclude", {"note": BIG}),
                             ("include", {"note": BIG}), ("pin", {"note": BIG}),
                             ("unpin", {"note": BIG}), ("cancel", {"run": BIG}),
                             ("undo", {"entry": BIG}), ("run", {"round": BIG, "table": BIG})):
            reply = admin.post(f"{base}/workspace/test-cafe/do/{action}", timeout=30,
                               data={"csrf_token": ws_token, **data}, allow_redirects=False)
            assert reply.status_code in (303, 400), (action, reply.status_code)
        assert rows(db_path, "SELECT COUNT(*) FROM synthesis_audit") == [(0,)]
        # A plan nested thousands deep: the form says what is wrong.
        new_token = re.search(r'name="csrf_token" value="([^"]+)"',
                              admin.get(f"{base}/events/new", timeout=30).text).group(1)
        deep = "x = " + "[" * 20000 + "]" * 20000 + "\n"
        reply = admin.post(f"{base}/events/new", timeout=30, data={
            "csrf_token": new_token, "source": "own", "text": deep, "slug": "deep"})
        assert reply.status_code == 400 and "nested too deeply" in reply.text

        # Sockets: a lone surrogate in the connect auth, a superscript outbox key.
        for auth, code in (({"event": "\ud800"}, "bad_input"),
                           ({"event": "test-cafe", "token": "\udfff"}, "bad_input"),
                           ({"event": "test-cafe", "outbox_key": "\u00b9\u00b2.abc"}, "join")):
            reasons: list = []
            sio = socketio.Client(reconnection=False)
            sio.on("connect_error", reasons.append, namespace="/participant")
            try:
                sio.connect(base, namespaces=["/participant"], auth=auth,
                            transports=["websocket"], wait_timeout=5)
            except socketio.exceptions.ConnectionError:
                pass
            assert reasons and reasons[0]["data"]["code"] == code, (auth, reasons)
        # Every id of every socket event, at and past 2^63; surrogates in a host key.
        joined = join_http(base)
        phone = phone_client(base, joined)
        participant_calls = [
            ("submit_note", {"client_id": "big-table-01", "text": "x", "consent": "quote",
                             "table": BIG}),
            ("submit_note", {"client_id": "big-round-01", "text": "x", "consent": "quote",
                             "round": BIG}),
            ("edit_note", {"id": BIG, "text": "x", "consent": "quote"}),
            ("withdraw_note", {"id": BIG}), ("choose_table", {"table": BIG}),
            ("claim_host", {"table": BIG, "key": "x"}), ("claim_host", {"table": 1, "key": "\ud800"}),
            ("set_host_label", {"label": "\ud800"}),
            ("set_dots", {"insight": BIG, "dots": 1}), ("set_dots", {"insight": 1, "dots": BIG}),
            ("submit_insight", {"client_id": "big-insight-1", "text": "x", "table": BIG}),
            ("sync_notes", {"client_ids": ["\udc80" * 8]}),
            ("submit_note", {"client_id": "deep-nest-01", "text": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
                "x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "consent": "quote"}),
        ]
        for event_name, payload in participant_calls:
            ack = phone.call(event_name, payload, namespace="/participant", timeout=30)
            assert ack["ok"] is False and ack["code"] == "bad_input", (event_name, ack)
        phone.disconnect()
        console = console_client(base, [])
        for event_name, payload in (
            ("approve_note", {"id": BIG}), ("hide_note", {"id": BIG}), ("redact_note", {"id": BIG}),
            ("approve_insight", {"id": BIG}), ("hide_insight", {"id": BIG}),
            ("redact_insight", {"id": BIG}), ("set_host", {"participant": BIG, "table": 1}),
            ("set_host", {"participant": 1, "table": BIG}), ("mark_left", {"participant": BIG}),
            ("set_host_by", {"table": BIG, "by": "seat"}),
            ("mark_back", {"participant": BIG}), ("start_round", {"round": BIG}),
            ("extend_round", {"minutes": BIG}), ("send_message", {"message": "\ud800"}),
        ):
            ack = console.call(event_name, payload, namespace="/console", timeout=30)
            assert ack["ok"] is False and ack["code"] == "bad_input", (event_name, ack)
        console.disconnect()

        # Raw long-polling: a packet nested 20,000 deep, and a body of more packets than
        # Engine.IO decodes.
        poll = requests.Session()
        poll.cookies.update(joined.cookies)
        url = f"{base}/socket.io/?EIO=4&transport=polling"
        sid = re.search(r'"sid":"([^"]+)"', poll.get(url, timeout=30).text).group(1)
        at = f"{url}&sid={sid}"
        assert poll.post(at, data='40/participant,{"event":"test-cafe"}', timeout=30).ok
        assert "40/participant" in poll.get(at, timeout=30).text
        nested = '42/participant,1["submit_note",' + "[" * 20000 + "]" * 20000 + "]"
        poll.post(at, data=nested, timeout=30)
        sid = re.search(r'"sid":"([^"]+)"', poll.get(url, timeout=30).text).group(1)
        packed = "\x1e".join(["40/participant,{}"] + ["3"] * 40)
        reply = poll.post(f"{url}&sid={sid}", data=packed, timeout=30)
        assert reply.status_code == 400
        assert cookie_header(joined)  # the phone's pass was usable throughout
    finally:
        server.stop()
    log = server.output.read_text()
    assert "Traceback" not in log, log[-3000:]
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]


# ---- 5. a disabled account's sockets close at once ------------------------------------------------


def lead_socket(base: str, username: str, received: list):
    import socketio
    from test_server import cookie_header

    http = staff_session(base, username)
    sio = socketio.Client(reconnection=False)
    sio.on("*", lambda name, data: received.append(
        (name, data.get("item", {}).get("id") if isinstance(data, dict) else None)),
        namespace="/safeguarding")
    sio.connect(base, namespaces=["/safeguarding"], auth={"event": "test-cafe"},
                headers=cookie_header(http), transports=["websocket"], wait_timeout=30)
    return sio


def test_a_disabled_lead_is_cut_off_before_the_next_disclosure(app, db_path):
    import threading

    from cafe.actions import do_create_user

    with app.app_context():
        do_create_user("boss", PASSWORD, "admin")
        for name in ("lead", "lead2", "lead3"):
            do_create_user(name, PASSWORD, "safeguarding")
    server = LiveServer(db_path, free_port()).start()
    try:
        phone = phone_client(server.url, join_http(server.url))
        seen: dict[str, list] = {"lead": [], "lead2": [], "lead3": []}
        leads = {name: lead_socket(server.url, name, got) for name, got in seen.items()}
        gone = {name: threading.Event() for name in leads}
        for name, sio in leads.items():
            sio.on("disconnect", gone[name].set, namespace="/safeguarding")

        def disclose(client_id: str) -> int:
            reply = phone.call("submit_note", {"client_id": client_id, "consent": "quote",
                                               "text": "My husband hits me and I am scared"},
                               namespace="/participant", timeout=30)
            assert reply["ok"], reply
            return reply["id"]

        def items(name: str) -> set:
            return {note for kind, note in seen[name] if kind == "item_changed"}

        first = disclose("disclose-0001")
        wait_for(lambda: all(first in items(name) for name in seen), timeout=30)
        # From the command line, in another process; the next disclosure follows at once.
        done = cafe_cli(db_path, "user", "disable", "lead")
        assert done.returncode == 0, done.stderr
        second = disclose("disclose-0002")
        wait_for(lambda: second in items("lead3"), timeout=30)
        assert gone["lead"].wait(10) and second not in items("lead")
        # From the accounts page (an admin in the browser): a new password, likewise.
        admin = staff_session(server.url, "boss")
        page = admin.get(f"{server.url}/accounts", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        lead2 = rows(db_path, "SELECT id FROM users WHERE username = 'lead2'")[0][0]
        reply = admin.post(f"{server.url}/accounts/{lead2}/password", timeout=30,
                           data={"csrf_token": token})
        assert reply.status_code == 200
        third = disclose("disclose-0003")
        wait_for(lambda: third in items("lead3"), timeout=30)
        assert gone["lead2"].wait(10) and third not in items("lead2")
        assert not gone["lead3"].is_set()
        for sio in (phone, leads["lead3"]):
            sio.disconnect()
    finally:
        server.stop()


# ---- 4. floods by re-joining ----------------------------------------------------------------------


class FromAddress(requests.adapters.HTTPAdapter):
    """Send requests from another loopback address (127.0.0.2: another phone's network)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def joiner(base: str, address: str = "127.0.0.1") -> tuple[requests.Session, str]:
    http = requests.Session()
    if address != "127.0.0.1":
        http.mount("http://", FromAddress(address))
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      http.get(f"{base}/e/test-cafe/", timeout=30).text).group(1)
    return http, token


def join_once(base: str, http: requests.Session, token: str) -> requests.Response:
    """Join as a new phone would (no pass cookie) through the same network address."""
    http.cookies.pop("cafe_p_test-cafe", None)
    return http.post(f"{base}/e/test-cafe/join", json={"table": 1},
                     headers={"X-CSRFToken": token}, timeout=30)


def test_a_venue_joins_from_one_address_but_rejoining_floods_are_cut(app, db_path, monkeypatch):
    import time

    from cafe.settings import setting

    burst = setting("JOIN_BURST")
    # The default burst; a slow refill (6 a minute) so a loaded machine's slowness does not
    # refill the bucket while the test joins.
    monkeypatch.setenv("CAFE_JOINS_PER_MINUTE", "6")
    server = LiveServer(db_path, free_port()).start()
    base = server.url
    try:
        venue, token = joiner(base)
        # A venue behind one NAT address: the whole burst joins at once.
        statuses = []
        while len(statuses) < burst + 100:
            statuses.append(join_once(base, venue, token).status_code)
            if statuses[-1] != 200:
                break
        joined = statuses.count(200)
        assert joined >= burst and statuses[-1] == 429, (joined, statuses[-1])
        # Past it, a join is refused with the seconds to wait, which the phone waits by itself.
        refused = join_once(base, venue, token)
        assert refused.status_code == 429 and refused.json()["code"] == "busy"
        wait = refused.json()["retry_after"]
        assert wait >= 1 and refused.headers["Retry-After"] == str(wait)
        # Another network is not held up.
        other, other_token = joiner(base, "127.0.0.2")
        assert join_once(base, other, other_token).status_code == 200
        # Waiting as told lets the next phone of the venue in.
        time.sleep(wait)
        assert join_once(base, venue, token).status_code == 200
        assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(joined + 2,)]
    finally:
        server.stop()


def test_notes_are_capped_per_address_across_fresh_passes(app, db_path, monkeypatch):
    from cafe.settings import setting

    cap = setting("ADDRESS_NOTE_BURST")
    monkeypatch.setenv("CAFE_ADDRESS_NOTES_PER_MINUTE", "1")  # the burst alone, on a slow machine
    server = LiveServer(db_path, free_port()).start()
    try:
        notes_capped(server.url, db_path, cap)
    finally:
        server.stop()


def notes_capped(base: str, db_path: Path, cap: int) -> None:
    passes = [phone_client(base, join_http(base)) for _ in range(5)]
    acks = []
    for i in range(cap + 20):  # five passes, each well within its own limit of 30 at once
        phone = passes[i % 5]
        acks.append(phone.call("submit_note", {"client_id": f"flood-{i:06d}", "text": f"Flood {i}",
                                               "consent": "quote"},
                               namespace="/participant", timeout=30))
    assert [a["ok"] for a in acks[:cap]] == [True] * cap
    assert all(a["code"] == "slow_down" for a in acks[cap:]), acks[cap:]
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(cap,)]
    # A phone on another network is answered as usual.
    other = requests.Session()
    other.mount("http://", FromAddress("127.0.0.2"))
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      other.get(f"{base}/e/test-cafe/", timeout=30).text).group(1)
    assert other.post(f"{base}/e/test-cafe/join", json={"table": 1},
                      headers={"X-CSRFToken": token}, timeout=30).ok
    import socketio
    from test_server import cookie_header

    phone = socketio.Client(reconnection=False, http_session=other)
    phone.connect(base, namespaces=["/participant"], auth={"event": "test-cafe"},
                  headers=cookie_header(other), transports=["polling"], wait_timeout=30)
    assert phone.call("submit_note", {"client_id": "other-net-01", "text": "Hello",
                                      "consent": "quote"}, namespace="/participant",
                      timeout=30)["ok"]
    for sio in [*passes, phone]:
        sio.disconnect()


# ---- 7. hidden rounds cannot be read off note ids -------------------------------------------------


def test_exported_rows_with_a_hidden_cell_carry_no_note_id_or_order(app, db_path):
    import csv
    import io
    import json

    from briefing_data import insert_notes, pipeline_result

    from cafe.actions.briefing import do_create_draft
    from cafe.briefing import Selection

    stored = insert_notes(app)
    result, source = pipeline_result(app)
    with app.app_context():
        draft = do_create_draft(stored["event"], source, result, Selection(), "staffer")
    ids = {str(i) for (i,) in rows(db_path, "SELECT id FROM notes")}
    server = LiveServer(db_path, free_port()).start()
    try:
        staff = staff_session(server.url)
        at = f"{server.url}/briefings/test-cafe/drafts/{draft}"
        table = list(csv.DictReader(io.StringIO(
            staff.get(f"{at}/export.csv", timeout=30).content.decode("utf-8-sig"))))
        data = json.loads(staff.get(f"{at}/export.json", timeout=30).content)
    finally:
        server.stop()
    hidden = [r for r in table if r["hidden"]]
    assert hidden, "the data must hide some cells for this test to mean anything"
    for row in hidden:
        assert row["note_id"] not in ids and not row["note_id"].isdigit()
    # They come last, in an order of their own, not the notes' order.
    assert table[-len(hidden):] == hidden
    assert [r["note_id"] for r in hidden] == sorted(r["note_id"] for r in hidden)
    assert [str(n["note_id"]) for n in data["notes"]] == [r["note_id"] for r in table]


# ---- 8. sessions expire, the login throttle survives a restart, host links, outbox acks ----------


def test_staff_sessions_expire_when_idle_and_at_their_absolute_limit(live_server, db_path):
    from datetime import UTC, datetime, timedelta

    def ago(**delta) -> str:
        when = datetime.now(UTC) - timedelta(**delta)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def console_status(http) -> int:
        return http.get(f"{live_server.url}/console/", timeout=30,
                        allow_redirects=False).status_code

    idle = staff_session(live_server.url, "fac")
    old = staff_session(live_server.url, "fac")
    fresh = staff_session(live_server.url, "fac")
    assert {console_status(h) for h in (idle, old, fresh)} == {200}
    sessions = [r[0] for r in rows(db_path, "SELECT id FROM user_sessions ORDER BY created_at")]
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE user_sessions SET created_at = ?, last_seen_at = ? WHERE id = ?",
                     [ago(hours=9), ago(hours=8, minutes=1), sessions[0]])  # idle 8 h
        conn.execute("UPDATE user_sessions SET created_at = ?, last_seen_at = ? WHERE id = ?",
                     [ago(hours=73), ago(minutes=1), sessions[1]])  # used, but 3 days old
    conn.close()
    assert console_status(idle) == 302 and console_status(old) == 302
    assert console_status(fresh) == 200


def test_the_login_throttle_survives_a_restart(app, db_path):
    server = LiveServer(db_path, free_port()).start()

    def attempt(base: str, password: str) -> int:
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          http.get(f"{base}/login", timeout=30).text).group(1)
        return http.post(f"{base}/login", timeout=30, allow_redirects=False, data={
            "username": "fac", "password": password, "csrf_token": token}).status_code

    try:
        assert [attempt(server.url, "wrong password!") for _ in range(5)] == [401] * 5
        assert attempt(server.url, PASSWORD) == 429
    finally:
        server.stop()
    again = LiveServer(db_path, free_port()).start()
    try:
        assert attempt(again.url, PASSWORD) == 429  # the restart forgot nothing
    finally:
        again.stop()


def test_a_host_link_cannot_be_made_from_the_wall_address(live_server, db_path):
    import hashlib
    import hmac

    [(event_id, wall_token, host_token)] = rows(
        db_path, "SELECT id, wall_token, host_token FROM events")
    assert host_token and host_token != wall_token
    from_wall = hmac.new(wall_token.encode(), f"host:{event_id}:1".encode(),
                         hashlib.sha256).hexdigest()[:20]
    phone = phone_client(live_server.url, join_http(live_server.url))
    try:
        refused = phone.call("claim_host", {"table": 1, "key": from_wall},
                             namespace="/participant", timeout=30)
        assert refused["ok"] is False
        from cafe.actions.host_briefing import host_key

        real = host_key({"id": event_id, "host_token": host_token}, 1)
        assert phone.call("claim_host", {"table": 1, "key": real}, namespace="/participant",
                          timeout=30)["ok"]
    finally:
        phone.disconnect()


def test_the_send_only_outbox_key_gets_ids_back_never_words(live_server):
    import socketio
    from test_server import cookie_header

    joined = join_http(live_server.url)
    got: list = []
    phone = socketio.Client(reconnection=False)
    phone.on("state", got.append, namespace="/participant")
    phone.connect(live_server.url, namespaces=["/participant"], auth={"event": "test-cafe"},
                  headers=cookie_header(joined), transports=["websocket"], wait_timeout=30)
    words = "Canary-0b0x what I wrote before Exit"
    try:
        wait_for(lambda: got, timeout=30)
        assert phone.call("submit_note", {"client_id": "before-exit-01", "text": words,
                                          "consent": "quote"}, namespace="/participant",
                          timeout=30)["ok"]
    finally:
        phone.disconnect()
    # Whoever holds the send-only key (the phone after "Exit this page") learns ids, not words.
    sender = socketio.Client(reconnection=False)
    sender.connect(live_server.url, namespaces=["/participant"],
                   auth={"event": "test-cafe", "outbox_key": got[0]["outbox_key"]},
                   transports=["websocket"], wait_timeout=30)
    try:
        ack = sender.call("submit_note", {"client_id": "before-exit-01", "text": "anything",
                                          "consent": "quote"}, namespace="/participant",
                          timeout=30)
        assert ack["ok"] and ack["duplicate"]
        assert set(ack) == {"ok", "id", "client_id", "duplicate"} and words not in str(ack)
    finally:
        sender.disconnect()


def test_https_on_the_lan_with_a_certificate_made_here(app, db_path):
    import pytest

    from cafe.tls import fingerprint

    port = free_port()
    server = LiveServer(db_path, port, "--https").start()
    try:
        cert = db_path.parent / "cafe-lan.crt"
        wait_for(lambda: "Serving on https://" in server.output.read_text(), timeout=30)
        assert fingerprint(cert) in server.output.read_text()
        assert oct((db_path.parent / "cafe-lan.key").stat().st_mode & 0o777) == "0o600"
        base = f"https://127.0.0.1:{port}"
        http = requests.Session()
        trust = str(cert)  # the certificate verifies for this address
        page = http.get(f"{base}/login", timeout=30, verify=trust)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        reply = http.post(f"{base}/login", allow_redirects=False, timeout=30, verify=trust,
                          headers={"Referer": f"{base}/login"},
                          data={"username": "fac", "password": PASSWORD, "csrf_token": token})
        assert reply.status_code == 303
        assert "Secure" in reply.headers["Set-Cookie"]
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)  # no plain HTTP
    finally:
        server.stop()
    assert "Traceback" not in server.output.read_text()
