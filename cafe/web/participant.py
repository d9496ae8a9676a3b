"""Participant pages: join by code or QR, the notice, and the one-page phone app."""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from cafe import actions, qr, queries
from cafe.db import reading
from cafe.limits import ADDRESS_JOINS
from cafe.plans import in_language
from cafe.web.addresses import base_url
from cafe.web.event_lookup import event_or_404
from cafe.web.strings import phone_strings

bp = Blueprint("participant", __name__)

COOKIE_DAYS = 2


def participant_cookie(slug: str) -> str:
    """Return the name of the cookie holding a participant's token for an event."""
    return f"cafe_p_{slug}"


def outbox_key(event_id: int, participant_id: int) -> str:
    """Return the send-only key of a participant's outbox: it lets the phone send notes still
    waiting after "Exit this page" ended its pass, and nothing else (docs/PROTOCOL.md)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(secret, f"outbox:{event_id}:{participant_id}".encode(), hashlib.sha256)
    return f"{participant_id}.{mac.hexdigest()[:32]}"


def outbox_participant_id(event_id: int, key: Any) -> int | None:
    """Return the participant id an outbox key stands for, or None if the key is not genuine."""
    if not isinstance(key, str) or len(key) > 60 or "." not in key:
        return None
    number = key.split(".", 1)[0]
    if not (number.isascii() and number.isdigit()) or len(number) > 18:  # not "¹²", not 2^63
        return None
    return int(number) if hmac.compare_digest(outbox_key(event_id, int(number)), key) else None


def _joins_waiting(event: dict[str, Any]) -> Any:
    """Refuse a join past this address's limit (re-joining for fresh passes floods the café);
    the phone waits the seconds it is told and tries again by itself."""
    key = (request.remote_addr or "?", event["id"])
    if ADDRESS_JOINS.take(key):
        return None
    wait = max(1, math.ceil(ADDRESS_JOINS.retry_after(key)))
    response = jsonify(
        ok=False, code="busy", retry_after=wait,
        error=_("Many phones are joining from this network. Trying again in %(seconds)s s…",
                seconds=wait),
    )
    response.headers["Retry-After"] = str(wait)
    return response, 429


def _end_pass(event: dict[str, Any], token: str) -> None:
    """End a phone's pass and close its open sockets (another tab of the café on the same phone)."""
    from cafe.live.common import disconnect_participant  # the live layer builds on these routes

    participant_id = actions.do_end_pass(event, token)
    if participant_id is not None:
        disconnect_participant(event["id"], participant_id)


def _current_participant(event: dict[str, Any]) -> dict[str, Any] | None:
    token = request.cookies.get(participant_cookie(event["slug"]))
    if not token or len(token) > 200:
        return None
    with reading() as db:
        return queries.participant_by_token(db, event["id"], token)


@bp.get("/")
def home() -> str:
    """Show the join-by-code form."""
    return render_template("participant/join.html", error=None, code="")


@bp.get("/join")
def join_by_code() -> Any:
    """Send a phone from a typed code to its event."""
    code = request.args.get("code", "")
    event = None
    if 0 < len(code) <= 20:
        with reading() as db:
            event = queries.event_by_code(db, code)
    if event is None:
        message = (
            _("Please type the code shown on the screen.")
            if not code.strip()
            else _("We could not find a café with that code. Check it and try again.")
        )
        return render_template("participant/join.html", error=message, code=code[:20]), 400
    return redirect(url_for("participant.event_page", slug=event["slug"]), 303)


@bp.get("/j/<code>")
def join_link(code: str) -> Any:
    """Follow a short join link (/j/CODE)."""
    with reading() as db:
        event = queries.event_by_code(db, code[:20])
    if event is None:
        return render_template(
            "participant/join.html", error=_("That link has expired or is wrong."), code=""
        ), 404
    return redirect(url_for("participant.event_page", slug=event["slug"]), 303)


def _render_app(event: dict[str, Any], table: int | None) -> str:
    participant = _current_participant(event)
    return render_template(
        "participant/app.html",
        strings=phone_strings(),
        event=event,
        plan=in_language(queries.plan(event), str(get_locale())),
        joined=participant is not None,
        table=table,
    )


@bp.get("/e/<slug>/")
def event_page(slug: str) -> str:
    """Serve the phone app for an event (the notice first, until the participant continues)."""
    return _render_app(event_or_404(slug), None)


@bp.get("/e/<slug>/t/<int:table>")
def table_page(slug: str, table: int) -> str:
    """Serve the phone app with a table chosen by its QR code."""
    event = event_or_404(slug)
    with reading() as db:
        numbers = {t["number"] for t in queries.tables(db, event["id"])}
    if table not in numbers:
        abort(404)
    return _render_app(event, table)


@bp.post("/e/<slug>/join")
def join(slug: str) -> Any:
    """Create an anonymous participant after the notice; the token goes in an HttpOnly cookie."""
    event = event_or_404(slug)
    existing = _current_participant(event)
    payload = request.get_json(silent=True) or {}
    if existing is not None and isinstance(payload, dict) and payload.get("fresh") is True:
        # This phone pressed "Exit this page" while offline: end that pass now, start a new one.
        _end_pass(event, request.cookies[participant_cookie(slug)])
        existing = None
    if existing is not None:
        return jsonify(ok=True, pseudonym=existing["pseudonym"])
    table = payload.get("table") if isinstance(payload, dict) else None
    if table is not None and (isinstance(table, bool) or not isinstance(table, int)):
        return jsonify(ok=False, error=_("Unknown table.")), 400
    busy = _joins_waiting(event)
    if busy is not None:
        return busy
    try:
        participant, token = actions.do_join_event(event, table)
    except actions.Refused as exc:
        return jsonify(ok=False, error=exc.message, code=exc.code), 400
    response = jsonify(ok=True, pseudonym=participant["pseudonym"])
    response.set_cookie(
        participant_cookie(slug),
        token,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )
    return response


@bp.get("/e/<slug>/qr.svg")
def event_qr(slug: str) -> Response:
    """Return the QR code of the event's join link."""
    event = event_or_404(slug)
    url = base_url() + url_for("participant.event_page", slug=event["slug"])
    return Response(qr.svg(url), mimetype="image/svg+xml")


@bp.get("/e/<slug>/t/<int:table>/qr.svg")
def table_qr(slug: str, table: int) -> Response:
    """Return the QR code of one table's join link."""
    event = event_or_404(slug)
    url = base_url() + url_for("participant.table_page", slug=event["slug"], table=table)
    return Response(qr.svg(url), mimetype="image/svg+xml")


@bp.get("/e/sw.js")
def service_worker() -> Response:
    """Serve the phone's service worker from /e/ so that it may look after the event pages."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/exit")
def exit_page() -> Response:
    """Show a blank, neutral page ("Exit this page" lands here) and end this phone's passes, so
    that opening the café again shows the notice and none of the notes (they stay saved)."""
    response = Response(render_template("participant/exit.html"))
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        # A link from another site must not end someone's pass (they would lose Edit and
        # Withdraw); the café's own "Exit this page", a typed address or a bookmark does.
        return response
    prefix = participant_cookie("")
    for name, token in request.cookies.items():
        if not name.startswith(prefix) or not token or len(token) > 200:
            continue
        with reading() as db:
            event = queries.event_by_slug(db, name[len(prefix):])
        if event is not None:
            _end_pass(event, token)
        response.delete_cookie(name, path="/", samesite="Lax", httponly=True)
    return response
