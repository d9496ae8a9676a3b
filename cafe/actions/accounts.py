"""Staff accounts and their server-side login sessions."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlite_utils import Database
from werkzeug.security import generate_password_hash

from cafe import queries
from cafe.actions.common import Refused, now
from cafe.db import get_writer

ROLES = ("admin", "facilitator", "staff", "safeguarding")


def new_password() -> str:
    """Return a random password for an account (16 URL-safe characters, 96 bits)."""
    return secrets.token_urlsafe(12)


def check_new_user(username: Any, password: Any, role: Any) -> tuple[str, str, str]:
    """Validate a new account's name, password and role."""
    if not isinstance(username, str) or not re.match(r"^[A-Za-z0-9_.-]{2,40}$", username):
        raise Refused("User names are 2–40 letters, digits, dots, dashes or underscores.")
    if not isinstance(password, str) or len(password) < 10:
        raise Refused("Passwords need at least 10 characters.")
    if role not in ROLES:
        raise Refused(f"Role must be one of: {', '.join(ROLES)}.")
    return username, password, role


def do_create_user(username: str, password: str, role: str) -> dict[str, Any]:
    """Create an account with a hashed password."""
    username, password, role = check_new_user(username, password, role)
    hashed = generate_password_hash(password, method="scrypt")

    def insert(db: Database) -> dict[str, Any]:
        if queries.user_by_name(db, username) is not None:
            raise Refused(f"The user {username!r} already exists.")
        db.execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?,?,?,?)",
            [username, hashed, role, now()],
        )
        return queries.user_by_name(db, username)

    return get_writer().write(insert)


def do_start_session(user: dict[str, Any]) -> str:
    """Open a server-side login session; return its secret token (kept in the signed cookie)."""
    token = secrets.token_urlsafe(32)
    get_writer().write(
        lambda db: db.execute(
            "INSERT INTO user_sessions (id, user_id, created_at) VALUES (?,?,?)",
            [queries.token_hash(token), user["id"], now()],
        )
    )
    return token


def do_touch_session(token: str) -> None:
    """Record that a login session was just used (for the idle limit)."""
    get_writer().write(
        lambda db: db.execute(
            "UPDATE user_sessions SET last_seen_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now(), queries.token_hash(token)],
        )
    )


def do_end_session(token: str) -> None:
    """Revoke a login session at once."""
    get_writer().write(
        lambda db: db.execute(
            "UPDATE user_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [now(), queries.token_hash(token)],
        )
    )


def _revoke_all(db: Database, user_id: int) -> None:
    db.execute(
        "UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        [now(), user_id],
    )


def _change_user(username: str, sql: str, params: list, revoke: bool) -> dict[str, Any]:
    """Change one account (`sql` with `?` for its id last) and, if `revoke`, end its sessions."""

    def update(db: Database) -> dict[str, Any]:
        user = queries.user_by_name(db, username)
        if user is None:
            raise Refused(f"There is no user {username!r}.")
        db.execute(sql, [*params, user["id"]])
        if revoke:
            _revoke_all(db, user["id"])
        return queries.user_by_name(db, username)

    return get_writer().write(update)


def do_disable_user(username: str) -> dict[str, Any]:
    """Disable an account and end all its sessions at once."""
    return _change_user(username, "UPDATE users SET disabled = 1 WHERE id = ?", [], revoke=True)


def do_enable_user(username: str) -> dict[str, Any]:
    """Enable a disabled account again (it logs in afresh: its old sessions stay ended)."""
    return _change_user(username, "UPDATE users SET disabled = 0 WHERE id = ?", [], revoke=False)


def do_set_password(username: str, password: str) -> dict[str, Any]:
    """Set a new password (ending every session of the account)."""
    check_new_user(username, password, "staff")
    hashed = generate_password_hash(password, method="scrypt")
    return _change_user(username, "UPDATE users SET password_hash = ? WHERE id = ?", [hashed],
                        revoke=True)
