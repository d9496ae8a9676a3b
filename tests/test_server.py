"""A real `cafe serve` (gevent) on 127.0.0.1 with real python-socketio clients."""

from __future__ import annotations

import re
import threading

import pytest
import requests
import socketio

from conftest import PASSWORD, LiveServer, free_port, rows, wait_for


def join_http(base: str, slug: str = "test-cafe", table: int = 1) -> requests.Session:
    """Join as a participant over HTTP, as the phone page does; return the session with its cookie."""
    http = requests.Session()
    page = http.get(f"{base}/e/{slug}/", timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    reply = http.post(
        f"{base}/e/{slug}/join", json={"table": table}, headers={"X-CSRFToken": token}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return http


def cookie_header(http: requests.Session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in http.cookies)}


def phone_client(base: str, http: requests.Session, slug: str = "test-cafe") -> socketio.Client:
    """Connect a participant's socket over WebSocket with the participant cookie."""
    sio = socketio.Client(reconnection=False)
    sio.connect(
        base,
        namespaces=["/participant"],
        auth={"event": slug},
        headers=cookie_header(http),
        transports=["websocket"],
        wait_timeout=10,
    )
    return sio


def console_client(base: str, received: list) -> socketio.Client:
    """Log in as the facilitator and connect the console socket, recording what it receives."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(
        f"{base}/login",
        data={"username": "fac", "password": PASSWORD, "csrf_token": token},
        timeout=10,
    )
    sio = socketio.Client(reconnection=False)
    sio.on("*", lambda event, data: received.append((event, data)), namespace="/console")
    sio.connect(
        base,
        namespaces=["/console"],
        auth={"event": "test-cafe"},
        headers=cookie_header(http),
        transports=["websocket"],
        wait_timeout=10,
    )
    return sio


def note(i: int, text: str = "Partnerships need shared decisions") -> dict:
    return {"client_id": f"real-note-{i:06d}", "text": f"{text} {i}", "consent": "quote"}


def test_serve_says_which_sqlite_mode_is_in_force(live_server):
    log = live_server.output.read_text()
    assert "SQLite 3." in log and "one writer connection per process" in log
    assert "/e/test-cafe/" in log  # the join URL is printed
    # ... and, since it is 127.0.0.1, that phones cannot open it and how to let them.
    assert f"Phones cannot open http://127.0.0.1:{live_server.port}" in log
    assert "cafe serve --lan" in log


def test_serve_does_not_flag_a_public_address(db_path, app, monkeypatch):
    monkeypatch.setenv("CAFE_PUBLIC_URL", "http://192.0.2.2:8080")
    server = LiveServer(db_path, free_port()).start()
    server.stop()
    log = server.output.read_text()
    assert "http://192.0.2.2:8080/e/test-cafe/" in log and "Phones cannot open" not in log


def test_ctrl_c_stops_the_server_quietly(live_server):
    import signal

    requests.get(f"{live_server.url}/e/test-cafe/", timeout=10).raise_for_status()
    live_server.process.send_signal(signal.SIGINT)
    assert live_server.process.wait(20) == 0
    log = live_server.output.read_text()
    assert log.rstrip().endswith("Café stopped.")
    for noise in ("Traceback", "KeyboardInterrupt", "Aborted!"):
        assert noise not in log


def test_note_travels_phone_to_console_to_wall(live_server, app):
    received: list = []
    console = console_client(live_server.url, received)
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    wall_events: list = []
    wall = socketio.Client(reconnection=False)
    wall.on("*", lambda event, data: wall_events.append((event, data)), namespace="/wall")
    wall.connect(
        live_server.url,
        namespaces=["/wall"],
        auth={"event": "test-cafe", "token": token},
        transports=["websocket"],
        wait_timeout=10,
    )
    phone = phone_client(live_server.url, join_http(live_server.url))

    ack = phone.call("submit_note", note(1), namespace="/participant", timeout=10)
    assert ack["ok"] is True
    wait_for(lambda: any(e == "note_added" for e, _ in received))
    [added] = [d for e, d in received if e == "note_added"]
    assert added["note"]["id"] == ack["id"] and added["note"]["table"] == 1
    assert not [e for e, _ in wall_events if e == "note_shown"]

    approved = console.call("approve_note", {"id": ack["id"]}, namespace="/console", timeout=10)
    assert approved["ok"] is True
    wait_for(lambda: any(e == "note_shown" for e, _ in wall_events))
    [shown] = [d for e, d in wall_events if e == "note_shown"]
    assert shown["note"]["text"] == "Partnerships need shared decisions 1"
    for client in (phone, console, wall):
        client.disconnect()


def test_acked_notes_survive_the_server_being_killed(live_server, db_path):
    phone = phone_client(live_server.url, join_http(live_server.url))
    acked = [
        phone.call("submit_note", note(i), namespace="/participant", timeout=10) for i in range(25)
    ]
    live_server.kill()  # SIGKILL straight after the last ack: no clean shutdown, no checkpoint
    assert all(a["ok"] for a in acked)
    stored = rows(db_path, "SELECT id FROM notes ORDER BY id")
    assert [r[0] for r in stored] == [a["id"] for a in acked]


def test_restarted_server_answers_a_resend_with_the_same_id(live_server, db_path):
    http = join_http(live_server.url)
    phone = phone_client(live_server.url, http)
    first = phone.call("submit_note", note(1), namespace="/participant", timeout=10)
    live_server.kill()
    restarted = LiveServer(db_path, live_server.port).start()
    try:
        again = phone_client(restarted.url, http)
        sync = again.call(
            "sync_notes",
            {"client_ids": [note(1)["client_id"], "never-arrived-1"]},
            namespace="/participant",
            timeout=10,
        )
        assert [n["id"] for n in sync["saved"]] == [first["id"]]
        resend = again.call("submit_note", note(1), namespace="/participant", timeout=10)
        assert resend["id"] == first["id"] and resend["duplicate"] is True
        assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(1,)]
        again.disconnect()
    finally:
        restarted.stop()


def test_megabyte_payload_is_dropped_and_the_server_carries_on(live_server, db_path):
    http = join_http(live_server.url)
    phone = phone_client(live_server.url, http)
    huge = {"client_id": "huge-note-0001", "text": "x" * 1_000_000, "consent": "quote"}
    with pytest.raises(socketio.exceptions.TimeoutError):
        phone.call("submit_note", huge, namespace="/participant", timeout=3)
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
    # The server is still healthy for everyone else.
    other = phone_client(live_server.url, join_http(live_server.url))
    assert other.call("submit_note", note(2), namespace="/participant", timeout=10)["ok"] is True
    other.disconnect()


def test_socket_from_another_origin_is_refused(live_server):
    http = join_http(live_server.url)
    sio = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(
            live_server.url,
            namespaces=["/participant"],
            auth={"event": "test-cafe"},
            headers={**cookie_header(http), "Origin": "http://evil.example"},
            transports=["polling"],
            wait_timeout=5,
        )
    refused = requests.get(
        f"{live_server.url}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "http://evil.example"},
        timeout=10,
    )
    assert refused.status_code == 400


def test_pages_are_served_by_the_real_server(live_server):
    page = requests.get(f"{live_server.url}/e/test-cafe/", timeout=10)
    assert page.status_code == 200 and "<title>Notes</title>" in page.text
    script = requests.get(f"{live_server.url}/static/vendor/socket.io/socket.io.min.js", timeout=10)
    assert script.status_code == 200 and "io" in script.text


def test_first_start_with_demo_makes_a_facilitator_and_the_demo_event(tmp_path):
    db = tmp_path / "first.db"
    server = LiveServer(db, free_port(), "--demo").start()
    try:
        log = server.output.read_text()
        password = re.search(r"password:\s+(\S+)", log).group(1)
        assert "user name: facilitator" in log and "/e/demo/" in log and "█" in log  # the QR code
        assert rows(db, "SELECT username, role FROM users") == [("facilitator", "facilitator")]
        assert rows(db, "SELECT slug FROM events") == [("demo",)]
        http = requests.Session()
        page = http.get(f"{server.url}/login", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        reply = http.post(
            f"{server.url}/login",
            data={"username": "facilitator", "password": password, "csrf_token": token},
            timeout=10,
        )
        assert reply.url.endswith("/console/")
        assert "Working together" in http.get(f"{server.url}/console/demo", timeout=10).text
    finally:
        server.stop()
    # A second start neither prints a new password nor duplicates anything.
    again = LiveServer(db, free_port(), "--demo").start()
    again.stop()
    assert "password:" not in again.output.read_text()
    assert rows(db, "SELECT COUNT(*) FROM users") == [(1,)]


def test_malformed_packets_are_ignored_and_store_nothing(live_server, db_path):
    import websocket

    http = join_http(live_server.url)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{live_server.port}/socket.io/?EIO=4&transport=websocket",
        header=[f"Cookie: {cookie_header(http)['Cookie']}"],
        timeout=10,
    )
    assert ws.recv().startswith("0")  # engine.io open
    ws.send('40/participant,{"event":"test-cafe"}')
    # The connect handler's `state` and the CONNECT packet, in either order.
    assert sorted(ws.recv()[:16] for _ in range(2)) == ["40/participant,{", "42/participant,["]
    for bad in (
        '42/participant,["submit_note",{"client_id": "abcdefghij", "text": "x"',
        '42/participant,["submit_note"',
        '42/participant,{"not": "an array"}',
        '42/participant,0["submit_note",{"client_id":"abcdefghij","text":"x","consent":"quote"}]',
    ):
        try:
            ws.send(bad)
        except OSError:
            break
    ws.close()
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
    other = phone_client(live_server.url, join_http(live_server.url))
    assert other.call("submit_note", note(3), namespace="/participant", timeout=10)["ok"] is True
    other.disconnect()


def test_disabling_a_user_from_the_command_line_cuts_off_their_console(live_server, db_path):
    import os
    import subprocess
    import sys

    received: list = []
    console = console_client(live_server.url, received)
    gone = threading.Event()
    console.on("disconnect", gone.set, namespace="/console")
    subprocess.run(
        [sys.executable, "-m", "cafe", "user", "disable", "fac"],
        check=True,
        env={**os.environ, "CAFE_DB": str(db_path)},
        capture_output=True,
    )
    assert gone.wait(20), "the console stayed connected after its account was disabled"


def test_no_note_text_reaches_the_server_log(live_server):
    canary = "Canary-41b2 zebra whispers"
    phone = phone_client(live_server.url, join_http(live_server.url))
    calls = [
        {"client_id": "canary-0001", "text": canary, "consent": "quote"},
        {"client_id": "canary-0002", "text": canary + " x" * 1200, "consent": "quote"},  # too long
        {"client_id": "canary-0003", "text": canary + "\x07", "consent": "quote"},  # control char
        {"client_id": "bad id!", "text": canary, "consent": "quote"},
        {"client_id": "canary-0004", "text": f"My husband hit me, {canary}", "consent": "none"},
    ]
    for payload in calls:
        phone.call("submit_note", payload, namespace="/participant", timeout=10)
    phone.call(
        "edit_note",
        {"id": 1, "text": canary + " edited", "consent": "quote"},
        namespace="/participant",
        timeout=10,
    )
    phone.call("edit_note", {"id": "nope", "text": canary}, namespace="/participant", timeout=10)
    phone.call("withdraw_note", {"id": 1}, namespace="/participant", timeout=10)
    phone.disconnect()
    live_server.stop()
    log = live_server.output.read_text()
    assert "Serving on" in log  # the log was captured
    assert "Canary-41b2" not in log and "zebra" not in log


def test_refusals_reach_the_phone_with_their_reason(live_server):
    reasons: list = []
    sio = socketio.Client(reconnection=False)
    sio.on("connect_error", reasons.append, namespace="/participant")
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(
            live_server.url,
            namespaces=["/participant"],
            auth={"event": "test-cafe"},
            transports=["websocket"],
            wait_timeout=5,
        )
    # The phone needs both: the words to show, and the code that sends it back to the notice.
    assert reasons == [{"message": "Join the café first.", "data": {"code": "join"}}]
