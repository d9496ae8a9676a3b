"""Erasing a note's or insight's old text from the write-ahead log soon after it changes (issue 19)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger("cafe.db")


class EraseText:
    """The part of the `Writer` (cafe/db.py) that checkpoints after text is edited or deleted.

    Uses the writer's connection `db`, its `_pool` (gevent) or `_lock`, and
    `_across_processes()`.
    """

    db: Any
    _pool: Any
    _lock: Any
    _erase_wanted = False  # set by the temporary triggers of `erase_text_at_once`
    _erase_due = False  # a checkpoint is scheduled
    _last_erase = 0.0
    _closed = False

    # A checkpoint comes this long after the change that wants it, and at most once a second:
    # every edit and withdrawal in that time shares it, so a busy café adds ~1 checkpoint/s.
    ERASE_DELAY = 0.2
    ERASE_INTERVAL = 1.0

    def erase_text_at_once(self) -> None:
        """Checkpoint (TRUNCATE) soon after a note's or insight's text is changed or deleted.

        secure_delete zeroes the old text in the page, but the WAL still holds the page as it
        was until a checkpoint copies the new page into the file and truncates the WAL. The
        triggers are TEMP: they live on this connection only, and other programs opening the
        file never see them.
        """
        conn = self.db.conn
        conn.create_function("cafe_text_erased", 0, self._text_erased)
        for table in ("notes", "insights"):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS cafe_erase_{table}_text "
                f"AFTER UPDATE OF text ON main.{table} WHEN OLD.text IS NOT NEW.text "
                "BEGIN SELECT cafe_text_erased(); END"
            )
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS cafe_erase_{table}_gone "
                f"AFTER DELETE ON main.{table} BEGIN SELECT cafe_text_erased(); END"
            )

    def _text_erased(self) -> None:
        self._erase_wanted = True

    def _erase_if_wanted(self) -> None:
        if self._erase_wanted:
            self._erase_wanted = False
            self.erase_soon()

    def erase_soon(self) -> None:
        """Schedule one TRUNCATE checkpoint (calls before it runs share it)."""
        if self._erase_due or self._closed:
            return
        self._erase_due = True
        delay = max(self.ERASE_DELAY, self._last_erase + self.ERASE_INTERVAL - time.monotonic())
        if self._pool is not None:
            import gevent

            gevent.spawn_later(delay, self._erase)
        else:
            timer = threading.Timer(delay, self._erase)
            timer.daemon = True
            timer.start()

    def _erase(self) -> None:
        self._erase_due = False
        if self._closed:
            return
        self._last_erase = time.monotonic()

        def job() -> tuple:
            with self._across_processes():
                # Wait briefly for readers, not the usual 10 s: the next try comes soon.
                self.db.execute("PRAGMA busy_timeout=250")
                try:
                    return tuple(self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
                finally:
                    self.db.execute("PRAGMA busy_timeout=10000")

        try:
            if self._pool is not None:
                busy = self._pool.apply(job)[0]
            else:
                with self._lock:
                    busy = job()[0]
        except Exception as exc:  # noqa: BLE001 - closing, or the disk: try again later
            if self._closed:
                return
            log.warning("checkpoint after erasing text failed (%s); trying again", exc)
            busy = 1
        if busy:  # a reader held an old snapshot: the WAL is not yet empty
            self.erase_soon()
