"""The one Socket.IO server of the app; `create_app` binds it, namespaces and actions send through it."""

from __future__ import annotations

from flask_socketio import SocketIO

socketio = SocketIO()
