"""Admins list staff accounts, add one, give one a new password (shown once), disable or enable one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from cafe import queries
from cafe.actions import (
    ROLES,
    Refused,
    check_new_user,
    do_create_user,
    do_disable_user,
    do_enable_user,
    do_set_password,
    new_password,
)
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


def role_labels() -> dict[str, str]:
    """Return each role's short name, in the page's language."""
    return {
        "facilitator": _("Facilitator"),
        "staff": _("Staff"),
        "safeguarding": _("Safeguarding lead"),
        "admin": _("Admin"),
    }


def _page(status: int = 200, **values: Any) -> Any:
    with reading() as db:
        rows = queries.users(db)
    values.setdefault("kept", {})
    return render_template(
        "staff/accounts.html", accounts=rows, roles=role_names(), role_labels=role_labels(),
        user=current_user(), **values
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


@bp.post("/<int:user_id>/<any(password, disable, enable):action>")
@login_required("admin")
def change(user_id: int, action: str) -> Any:
    """Give an account a new password (shown once), or disable or enable it.

    A new password and disabling both end the account's sessions at once. Admins cannot disable
    their own account or replace their own password here, so nobody locks themselves out."""
    with reading() as db:
        account = next((a for a in queries.users(db) if a["id"] == user_id), None)
    if account is None:
        return _page(404, list_error=_("There is no such account."))
    name = account["username"]
    me = current_user()
    if me is not None and me["id"] == user_id and action != "enable":
        return _page(409, list_error=_(
            "You cannot disable your own account or replace your own password here: ask another "
            "admin, or use cafe user passwd on this laptop."))
    try:
        if action == "password":
            password = new_password()
            do_set_password(name, password)
            return _page(200, reset={"username": name, "password": password})
        if action == "disable":
            do_disable_user(name)
            return _page(200, done=_("%(name)s is disabled and logged out everywhere. "
                                     "Enable brings the account back.", name=name))
        do_enable_user(name)
        return _page(200, done=_("%(name)s can log in again.", name=name))
    except Refused as exc:  # removed meanwhile by the command line
        return _page(409, list_error=exc.message)
