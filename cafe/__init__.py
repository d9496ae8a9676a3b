"""Café: run a World Café from a laptop. `create_app` and the `socketio` object, nothing else."""

from __future__ import annotations

import sys

if sys.argv[1:2] == ["serve"] and (
    sys.argv[0] == "-m" or sys.argv[0].endswith(("cafe", "cafe.exe"))
):
    # `cafe serve` runs on gevent, whose patches must land before flask_socketio pulls in ssl and
    # threading below; patching later leaves some modules with blocking originals.
    from gevent import monkey

    monkey.patch_all()

from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402

from cafe.resources import resource_dir  # noqa: E402
from cafe.sockets import socketio  # noqa: E402

__all__ = ["create_app", "resource_dir", "socketio"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app."""
    from cafe import db, i18n, settings
    from cafe.inputs import install_http_guards, install_socket_guards
    from cafe.security import install_security
    from cafe.web.blueprints import register

    app = Flask(
        __name__,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        instance_relative_config=False,
    )
    app.config.update({f"CAFE_{k}": v for k, v in settings.load_settings().items()})
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["CAFE_MAX_FORM_BYTES"]
    install_security(app)
    install_http_guards(app)
    i18n.init_app(app)
    db.init_app(app)
    register(app)

    # Handlers must be imported before init_app so their decorators have run.
    from cafe.live import common  # importing cafe.live registers every handler

    common.forget_connections()

    from cafe.broadcast import ChunkedManager, ChunkedRedisManager

    queue = app.config.get("CAFE_MESSAGE_QUEUE") or None
    # Several worker processes pass every broadcast through Redis (docs/SCALING.md); either way
    # broadcasts to big rooms go out in chunks, letting notes through (cafe/broadcast.py).
    manager = ChunkedRedisManager(queue, channel="cafe") if queue else ChunkedManager()
    socketio.init_app(
        app,
        client_manager=manager,
        async_mode=app.config.get("CAFE_ASYNC_MODE"),
        max_http_buffer_size=app.config["CAFE_MAX_SOCKET_BYTES"],
        cors_allowed_origins=app.config.get("CAFE_ALLOWED_ORIGINS"),
        logger=False,
        engineio_logger=False,
    )
    _route_socket_path(app)
    install_socket_guards(app, socketio)
    return app


def _route_socket_path(app: Flask) -> None:
    """Give Flask a route for the Socket.IO path, which it never serves.

    Flask-SocketIO runs each socket event in a request context made from the socket's first
    request, and Flask matches that request's URL. With no route for /socket.io/ every event
    raised a NotFound and kept it with its traceback: about 40 objects in reference cycles per
    event, which only the cyclic garbage collector frees. At 200 notes/s its pauses (100-170 ms
    at 1,000 phones, longer with more) held every phone's ack. With this route the match
    succeeds and each event's objects are freed as soon as it ends. The Socket.IO middleware
    answers this path before Flask, so the view below is never reached over HTTP.
    """
    from flask import abort

    def socket_path() -> Any:
        abort(404)

    path = "/" + socketio.server_options.get("path", "socket.io").strip("/") + "/"
    # Phones on WebSocket connect with an upgrade request, which only a WebSocket rule matches;
    # phones stuck on long-polling connect with a plain GET (some clients leave off the slash).
    for options in ({"methods": ["GET", "POST"]}, {"websocket": True}):
        app.add_url_rule(path, "socket_path", socket_path, strict_slashes=False, **options)
