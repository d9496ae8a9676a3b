"""Connections, pragmas, the single writer and schema migrations.

SQLite before 3.51.3 can lose committed writes when several connections write or checkpoint at
once (the WAL-reset bug), so every write in a process goes through one `Writer`: one connection
served by one thread. Readers open their own connections.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from flask import Flask, current_app

from cafe.migrations import MIGRATIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

# First SQLite release with the WAL-reset fix.
WAL_RESET_FIXED = (3, 51, 3)

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA secure_delete=ON",
)


def sqlite_mode() -> str:
    """Describe the SQLite version and the write mode in force, for the start-up banner."""
    version = sqlite3.sqlite_version
    fixed = sqlite3.sqlite_version_info >= WAL_RESET_FIXED
    note = "has the WAL-reset fix" if fixed else "predates the WAL-reset fix (3.51.3)"
    return f"SQLite {version} {note}; WAL, synchronous=FULL, one writer connection per process"


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open a connection to the database file with our pragmas."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return sqlite_utils.Database(conn)


def _threadpool_if_gevent() -> Any:
    """Return a one-thread native pool when gevent has patched threading, else None."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return None
    if not monkey.is_module_patched("threading"):
        return None
    from gevent.threadpool import ThreadPool

    return ThreadPool(1)


class Writer:
    """The one writing connection of this process; every write is a function run here."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = connect(path)
        # Under gevent a commit's fsync would freeze every phone, so writes run on one native
        # thread and only the calling greenlet waits. Elsewhere a lock serialises callers.
        self._pool = _threadpool_if_gevent()
        self._lock = threading.Lock()

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` in one transaction; return its result once committed."""

        def job() -> tuple[bool, Any]:
            conn = self.db.conn
            try:
                # IMMEDIATE takes the write lock up front, so busy_timeout waits out another
                # process's write instead of failing at once when a read turns into a write.
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(self.db, *args, **kwargs)
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return True, result
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller's greenlet
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                return False, exc

        if self._pool is not None:
            # Exceptions come back as values: the pool would otherwise print its own traceback.
            ok, value = self._pool.apply(job)
        else:
            with self._lock:
                ok, value = job()
        if not ok:
            raise value
        return value

    def write_outside_transaction(self, sql: str) -> list[tuple]:
        """Run one statement that SQLite refuses inside a transaction (a checkpoint, VACUUM)."""

        def job() -> list[tuple]:
            return [tuple(row) for row in self.db.execute(sql).fetchall()]

        if self._pool is not None:
            return self._pool.apply(job)
        with self._lock:
            return job()

    def close(self) -> None:
        """Close the writing connection."""
        if self._pool is not None:
            self._pool.kill()
        self.db.close()


class NotWritable(RuntimeError):
    """The database file cannot be written (read-only file system, permissions)."""


def check_writable(writer: Writer) -> str | None:
    """Refuse to start on a database that can never take writes; return a warning for a full disk.

    A full disk is worth serving through (reads work, and writes resume by themselves once space
    is freed); a read-only file would refuse every note until restarted.
    """
    try:
        writer.write(lambda db: db.execute("PRAGMA user_version = user_version"))
    except sqlite3.OperationalError as exc:
        if describe_failure(exc) == "disk_full":
            return f"Warning: the disk holding {writer.path} is full; notes wait on phones until space is freed."
        raise NotWritable(f"Cannot write to the database {writer.path}: {exc}.") from None
    return None


def describe_failure(exc: BaseException) -> str | None:
    """Return a plain description of a database fault a person can act on, if it is one."""
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text:
        return "disk_full"
    if "readonly" in text or "read-only" in text:
        return "read_only"
    if "locked" in text or "busy" in text:
        return "busy"
    return None


def schema_version(db: sqlite_utils.Database) -> int:
    """Return the highest migration applied, 0 for a new file."""
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration newer than the file's version, each in its own transaction."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied = []
    current = schema_version(db)
    for version, name, statements in MIGRATIONS:
        if version <= current:
            continue
        with db.atomic():
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                [version, name],
            )
        applied.append(version)
        log.info("applied migration %s (%s)", version, name)
    return applied


class Readers:
    """A small pool of read-only connections, so a socket event does not open a file each time."""

    def __init__(self, path: str | Path, size: int = 4) -> None:
        self.path = str(path)
        self.size = size
        self._idle: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite_utils.Database]:
        """Lend a reading connection for the length of a `with` block."""
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = connect(self.path)
            db.execute("PRAGMA query_only=ON")
        try:
            yield db
        finally:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append(db)
                    db = None
            if db is not None:
                db.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            while self._idle:
                self._idle.pop().close()


def init_app(app: Flask) -> None:
    """Open the writer, bring the schema up to date and make the reader pool."""
    path = app.config["CAFE_DATABASE"]
    writer = Writer(path)
    migrate(writer.db)
    app.extensions["cafe.writer"] = writer
    app.extensions["cafe.readers"] = Readers(path)


def get_writer() -> Writer:
    """Return this app's single writer."""
    return current_app.extensions["cafe.writer"]


@contextlib.contextmanager
def reading() -> Iterator[sqlite_utils.Database]:
    """Lend a read-only connection of this app."""
    with current_app.extensions["cafe.readers"].connection() as db:
        yield db


def close_app(app: Flask) -> None:
    """Close the app's connections (tests and shutdown)."""
    app.extensions["cafe.readers"].close()
    app.extensions["cafe.writer"].close()
