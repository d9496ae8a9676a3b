"""CPU-heavy work off the event loop: on gevent's native thread pool when serving, else directly.

A plan for a big café, a word cloud or a large JSON parse would otherwise hold the one event loop
that every phone's ack waits on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def serving_on_gevent() -> bool:
    """True in `cafe serve`, where gevent has patched threading and one event loop serves all."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("threading")


def off_loop(fn: Callable, *args: Any) -> Any:
    """Run CPU-heavy `fn` on gevent's native thread pool when serving on gevent, else directly."""
    if not serving_on_gevent():
        return fn(*args)
    import gevent

    def job() -> tuple[bool, Any]:
        try:
            return True, fn(*args)
        except Exception as exc:  # noqa: BLE001 - re-raised in the calling greenlet
            return False, exc

    ok, value = gevent.get_hub().threadpool.apply(job)
    if not ok:
        raise value
    return value
