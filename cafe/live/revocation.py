"""Staff sockets closed within a moment of their login ending (disabled, new password, logout,
expired), whichever process ended it: `cafe user disable` runs in its own process."""

from __future__ import annotations

import logging
from typing import Any

from cafe import socketio
from cafe.db import reading
from cafe.events import SAFEGUARDING
from cafe.pushguard import add_push_guard

log = logging.getLogger(__name__)

# How often the server looks for ended logins; one tiny query, so a quarter second costs little.
EVERY = 0.25


def revocation_stamp(db: Any) -> tuple:
    """Return what changes whenever a login session is revoked or an account disabled."""
    return tuple(
        db.execute(
            "SELECT (SELECT COUNT(revoked_at) FROM user_sessions), "
            "(SELECT MAX(revoked_at) FROM user_sessions), "
            "(SELECT COUNT(*) FROM users WHERE disabled = 1)"
        ).fetchone()
    )


_SEEN: dict[str, tuple] = {}


def cut_off_ended_logins() -> int:
    """Close the sockets of logins ended since the last look (in an app context); return how many."""
    from cafe.live.common import disconnect_revoked

    with reading() as db:
        stamp = revocation_stamp(db)
    seen = _SEEN.get("stamp")
    _SEEN["stamp"] = stamp
    if seen is None or stamp == seen:
        return 0
    cut = disconnect_revoked()
    if cut:
        log.info("closed %d socket(s) of ended logins", cut)
    return cut


def _before_safeguarding_push(namespace: str) -> None:
    """Look once more just before a disclosure goes out: a lead disabled a moment ago is cut
    off before it, not after."""
    if namespace == SAFEGUARDING:  # disclosures are rare: check every lead's login each time
        from cafe.live.common import disconnect_revoked

        disconnect_revoked()


def watch_revocations(app: Any, every: float = EVERY) -> None:
    """Run for the life of the server: when a login ends anywhere, close its sockets here."""
    add_push_guard(_before_safeguarding_push)
    while True:
        try:
            with app.app_context():
                cut_off_ended_logins()
        except Exception:  # noqa: BLE001 - the watch must outlive one bad pass
            log.exception("revocation watch failed")
        socketio.sleep(every)
