"""Issue 19, against a real `cafe serve`: nothing left behind after purge, withdrawal or edit;
nothing forged; floods, disabled accounts and bad inputs answered without server errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import requests
from test_server import join_http, phone_client
from test_workspace import event, synthesize  # noqa: F401 - fixture

from cafe import queries
from cafe.actions import NoteDraft, do_join_event, do_submit_note
from cafe.actions import synthesis as ws
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
                      http.get(f"{base}/login", timeout=10).text).group(1)
    reply = http.post(f"{base}/login", timeout=10, allow_redirects=False,
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
        ws.do_set_pinned(event, "staffer", quote_id, True)
    server = LiveServer(db_path, free_port()).start()
    try:
        staff = staff_session(server.url)
        page = staff.get(f"{server.url}/briefings/test-cafe", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        made = staff.post(f"{server.url}/briefings/test-cafe/drafts", timeout=30,
                          data={"kind": "all", "csrf_token": token}, allow_redirects=False)
        assert made.status_code == 303, made.text
        draft_url = server.url + made.headers["Location"] if made.headers["Location"].startswith(
            "/") else made.headers["Location"]
        assert QUOTE in staff.get(draft_url, timeout=10).text
        for column in ("markdown", "generated_markdown", "source_json"):
            assert QUOTE in rows(db_path, f"SELECT {column} FROM briefing_drafts")[0][0]  # noqa: S608
        assert QUOTE in rows(db_path, "SELECT markdown FROM briefing_versions")[0][0]

        done = cafe_cli(db_path, "purge", "test-cafe", "--yes")
        assert done.returncode == 0, done.stderr
        assert staff.get(draft_url, timeout=10).status_code == 404
        listing = staff.get(f"{server.url}/briefings/test-cafe", timeout=10)
        assert QUOTE not in listing.text
        assert QUOTE not in staff.get(f"{server.url}/workspace/test-cafe", timeout=10).text
    finally:
        server.stop()
    for table in ("briefing_drafts", "briefing_versions", "themes", "synthesis_runs",
                  "synthesis_audit", "synthesis_clouds", "note_embeddings", "theme_notes"):
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
                               namespace="/participant", timeout=10)
            assert reply["ok"], reply
            ids[key] = reply["note"]["id"]
        data = database_bytes(db_path)
        assert all(text.encode() in data for text in words.values())
        edited = phone.call("edit_note", {"id": ids["edit"], "text": "Something else entirely",
                                          "consent": "quote"}, namespace="/participant",
                            timeout=10)
        assert edited["ok"], edited
        withdrawn = phone.call("withdraw_note", {"id": ids["gone"]}, namespace="/participant",
                               timeout=10)
        assert withdrawn["ok"], withdrawn
        # Within moments (one checkpoint shared by both), neither old text is in any file.
        wait_for(lambda: not any(words[k].encode() in database_bytes(db_path)
                                 for k in ("edit", "gone")), timeout=5)
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
                              namespace="/participant", timeout=10)

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
            done = console.call(action, payload, namespace="/console", timeout=10)
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
                          timeout=10)["ok"]
        assert submit("offline-0001", table=1, round=1)["ok"]
        assert submit("now-000001", table=2, round=2)["ok"]
        assert submit("forged-r1t2", table=2, round=1)["code"] == "placement"
        assert submit("forged-r2t1", table=1, round=2)["code"] == "placement"
    finally:
        phone.disconnect()
    assert rows(db_path, "SELECT client_id, table_no, round_no FROM notes ORDER BY id") == [
        ("honest-0001", 1, 1), ("honest-0002", 1, 1), ("break-0001", 1, 1), ("offline-0001", 1, 1),
        ("now-000001", 2, 2)]
