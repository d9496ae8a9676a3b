"""Hostile input refused at the door: whole numbers SQLite cannot store (2^63 and past), text
with lone surrogates (not UTF-8), nesting deeper than any real payload, over-packed polling
bodies. Each gets a plain refusal before any handler runs, so nothing changes; tracebacks that
the Socket.IO libraries would log for malformed traffic become one short line."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from io import BytesIO
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

log = logging.getLogger(__name__)

SQLITE_MIN_INT = -(2**63)
SQLITE_MAX_INT = 2**63 - 1
# The deepest real payload is two levels (a list of client ids in a dict); 32 leaves room.
MAX_DEPTH = 32
REFUSAL_CODE = "bad_input"


def input_problem(value: Any, text: bool = True) -> str | None:
    """Return what is wrong with a decoded payload ("number", "text", "nesting"), or None;
    with `text=False` lone surrogates pass (a handler that cleans text drops them itself)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "nesting"
        if item is None or isinstance(item, bool | float | bytes):
            continue
        if isinstance(item, int):
            if not SQLITE_MIN_INT <= item <= SQLITE_MAX_INT:
                return "number"
        elif isinstance(item, str) and text:
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text"
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return None


def refusal_message() -> str:
    """Return the words of a refusal of bad input, in the reader's language when known."""
    text = "This request could not be understood; nothing was changed."
    try:
        from flask_babel import gettext as _

        return _("This request could not be understood; nothing was changed.")
    except Exception:  # noqa: BLE001 - outside a request: the English words
        return text


# ---- HTTP ----------------------------------------------------------------------------------------


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in a route, matching only ids SQLite can store (2^63 and past are not found)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", SQLITE_MAX_INT)
        super().__init__(map, *args, **kwargs)


def wants_json() -> bool:
    """Say whether the request is from a script that wants JSON back, not a person's browser."""
    return request.is_json or request.path.endswith(".json") or (
        request.accept_mimetypes.best == "application/json"
    )


def _refuse_http(error: BaseException | None = None) -> Any:
    """Answer bad input with 400: JSON for scripts, the error page for people."""
    message = refusal_message()
    if wants_json():
        return jsonify(ok=False, error=message, code=REFUSAL_CODE), 400
    from flask import current_app

    handler = current_app.error_handler_spec.get(None, {}).get(400, {}).get(BadRequest)
    if handler is not None:
        return handler(BadRequest(message))
    return message, 400


def _check_request() -> Any:
    """Refuse a JSON body with numbers or nesting the app cannot handle. Lone surrogates pass:
    the briefing editor drops them from a draft; anywhere else they fail to encode and are
    refused by the UnicodeError handler below, the write rolled back."""
    if request.method in ("POST", "PUT", "PATCH") and request.is_json:
        body = request.get_json(silent=True)  # too deep raises RecursionError: refused below
        if input_problem(body, text=False):
            return _refuse_http()
    return None


def install_http_guards(app: Flask) -> None:
    """Bound every `<int:...>` route, and refuse bad input instead of failing with a 500."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_check_request)
    # Values that reach SQLite or an encoder anyway (a form field turned into a huge int, a
    # deeply nested body): refused, and the write they were part of rolled back.
    for kind in (OverflowError, UnicodeError, RecursionError):
        app.register_error_handler(kind, _refuse_http)


def wrap_overpacked_polling(app: Flask, path: str, max_packets: int) -> None:
    """Answer a long-polling POST carrying more packets than Engine.IO decodes with 400,
    before Engine.IO raises on it (and logs a traceback anyone could trigger)."""
    inner = app.wsgi_app
    prefix = "/" + path.strip("/")

    def guarded(environ: dict, start_response: Callable) -> Any:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
            prefix
        ):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            limit = app.config.get("CAFE_MAX_SOCKET_BYTES", 1_000_000)
            if 0 < length <= limit:
                body = environ["wsgi.input"].read(length)
                environ["wsgi.input"] = BytesIO(body)
                if body.count(b"\x1e") >= max_packets:
                    start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
                    return [b"Too many packets in one request."]
        return inner(environ, start_response)

    app.wsgi_app = guarded


# ---- Socket.IO -----------------------------------------------------------------------------------


def guard_socket_server(server: Any, app: Flask) -> None:
    """Check every socket event's and connection's data before its handler runs: bad input
    gets a refusal ack (or a refused connection), never a server error."""
    if getattr(server, "_cafe_guarded", False):
        return
    trigger = server._trigger_event
    from socketio.exceptions import ConnectionRefusedError as Refused

    def guarded(event: Any, namespace: Any, *args: Any) -> Any:
        if event == "connect":
            data = args[2] if len(args) > 2 else None
            if input_problem(data):
                with app.app_context():
                    raise Refused(refusal_message(), {"code": REFUSAL_CODE})
        elif event != "disconnect" and (input_problem(args[1:]) or input_problem(event)):
            with app.app_context():
                return {"ok": False, "error": refusal_message(), "code": REFUSAL_CODE}
        return trigger(event, namespace, *args)

    server._trigger_event = guarded
    handle_message = server._handle_eio_message

    def guarded_message(eio_sid: Any, data: Any) -> Any:
        try:
            return handle_message(eio_sid, data)
        except (ValueError, RecursionError, UnicodeError, OverflowError) as exc:
            # A packet no Socket.IO client sends (nested thousands deep, an unknown type):
            # one line, without the packet (it may hold a note's words); the socket is closed.
            log.warning("closed a socket that sent a malformed packet (%s)", type(exc).__name__)
            server.start_background_task(_close_quietly, server, eio_sid)
            return None

    server._handle_eio_message = guarded_message
    server.eio.on("message", guarded_message)  # Engine.IO holds the handler it was given
    server._cafe_guarded = True


def _close_quietly(server: Any, eio_sid: Any) -> None:
    """Close an Engine.IO session (in the background: closing waits for its queue to drain)."""
    try:
        server.eio.disconnect(eio_sid)
    except Exception:  # noqa: BLE001 - already gone
        pass


class QuietLibraryTracebacks(logging.Filter):
    """Turn the Socket.IO libraries' tracebacks (malformed traffic anyone can send) into one
    line naming the kind of fault, at most once every `every` seconds per message."""

    def __init__(self, every: float = 10.0) -> None:
        super().__init__()
        self.every = every
        self._last: dict[str, float] = {}
        self._dropped: dict[str, int] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        kind = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        key = f"{record.name}:{record.msg}:{kind}"
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -self.every) < self.every:
                self._dropped[key] = self._dropped.get(key, 0) + 1
                return False
            self._last[key] = now
            dropped = self._dropped.pop(key, 0)
        # Never the exception's text: it may quote what was sent (a note's words).
        said = record.getMessage()
        more = f", {dropped} more like it" if dropped else ""
        record.msg, record.args = "%s (%s; malformed traffic refused%s)", (said, kind, more)
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_QUIET = QuietLibraryTracebacks()


def quiet_library_tracebacks() -> None:
    """Install the filter on the Engine.IO and Socket.IO server loggers (once)."""
    for name in ("engineio.server", "socketio.server"):
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


def install_socket_guards(app: Flask, socketio: Any) -> None:
    """Guard the app's Socket.IO server (call after `socketio.init_app`)."""
    guard_socket_server(socketio.server, app)
    quiet_library_tracebacks()
    from engineio import payload

    path = socketio.server_options.get("path", "socket.io")
    wrap_overpacked_polling(app, path, payload.Payload.max_decode_packets)
