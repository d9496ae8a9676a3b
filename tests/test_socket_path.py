"""Socket events run in a request context made from the socket's first request: its URL must
match a route, or every event raises and keeps a NotFound with its traceback (reference cycles
that only the garbage collector's pauses free; see `_route_socket_path` in cafe/__init__.py)."""

from __future__ import annotations

import gc

import pytest
from werkzeug.test import EnvironBuilder

from cafe import socketio
from conftest import join

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


def test_socket_events_leave_no_routing_errors_for_the_collector(app):
    http = app.test_client()
    join(http)
    phone = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert phone.is_connected("/participant")
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
    phone.disconnect("/participant")
