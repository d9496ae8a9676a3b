"""Pauses of the cyclic garbage collector held every phone's ack: keep them short and rare.

Socket events run in a request context made from the socket's first request: its URL must
match a route, or every event raises and keeps a NotFound with its traceback (reference cycles
that only the collector frees; see `_route_socket_path` in cafe/__init__.py). And `cafe serve`
keeps what lives for ever out of the collector's full passes (cafe/offloop.py tune_collector)."""

from __future__ import annotations

import gc

import pytest
from werkzeug.test import EnvironBuilder

WEBSOCKET = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}


@pytest.mark.parametrize("path", ["/socket.io/", "/socket.io"])
@pytest.mark.parametrize("headers", [{}, WEBSOCKET], ids=["polling", "websocket"])
def test_a_sockets_first_request_matches_a_route(app, headers, path):
    environ = EnvironBuilder(
        path=path, query_string="EIO=4&transport=websocket", headers=headers
    ).get_environ()
    with app.request_context(environ) as ctx:
        assert ctx.request.routing_exception is None
        assert ctx.request.url_rule is not None


def test_engineio_answers_the_path_not_flask(app):
    http = app.test_client()
    response = http.get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("0{")  # Engine.IO's open packet


def test_socket_events_leave_no_routing_errors_for_the_collector(phone):
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            answer = phone.emit(
                "sync_notes", {"client_ids": []}, namespace="/participant", callback=True
            )
            assert answer["ok"] is True
        gc.collect()
        kept = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert "NotFound" not in kept and "WebsocketMismatch" not in kept
    assert "RequestContext" not in kept and "traceback" not in kept


def test_serving_tunes_the_collector():
    """`cafe serve` freezes what is alive before serving and examines young objects less often
    (cafe/offloop.py tune_collector); run in a child so this test process keeps its settings."""
    import subprocess
    import sys

    code = (
        "import gc; from cafe import create_app; from cafe.offloop import tune_collector, "
        "YOUNG_GENERATION_THRESHOLD as Y; create_app({'CAFE_DATABASE': ':memory:', 'SECRET_KEY': 'x'}); "
        "n = tune_collector(); print(n, gc.get_threshold()[0] == Y, len(gc.get_objects(2)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    frozen, threshold_set, old = int(out[0]), out[1], int(out[2])
    assert frozen > 10_000  # modules, the app
    assert threshold_set == "True"
    assert old < 100  # next to nothing left for a full pass to look at (was all of them)
