"""CPU-heavy work off the event loop: on gevent's native thread pool when serving, else directly.

A plan for a big café, a word cloud or a large JSON parse would otherwise hold the one event loop
that every phone's ack waits on.
"""

from __future__ import annotations

import logging
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


def read_off_loop(fn: Callable, *args: Any) -> Any:
    """Run `fn(db, *args)` with a read-only connection: when serving on gevent on a native thread
    with a connection of its own, else here with one of the app's readers.

    Reading and grouping thousands of rows (a workspace page) takes tens of milliseconds; on the
    event loop that would hold up every phone's ack. On a native thread it still takes the GIL in
    turns, but the loop gets its turns too.
    """
    from flask import current_app

    from cafe.db import connect, reading

    if not serving_on_gevent():
        with reading() as db:
            return fn(db, *args)
    path = current_app.config["CAFE_DATABASE"]

    def job() -> Any:
        db = connect(path)
        try:
            db.execute("PRAGMA query_only=ON")
            return fn(db, *args)
        finally:
            db.close()

    return off_loop(job)


# Python's cyclic collector examines its youngest generation after every 700 new container
# objects by default. Serving hundreds of notes a second, each examination found objects still
# in flight and moved them to older generations, which soon set off full passes over every
# connection's objects: 300-360 ms each at 5,000 phones, twice in a round change, holding every
# ack. Examining the young generation after 10,000 instead takes 5-20 ms and, in the same run,
# set off no full pass (docs/BENCHMARKS.md).
YOUNG_GENERATION_THRESHOLD = 10_000
# A full pass looks at every connection's objects (0.8 s at 10,000 phones). Python considers one
# after every 10 passes over the middle generation (and makes it when the objects that reached
# the oldest generation since the last one are a quarter of those it kept); this considers one
# after every 100.
OLD_GENERATION_THRESHOLD = 100


def tune_collector() -> int:
    """Set the cyclic garbage collector up for serving; return how many objects were frozen.

    Everything alive before serving (modules, the app, caches) is moved out of the collector's
    sight: those objects live as long as the process, so nothing is lost by never scanning them,
    and a full pass over them (about 150,000 with scikit-learn's modules) held the event loop
    50 ms or more. Then the young generation is examined less often (see above).
    """
    import gc

    gc.collect()
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, OLD_GENERATION_THRESHOLD)
    if _log_long_passes not in gc.callbacks:
        gc.callbacks.append(_log_long_passes)
    return gc.get_freeze_count()


LONG_PASS_S = 0.1
_pass_started: list[float] = [0.0]


def _log_long_passes(phase: str, info: dict[str, int]) -> None:
    """Say in the server's log when a collector pass held everything for LONG_PASS_S or more."""
    import time

    if phase == "start":
        _pass_started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _pass_started[0]
    if took >= LONG_PASS_S:
        logging.getLogger("cafe.gc").warning(
            "garbage collector pass (generation %d) held the server %.0f ms",
            info["generation"],
            took * 1000,
        )
