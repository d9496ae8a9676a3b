"""The live-load benchmark: a small real run, and its lean client checked against python-socketio.

bench/live_load.py drives thousands of phones with bench/lean_client.py, a hand-written client of the
Socket.IO v5 / Engine.IO v4 wire protocol. Its figures mean something only if that client sees what a
real client sees, so the same script runs through the official python-socketio client and through the
lean one against the same real server, and the acks and events must match.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
import socketio

from conftest import PASSWORD, LiveServer, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from lean_client import ConnectRefused, LeanSocket  # noqa: E402
from live_load import REQUIRED_KEYS, plan_toml  # noqa: E402

SLUG = "test-cafe"


@pytest.fixture
def load_server(app, db_path: Path, tmp_path: Path):
    """A real `cafe serve` on the fixture database, plus an event 'load' with 4 tables."""
    from cafe.actions import do_create_event
    from cafe.plans import load_plan

    plan = tmp_path / "load.toml"
    plan.write_text(plan_toml("load", tables=4, rounds=3))
    with app.app_context():
        do_create_event(load_plan(plan))
    server = LiveServer(db_path, free_port()).start()
    yield server
    server.stop()


def run_live_load(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "live_load.py"), *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


SMALL_RUN = ("--clients", "20", "--rate", "20", "--duration", "2", "--round-every", "1")


def check_small_run(result: dict) -> None:
    assert set(REQUIRED_KEYS) <= result.keys()
    assert result["clients"] == result["connected"] == 20
    assert result["sent"] > 0
    assert result["refused"] == 0 and result["unacked"] == 0
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    assert result["id_mismatch"] == 0
    assert result["acked"] == result["saved"] == result["sent"]
    assert result["delivered"] == result["acked"]  # every note reached the console
    assert result["round_changes"] >= 2 and result["fanout_missing"] == 0
    assert result["server_rss_mb"] > 0 and result["server_cpu_pct"] is not None
    assert "live_load.py" in result["command"]


def test_small_run_against_a_server_the_test_started(load_server, db_path):
    result = run_live_load(
        *SMALL_RUN,
        "--url", load_server.url,
        "--db", str(db_path),
        "--slug", "load",
        "--user", "fac",
        "--password", PASSWORD,
        "--pid", str(load_server.process.pid),
    )  # fmt: skip
    check_small_run(result)


@pytest.mark.parametrize("target", [[], ["--reference"]], ids=["cafe", "reference"])
def test_small_run_starting_its_own_server(target):
    result = run_live_load(*SMALL_RUN, *target)
    check_small_run(result)
    assert result["target"] == ("reference" if target else "cafe")


def test_round_changes_reach_every_phone_of_a_room_of_several_chunks():
    """250 phones: the round change goes out in three chunks (cafe/broadcast.py CHUNK = 100)."""
    from cafe.broadcast import CHUNK

    clients = 2 * CHUNK + 50
    result = run_live_load("--clients", str(clients), "--rate", "20", "--duration", "2",
                           "--round-every", "1")  # fmt: skip
    assert result["connected"] == clients
    assert result["round_changes"] >= 2
    assert result["fanout_missing"] == 0  # none missed, none twice
    assert result["lost"] == 0 and result["duplicates"] == 0
    assert result["acked"] == result["saved"] == result["sent"] > 0


# ---- the lean client against the official client ------------------------------------------------


def join_token(base: str, slug: str = SLUG) -> str:
    http = requests.Session()
    page = http.get(f"{base}/e/{slug}/", timeout=10)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    reply = http.post(
        f"{base}/e/{slug}/join", json={"table": None}, headers={"X-CSRFToken": csrf}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return http.cookies[f"cafe_p_{slug}"]


def login_cookie(base: str) -> str:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(
        f"{base}/login",
        data={"username": "fac", "password": PASSWORD, "csrf_token": csrf},
        timeout=10,
    )
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def script(tag: str) -> list[tuple[str, dict]]:
    """The phone's side of the comparison: every participant event, good and bad input."""
    cid = f"{tag}-note-0001"
    return [
        ("choose_table", {"table": 99}),
        ("choose_table", {"table": 1}),
        ("submit_note", {"client_id": cid, "text": "Café au lait, s'il vous plaît ✓", "consent": "quote"}),
        ("submit_note", {"client_id": cid, "text": "Café au lait, s'il vous plaît ✓", "consent": "quote"}),
        ("submit_note", {"client_id": "short", "text": "x", "consent": "quote"}),
        ("submit_note", {"client_id": f"{tag}-note-0002", "text": "   ", "consent": "quote"}),
        ("sync_notes", {"client_ids": [cid, f"{tag}-never-sent"]}),
        ("edit_note", {"id": "<id>", "text": "Edited", "consent": "paraphrase"}),
        ("withdraw_note", {"id": "<id>"}),
        ("withdraw_note", {"id": 10**9}),
    ]  # fmt: skip


