"""A minimal reference server for `bench/live_load.py --reference`: the same insert-and-forward as Café.

Plain python-socketio on gevent + gevent-websocket (the stack `cafe serve` runs on, without Flask or
any of Café's own code), on the database file Café made (same tables, same participant tokens):
each note is inserted in SQLite (WAL, synchronous=FULL, one writer on one native thread), acked
after the commit, forwarded to the event's consoles (and to the walls when it needs no approval);
a console's start_round / end_round updates the event and broadcasts `round_changed` to every
phone. Consoles are not authenticated here. Usage:

    python bench/reference_server.py --db bench.db --port 5001
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import socketio  # noqa: E402
from gevent import pywsgi  # noqa: E402
from gevent.threadpool import ThreadPool  # noqa: E402
from geventwebsocket.handler import WebSocketHandler  # noqa: E402

args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
args.add_argument("--db", required=True)
args.add_argument("--host", default="127.0.0.1")
args.add_argument("--port", type=int, default=5001)
opts = args.parse_args()


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(opts.db, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


writer, reader, pool = connect(), connect(), ThreadPool(1)  # one native writer thread, as Café
sio = socketio.Server(async_mode="gevent", max_http_buffer_size=64 * 1024)
who: dict[str, tuple] = {}  # sid -> (event_id, participant_id, table_no)
presence: dict[int, int] = {}


def write(sql: str, params: tuple) -> int:
    def job() -> int:
        with writer:
            writer.execute("BEGIN IMMEDIATE")
            return writer.execute(sql, params).lastrowid

    return pool.apply(job)


def event_row(slug):
    return reader.execute(
        "SELECT id, wall_token, current_round, wall_requires_approval FROM events WHERE slug = ?",
        (slug,),
    ).fetchone()


def publish_presence(event_id: int, change: int = 0) -> None:
    presence[event_id] = total = presence.get(event_id, 0) + change
    sio.emit("presence_changed", {"total": total}, to=f"console:{event_id}", namespace="/console")


@sio.on("connect", namespace="/participant")
def phone_connect(sid, environ, auth):
    event = event_row((auth or {}).get("event"))
    token = (auth or {}).get("token") or ""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = (
        event
        and reader.execute(
            "SELECT id, table_no FROM participants WHERE event_id = ? AND token_hash = ?",
            (event[0], digest),
        ).fetchone()
    )
    if not row:
        raise socketio.exceptions.ConnectionRefusedError("Join the café first.")
    who[sid] = (event[0], row[0], row[1])
    sio.enter_room(sid, f"event:{event[0]}", namespace="/participant")
    sio.emit("state", {"me": {"table": row[1]}}, to=sid, namespace="/participant")
    publish_presence(event[0], +1)


@sio.on("disconnect", namespace="/participant")
def phone_disconnect(sid, *_):
    gone = who.pop(sid, None)
    if gone:
        publish_presence(gone[0], -1)


@sio.on("choose_table", namespace="/participant")
def choose_table(sid, data):
    event_id, participant_id, _ = who[sid]
    write("UPDATE participants SET table_no = ? WHERE id = ?", (data["table"], participant_id))
    who[sid] = (event_id, participant_id, data["table"])
    publish_presence(event_id)
    return {"ok": True, "table": data["table"]}


@sio.on("submit_note", namespace="/participant")
def submit_note(sid, data):
    event_id, participant_id, table_no = who[sid]
    round_no, needs_approval = reader.execute(
        "SELECT current_round, wall_requires_approval FROM events WHERE id = ?", (event_id,)
    ).fetchone()
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    wall = "pending" if needs_approval else "approved"
    try:
        note_id = write(
            "INSERT INTO notes (event_id, client_id, participant_id, table_no, round_no, text, "
            "consent, wall, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                event_id,
                data["client_id"],
                participant_id,
                table_no,
                round_no,
                data["text"],
                data["consent"],
                wall,
                stamp,
                stamp,
            ),
        )
    except sqlite3.IntegrityError:  # a resend: answer with the stored id
        note_id = reader.execute(
            "SELECT id FROM notes WHERE event_id = ? AND client_id = ?",
            (event_id, data["client_id"]),
        ).fetchone()[0]
        return {"ok": True, "id": note_id, "client_id": data["client_id"], "duplicate": True}
    note = {
        "id": note_id,
        "table": table_no,
        "round": round_no,
        "text": data["text"],
        "consent": data["consent"],
        "wall": wall,
        "created_at": stamp,
    }
    sio.emit("note_added", {"note": note}, to=f"console:{event_id}", namespace="/console")
    if wall == "approved":
        sio.emit("note_shown", {"note": note}, to=f"wall:{event_id}", namespace="/wall")
    return {"ok": True, "id": note_id, "client_id": data["client_id"], "duplicate": False}


@sio.on("connect", namespace="/console")
def console_connect(sid, environ, auth):
    event = event_row((auth or {}).get("event"))
    if not event:
        raise socketio.exceptions.ConnectionRefusedError("There is no such café.")
    who[sid] = (event[0], None, None)
    sio.enter_room(sid, f"console:{event[0]}", namespace="/console")
    sio.emit("console_state", {"event": {"wall_token": event[1]}}, to=sid, namespace="/console")


def round_change(sid, phase: str, round_no=None):
    event_id = who[sid][0]
    if round_no is not None:
        write("UPDATE events SET current_round = ? WHERE id = ?", (round_no, event_id))
    current = reader.execute(
        "SELECT current_round FROM events WHERE id = ?", (event_id,)
    ).fetchone()
    payload = {
        "clock": {"phase": phase, "round": current[0]},
        "round": {"number": current[0]},
        "server_time": time.time() * 1000,
    }
    sio.emit("round_changed", payload, to=f"event:{event_id}", namespace="/participant")
    return {"ok": True, **payload}


@sio.on("start_round", namespace="/console")
def start_round(sid, data):
    return round_change(sid, "running", (data or {}).get("round"))


@sio.on("end_round", namespace="/console")
def end_round(sid, data=None):
    return round_change(sid, "ended")


@sio.on("connect", namespace="/wall")
def wall_connect(sid, environ, auth):
    event = event_row((auth or {}).get("event"))
    if not event or (auth or {}).get("token") != event[1]:
        raise socketio.exceptions.ConnectionRefusedError("This display link is not valid.")
    sio.enter_room(sid, f"wall:{event[0]}", namespace="/wall")
    sio.emit("wall_state", {"notes": []}, to=sid, namespace="/wall")


print(f"Reference server on http://{opts.host}:{opts.port} (database {opts.db})", flush=True)
pywsgi.WSGIServer(
    (opts.host, opts.port), socketio.WSGIApp(sio), handler_class=WebSocketHandler, log=None
).serve_forever()
