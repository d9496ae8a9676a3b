"""Broadcasts to many phones yield as they go (cafe/live/manager.py); big plans run in a child."""

from __future__ import annotations

from cafe import rooms, socketio
from cafe.live import manager
from cafe.plan_worker import compute_plan, decode, encode, plan_in_child
from conftest import join, rows


def test_a_broadcast_in_chunks_reaches_every_phone_once_and_yields_between(app, db_path, monkeypatch):
    assert isinstance(socketio.server.manager, manager.YieldingManager)
    monkeypatch.setattr(manager, "CHUNK", 2)
    yields: list[float] = []
    real_sleep = socketio.server.sleep
    monkeypatch.setattr(
        socketio.server, "sleep", lambda seconds=0: yields.append(seconds) or real_sleep(seconds)
    )
    phones = []
    for _ in range(7):
        http = app.test_client()
        join(http, table=1)
        phone = socketio.test_client(
            app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
        )
        phone.get_received("/participant")
        phones.append(phone)
    event_id = rows(db_path, "SELECT id FROM events WHERE slug = 'test-cafe'")[0][0]
    with app.app_context():
        socketio.emit("chunked", {"n": 1}, to=rooms.event(event_id), namespace="/participant")
    for phone in phones:
        got = [m for m in phone.get_received("/participant") if m["name"] == "chunked"]
        assert [m["args"][0] for m in got] == [{"n": 1}]
    assert len(yields) >= 3  # 7 phones in chunks of 2
    for phone in phones:
        phone.disconnect("/participant")


def test_a_small_broadcast_does_not_yield(app, db_path, monkeypatch):
    yields: list[float] = []
    monkeypatch.setattr(socketio.server, "sleep", lambda seconds=0: yields.append(seconds))
    http = app.test_client()
    join(http, table=1)
    phone = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
    )
    event_id = rows(db_path, "SELECT id FROM events WHERE slug = 'test-cafe'")[0][0]
    with app.app_context():
        socketio.emit("small", {}, to=rooms.event(event_id), namespace="/participant")
    assert [m["name"] for m in phone.get_received("/participant")].count("small") == 1
    assert yields == []
    phone.disconnect("/participant")


def _inputs() -> dict:
    # 60 people at 12 tables after one round; table i's host is person i; 50 cannot move.
    numbers = list(range(1, 13))
    present = list(range(60))
    return {
        "numbers": numbers,
        "present": present,
        "history": [{p: p % 12 for p in present}],
        "hosts": {t: t for t in range(12)},
        "fixed": {50: 50 % 12},
        "seed": 7,
    }


def test_plan_inputs_round_trip_through_json():
    inputs = _inputs()
    assert decode(encode(inputs)) == inputs


def test_a_plan_made_in_a_child_process_is_the_plan_made_here():
    inputs = _inputs()
    here = compute_plan(inputs)
    assert plan_in_child(inputs) == here
    assert all(here[t] == t + 1 for t in range(12))  # hosts stay
    assert here[50] == 50 % 12 + 1  # so does who cannot move
    assert sum(here[p] != p % 12 + 1 for p in range(60)) > 40  # travellers move
