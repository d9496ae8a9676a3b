"""Admins list staff accounts and add one, with a generated password shown once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from cafe import queries
from cafe.actions import ROLES, Refused, check_new_user, do_create_user, new_password
from cafe.db import reading
from cafe.web.auth import current_user, login_required

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def role_names() -> dict[str, str]:
    """Return each role with what it may do, in the page's language."""
    return {
        "facilitator": _("Facilitator: creates and runs events"),
        "staff": _("Staff: themes and briefings after the event"),
        "safeguarding": _("Safeguarding lead: the private queue of disclosures"),
        "admin": _("Admin: everything, and staff accounts"),
    }


def _page(status: int = 200, **values: Any) -> Any:
    with reading() as db:
        rows = queries.users(db)
    values.setdefault("kept", {})
    return render_template(
        "staff/accounts.html", accounts=rows, roles=role_names(), user=current_user(), **values
    ), status


@bp.get("")
@login_required("admin")
def page() -> Any:
    """List the accounts and offer to add one."""
    return _page()


@bp.post("")
@login_required("admin")
def add() -> Any:
    """Add an account with a random password (as `cafe user add --password -`), shown once here.

    The password is only in this response (never in the session cookie or a redirect)."""
    username = request.form.get("username", "").strip()[:80]
    role = request.form.get("role", "")
    password = new_password()
    kept = {"username": username, "role": role}
    try:
        check_new_user(username, password, role)
    except Refused:
        error = (_("Choose a role.") if role not in ROLES else
                 _("User names are 2–40 letters, digits, dots, dashes or underscores."))
        return _page(400, error=error, kept=kept)
    try:
        do_create_user(username, password, role)
    except Refused as exc:
        with reading() as db:
            taken = queries.user_by_name(db, username) is not None
        error = _("There is already an account called %(name)s.", name=username) if taken else (
            exc.message)
        return _page(409 if taken else 400, error=error, kept=kept)
    return _page(200, created={"username": username, "role": role, "password": password})
