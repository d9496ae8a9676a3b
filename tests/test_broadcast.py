"""Broadcasts to big rooms go out in chunks, yielding between them (cafe/broadcast.py): every
socket still gets exactly one copy, small rooms and single sockets go out as before, and with
several workers the chunked send is the one each worker's Redis listener reaches."""

from __future__ import annotations

import threading

import socketio as python_socketio
from flask import Flask

from cafe import queries, rooms, socketio
from cafe.broadcast import ChunkedManager, ChunkedRedisManager
from cafe.db import reading
from conftest import join

PHONES = 7


def connect_phones(app: Flask, n: int) -> list:
    phones = []
    for _ in range(n):
        http = app.test_client()
        join(http)
        phone = socketio.test_client(
            app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
        )
        assert phone.is_connected("/participant")
        phone.get_received("/participant")  # the state sent on connect
        phones.append(phone)
    return phones


def received(phone, name: str) -> list:
    return [m["args"][0] for m in phone.get_received("/participant") if m["name"] == name]


def test_a_big_broadcast_reaches_every_phone_once_in_chunks(app, monkeypatch):
    manager = socketio.server.manager
    assert isinstance(manager, ChunkedManager)
    monkeypatch.setattr(manager, "chunk", 2)
    yields = []
    real_sleep = socketio.server.sleep
    monkeypatch.setattr(socketio.server, "sleep", lambda s=0: yields.append(s) or real_sleep(s))
    phones = connect_phones(app, PHONES)
    with app.app_context(), reading() as db:
        event_id = queries.event_by_slug(db, "test-cafe")["id"]
    for i in range(3):
        socketio.emit(
            "message_sent", {"text": f"hello {i}", "table": None},
            to=rooms.event(event_id), namespace="/participant",
        )  # fmt: skip
    for phone in phones:
        assert received(phone, "message_sent") == [
            {"text": f"hello {i}", "table": None} for i in range(3)
        ]
    assert yields.count(0) == 3 * (PHONES // 2)  # after every second phone, three broadcasts


def test_a_broadcast_sent_during_a_big_one_reaches_every_phone_after_it(app, monkeypatch):
    """Another handler's broadcast to the same room, made while a big one is yielding between
    chunks, waits for it: no phone sees the second before the first (a later round change
    overtaken by an earlier one would leave a phone showing the wrong round)."""
    manager = socketio.server.manager
    monkeypatch.setattr(manager, "chunk", 2)
    phones = connect_phones(app, PHONES)
    with app.app_context(), reading() as db:
        event_id = queries.event_by_slug(db, "test-cafe")["id"]
    room = rooms.event(event_id)

    def send(text: str) -> None:
        socketio.emit("message_sent", {"text": text, "table": None}, to=room,
                      namespace="/participant")  # fmt: skip

    other: list[threading.Thread] = []
    real_sleep = socketio.server.sleep

    def sleep(seconds=0):
        if seconds == 0 and not other:  # the first yield: another handler broadcasts now
            other.append(threading.Thread(target=send, args=("second",)))
            other[0].start()
            other[0].join(0.3)  # time enough to overtake, were it not held back
        return real_sleep(seconds)

    monkeypatch.setattr(socketio.server, "sleep", sleep)
    send("first")
    other[0].join(10)
    assert not other[0].is_alive()
    for phone in phones:
        assert [m["text"] for m in received(phone, "message_sent")] == ["first", "second"]


def test_small_rooms_and_skipped_sockets_go_out_as_before(app, monkeypatch):
    manager = socketio.server.manager
    monkeypatch.setattr(manager, "chunk", 2)
    yields = []
    real_sleep = socketio.server.sleep
    monkeypatch.setattr(socketio.server, "sleep", lambda s=0: yields.append(s) or real_sleep(s))
    phones = connect_phones(app, 3)
    with app.app_context(), reading() as db:
        event_id = queries.event_by_slug(db, "test-cafe")["id"]
    sid = phones[0].eio_sid
    skip = next(s for s, e in manager.get_participants("/participant", rooms.event(event_id))
                if e == sid)  # fmt: skip
    socketio.emit(
        "message_sent", {"text": "not you", "table": None},
        to=rooms.event(event_id), namespace="/participant", skip_sid=skip,
    )  # fmt: skip
    assert received(phones[0], "message_sent") == []
    assert [len(received(p, "message_sent")) for p in phones[1:]] == [1, 1]
    socketio.emit(
        "message_sent", {"text": "one", "table": 1}, to=skip, namespace="/participant"
    )  # a room of one: python-socketio's own path, no yield
    assert received(phones[0], "message_sent") == [{"text": "one", "table": 1}]
    assert yields.count(0) == 1  # only the three-phone broadcast yielded, once


def test_the_redis_listener_reaches_the_chunked_send():
    mro = ChunkedRedisManager.__mro__
    assert mro.index(python_socketio.PubSubManager) < mro.index(ChunkedManager)
    assert mro.index(ChunkedManager) < mro.index(python_socketio.Manager)
    # PubSubManager._handle_emit calls super().emit: that must be the chunked one.
    after_pubsub = mro[mro.index(python_socketio.PubSubManager) + 1 :]
    assert next(c for c in after_pubsub if "emit" in vars(c)) is ChunkedManager
