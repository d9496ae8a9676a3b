"""The login throttle, kept in the database: a restart or a second worker process does not
forget failed logins (cafe/limits.py has the same rules in memory)."""

from __future__ import annotations

import time

from cafe.db import get_writer, reading
from cafe.limits import LoginThrottle


class StoredLoginThrottle(LoginThrottle):
    """Refuse logins after too many failures for one user name from one address, or from one
    address, counting the failures every process of this database has recorded."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window: float = 900.0) -> None:
        super().__init__(per_user, per_address, window)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.casefold()}|{address}", f"address:{address}"

    def wait(self, username: str, address: str, now: float | None = None) -> float:
        """Return the seconds to wait before trying again (0 if allowed)."""
        now = time.time() if now is None else now
        waits = []
        with reading() as db:
            for key, limit in zip(self._keys(username, address),
                                  (self.per_user, self.per_address), strict=True):
                times = [r[0] for r in db.execute(
                    "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at",
                    [key, now - self.window]).fetchall()]
                if len(times) >= limit:
                    waits.append(times[-limit] + self.window - now)
        return max(waits, default=0.0)

    def failed(self, username: str, address: str, now: float | None = None) -> None:
        """Record a failed login (and forget failures older than the window)."""
        now = time.time() if now is None else now
        keys = self._keys(username, address)

        def record(db) -> None:
            db.execute("DELETE FROM login_failures WHERE at <= ?", [now - self.window])
            for key in keys:
                db.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [key, now])

        get_writer().write(record)

    def succeeded(self, username: str, address: str) -> None:
        """Forget a user's failures from this address once they log in."""
        key = self._keys(username, address)[0]
        get_writer().write(lambda db: db.execute("DELETE FROM login_failures WHERE key = ?", [key]))

    def clear(self) -> None:
        """Forget every failure (tests)."""
        get_writer().write(lambda db: db.execute("DELETE FROM login_failures"))


LOGINS = StoredLoginThrottle()