def normalise(value, tag: str, ids: dict):
    """Replace what differs between two participants by design (ids, client ids, pseudonyms, outbox
    keys)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "id" and isinstance(item, int):
                out[key] = f"<id{ids.setdefault(item, len(ids))}>"
            elif key in ("pseudonym", "outbox_key"):
                out[key] = f"<{key}>"
            elif key == "server_time":
                out[key] = "<time>"
            else:
                out[key] = normalise(item, tag, ids)
        return out
    if isinstance(value, (list, tuple)):
        return [normalise(item, tag, ids) for item in value]
    if isinstance(value, str):
        return value.replace(tag, "<tag>")
    return value


def play(call, tag: str) -> list:
    """Run the script through `call(event, data) -> ack`; fill in the note id once known."""
    acks, note_id = [], None
    for event, data in script(tag):
        if data.get("id") == "<id>":
            data = {**data, "id": note_id}
        ack = call(event, data)
        if event == "submit_note" and ack.get("ok") and note_id is None:
            note_id = ack["id"]
        acks.append((event, ack))
    return acks


class Lean:
    """Drive lean clients from synchronous test code: their asyncio loop runs in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def connect(self, url_port: int, namespace: str, auth: dict, cookie: str = "") -> tuple:
        received: list = []

        async def go():
            return await LeanSocket.connect(
                "127.0.0.1", url_port, namespace, auth, {"Cookie": cookie} if cookie else {},
                on_event=lambda e, args: received.append((e, *args)),
            )  # fmt: skip

        return self.run(go()), received

    def call(self, sock: LeanSocket, event: str, data) -> dict:
        return self.run(sock.call(event, data, timeout=10))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def official(base: str, namespace: str, auth: dict, cookie: str = "") -> tuple:
    received: list = []
    sio = socketio.Client(reconnection=False)
    sio.on("*", lambda e, d: received.append((e, d)), namespace=namespace)
    sio.connect(
        base, namespaces=[namespace], auth=auth, headers={"Cookie": cookie} if cookie else {},
        transports=["websocket"], wait_timeout=10,
    )  # fmt: skip
    return sio, received


def test_lean_client_sees_what_the_official_client_sees(live_server):
    base, port = live_server.url, live_server.port
    cookie = login_cookie(base)
    lean = Lean()
    try:
        # Both kinds of console watch everything that follows.
        o_console, o_console_seen = official(base, "/console", {"event": SLUG}, cookie)
        l_console, l_console_seen = lean.connect(port, "/console", {"event": SLUG}, cookie)
        wait_for(lambda: l_console_seen and o_console_seen)
        assert normalise(l_console_seen[0], "", {}) == normalise(o_console_seen[0], "", {})
        assert l_console_seen[0][0] == "console_state"

        # One phone of each kind plays the same script, one after the other.
        o_phone, o_seen = official(base, "/participant", {"event": SLUG, "token": join_token(base)})
        wait_for(lambda: o_seen)
        o_acks = play(lambda e, d: o_phone.call(e, d, namespace="/participant", timeout=10), "off")
        o_phone.disconnect()
        l_phone, l_seen = lean.connect(
            port, "/participant", {"event": SLUG, "token": join_token(base)}
        )
        wait_for(lambda: l_seen)
        l_acks = play(lambda e, d: lean.call(l_phone, e, d), "lean")
        lean.run(l_phone.disconnect())

        # Same acks, event by event, for good input and bad.
        assert normalise(l_acks, "lean", {}) == normalise(o_acks, "off", {})
        assert [a["ok"] for _, a in l_acks].count(False) >= 4  # the script exercises refusals
        assert any(a.get("duplicate") for _, a in l_acks)
        # Same events on the phone (state first), in the same order, with the same payloads.
        assert l_seen[0][0] == "state" and "Test café" in json.dumps(
            l_seen[0][1], ensure_ascii=False
        )
        assert [e for e, *_ in l_seen] == [
            "state",
            "table_changed",
            "own_note_changed",
            "own_note_changed",
        ]
        assert normalise(l_seen, "lean", {}) == normalise(o_seen, "off", {})
        # Each console saw both phones' notes, the same payloads in the same order.
        wait_for(lambda: len(l_console_seen) == len(o_console_seen))
        added = [d for e, d in l_console_seen if e == "note_added"]
        assert len(added) == 2 and added == [d for e, d in o_console_seen if e == "note_added"]
        assert normalise(l_console_seen, "", {}) == normalise(o_console_seen, "", {})

        # The same refusal for a bad token, with the same message.
        refusal: list = []
        refused = socketio.Client(reconnection=False)
        refused.on("connect_error", refusal.append, namespace="/participant")
        with pytest.raises(socketio.exceptions.ConnectionError):
            refused.connect(
                base, namespaces=["/participant"], auth={"event": SLUG, "token": "not-a-token"},
                transports=["websocket"], wait_timeout=10,
            )  # fmt: skip
        with pytest.raises(ConnectRefused) as l_refusal:
            lean.connect(port, "/participant", {"event": SLUG, "token": "not-a-token"})
        assert refusal and str(l_refusal.value) == refusal[0]["message"]

        # A round change reaches a phone of each kind as the very same broadcast, whichever
        # kind of console sent it.
        o_phone, o_seen = official(base, "/participant", {"event": SLUG, "token": join_token(base)})
        l_phone, l_seen = lean.connect(
            port, "/participant", {"event": SLUG, "token": join_token(base)}
        )
        started = lean.call(l_console, "start_round", {"round": 1})
        ended = o_console.call("end_round", {}, namespace="/console", timeout=10)
        assert started["ok"] is True and ended["ok"] is True
        rounds = lambda seen: [d for e, d in seen if e == "round_changed"]  # noqa: E731
        wait_for(lambda: len(rounds(l_seen)) == 2 and len(rounds(o_seen)) == 2)
        assert rounds(l_seen) == rounds(o_seen)
        assert all("server_time" in d for d in rounds(l_seen))
        assert normalise(l_seen, "", {}) == normalise(o_seen, "", {})
        o_phone.disconnect()
        o_console.disconnect()
        lean.run(l_phone.disconnect())
        lean.run(l_console.disconnect())
    finally:
        lean.close()
