"""Token buckets and the login throttle, kept in this process's memory."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Allow `rate` actions a second on average with bursts up to `burst`."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self, now: float | None = None) -> bool:
        """Spend one token if there is one."""
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Buckets:
    """One token bucket per key (a socket, a participant), forgotten when idle."""

    def __init__(self, rate: float, burst: float, max_keys: int = 50_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._buckets: dict[object, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, key: object) -> bool:
        """Spend one token from `key`'s bucket."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()  # a flood of keys: start afresh rather than grow
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst)
            return bucket.take()

    def retry_after(self, key: object) -> float:
        """Return the seconds until `key` may act again (0 if it may now)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.tokens < 0:
                return 0.0
            tokens = min(self.burst, bucket.tokens + (time.monotonic() - bucket.stamp) * self.rate)
            return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def clear(self) -> None:
        """Forget every bucket."""
        with self._lock:
            self._buckets.clear()

    def forget(self, key: object) -> None:
        """Drop a key's bucket (its socket closed)."""
        with self._lock:
            self._buckets.pop(key, None)


# Any socket: 20 events a second, bursts of 60 (a phone resending its outbox after a reconnect).
SOCKET_EVENTS = Buckets(rate=20, burst=60)
# Notes per participant, across their phones and tabs: one every 2 s, bursts of 30 (an outbox flush).
PARTICIPANT_NOTES = Buckets(rate=0.5, burst=30)


def _per_address(rate_name: str, burst_name: str) -> Buckets:
    from cafe.settings import setting

    return Buckets(rate=setting(rate_name) / 60.0, burst=setting(burst_name))


# Per network address and event (issue 19): re-joining for fresh passes, and notes across every
# pass from one address. A venue behind one NAT address shares these, so they are generous: see
# docs/SECURITY.md for what they allow and bench/join_burst.py for a measured venue.
ADDRESS_JOINS = _per_address("JOINS_PER_MINUTE", "JOIN_BURST")
ADDRESS_NOTES = _per_address("ADDRESS_NOTES_PER_MINUTE", "ADDRESS_NOTE_BURST")


class LoginThrottle:
    """Refuse logins after too many failures for one user name from one address, or one address."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window: float = 900.0) -> None:
        self.per_user, self.per_address, self.window = per_user, per_address, window
        self._failures: dict[object, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: object, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def wait(self, username: str, address: str, now: float | None = None) -> float:
        """Return the seconds to wait before trying again (0 if allowed)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key, limit in (
                ((username.casefold(), address), self.per_user),
                (address, self.per_address),
            ):
                failures = self._recent(key, now)
                if len(failures) >= limit:
                    waits.append(failures[0] + self.window - now)
            return max(waits, default=0.0)

    def failed(self, username: str, address: str, now: float | None = None) -> None:
        """Record a failed login."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in ((username.casefold(), address), address):
                self._recent(key, now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        """Forget a user's failures once they log in."""
        with self._lock:
            self._failures.pop((username.casefold(), address), None)


LOGINS = LoginThrottle()
