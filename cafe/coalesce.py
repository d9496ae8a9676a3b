"""At most one send a second per event: the first change goes at once, the rest are folded.

Some views are rebuilt from the whole event (the presence map, the harvest's word cloud, the
rotation panel). A connect storm of thousands of phones, or a burst of moderation, would rebuild
and send them once per change. A `Coalescer` sends the first change at once and folds every later
change within the interval into one send at its end, with the latest arguments, so the last change
is always shown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from cafe.sockets import socketio

log = logging.getLogger(__name__)

_ALL: list[Coalescer] = []


class Coalescer:
    """Call `send(*args)` at most once per `interval` seconds for each key."""

    def __init__(self, name: str, send: Callable[..., None], interval: float = 1.0) -> None:
        self.name = name
        self.send = send
        self.interval = interval
        self._sent: dict[Any, float] = {}  # key -> time.monotonic() of the last send
        self._due: dict[Any, tuple] = {}  # key -> the arguments of the send already scheduled
        self._lock = threading.Lock()
        self._generation = 0  # bumped by forget(): a send scheduled before it is dropped
        _ALL.append(self)

    def __call__(self, key: Any, *args: Any) -> None:
        """Send now, or at the end of this interval if a send went out within it."""
        with self._lock:
            if key in self._due:
                self._due[key] = args  # the scheduled send carries the latest change
                return
            now = time.monotonic()
            wait = self._sent.get(key, float("-inf")) + self.interval - now
            if wait > 0:
                self._due[key] = args
            else:
                self._sent[key] = now
        if wait <= 0:
            self.send(*args)
            return
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        socketio.start_background_task(self._later, app, key, wait, self._generation)

    def _later(self, app: Any, key: Any, delay: float, generation: int) -> None:
        socketio.sleep(delay)
        with self._lock:
            if generation != self._generation or key not in self._due:
                return
            args = self._due.pop(key)
            self._sent[key] = time.monotonic()
        try:
            with app.app_context():
                self.send(*args)
        except Exception:  # noqa: BLE001 - a lost refresh must not kill anything
            log.exception("%s failed", self.name)

    def forget(self) -> None:
        """Start afresh (a new app in this process, as in tests)."""
        with self._lock:
            self._sent.clear()
            self._due.clear()
            self._generation += 1


def forget_all() -> None:
    """Forget every coalescer's state."""
    for coalescer in _ALL:
        coalescer.forget()
