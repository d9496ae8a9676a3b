"""Staff log in and out; `login_required` guards staff pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash

from cafe import actions, queries
from cafe.actions.accounts import do_touch_session
from cafe.db import reading
from cafe.login_throttle import LOGINS

bp = Blueprint("auth", __name__)

# Checked against when a user name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$cafecafecafecafe$" + "0" * 128


def current_user() -> dict[str, Any] | None:
    """Return the logged-in account of this request, if its session is still live."""
    if "user" not in g:
        token = session.get("auth")
        g.user = None
        if isinstance(token, str):
            with reading() as db:
                g.user = queries.session_user(db, token)
            if g.user is not None and _stale(g.user["seen_at"]):
                do_touch_session(token)
    return g.user


# A session's last use is written at most this often (every request would be a write).
TOUCH_EVERY = timedelta(minutes=5)


def _stale(seen_at: str) -> bool:
    seen = datetime.fromisoformat(seen_at.replace("Z", "+00:00"))
    return datetime.now(UTC) - seen > TOUCH_EVERY


def login_required(*roles: str) -> Callable:
    """Guard a view: anonymous users go to the login page; other roles get 403."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and user["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form, and log in."""
    error = None
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "")[:80]
        password = request.form.get("password", "")[:200]
        address = request.remote_addr or "?"
        wait = LOGINS.wait(username, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            error = ngettext(
                "Too many failed attempts. Try again in %(num)d minute.",
                "Too many failed attempts. Try again in %(num)d minutes.",
                minutes,
            )
            return render_template("staff/login.html", error=error, username=username), 429
        with reading() as db:
            user = queries.user_by_name(db, username)
        valid = check_password_hash(user["password_hash"] if user else _DUMMY_HASH, password)
        if user and valid and not user["disabled"]:
            LOGINS.succeeded(username, address)
            session.clear()
            session["auth"] = actions.do_start_session(user)
            return redirect(_safe_next(request.args.get("next")), 303)
        LOGINS.failed(username, address)
        error, status = _("That user name and password do not match an account."), 401
        # The name is kept so only the password is typed again.
        return render_template("staff/login.html", error=error, username=username), status
    return render_template("staff/login.html", error=error), status


@bp.post("/logout")
def logout() -> Any:
    """End the session on the server and in the browser."""
    token = session.get("auth")
    if isinstance(token, str):
        actions.do_end_session(token)
        from cafe.live.common import disconnect_revoked

        disconnect_revoked()
    session.clear()
    return redirect(url_for("auth.login"), 303)
