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
from cafe.wal_erase import EraseText

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


class Writer(EraseText):
    """The one writing connection of this process; every write is a function run here.

    Writes that arrive while a commit is in flight are committed together (group commit): each
    runs in its own SAVEPOINT inside one `BEGIN IMMEDIATE` transaction, so one failing is rolled
    back alone, and all of them return only after the one COMMIT (one fsync) that covers them.
    With `lock_path` (several worker processes sharing the file), an exclusive file lock is held
    around every transaction and checkpoint, so across processes at most one connection writes or
    checkpoints at a time (the condition SQLite's WAL-reset bug needs never arises).
    """

    MAX_BATCH = 64

    def __init__(self, path: str | Path, lock_path: str | Path | None = None) -> None:
        self.path = str(path)
        self.db = connect(path)
        # Under gevent a commit's fsync would freeze every phone, so writes run on one native
        # thread and only the calling greenlet waits. Elsewhere a lock serialises callers.
        self._pool = _threadpool_if_gevent()
        self._lock = threading.Lock()
        self._pending: list[tuple[Callable[..., Any], tuple, dict, Any]] = []
        self._draining = False
        self._lock_file = None
        self._erase_wanted = False  # set by the temporary triggers of `erase_text_at_once`
        self._erase_due = False  # a checkpoint is scheduled
        self._last_erase = 0.0
        self._closed = False
        if lock_path:
            try:
                self._lock_file = open(lock_path, "a+b")  # noqa: SIM115 - held for life
            except OSError as exc:  # a read-only directory: nothing can write anyway
                log.warning("no write lock file %s (%s)", lock_path, exc.strerror)

    @contextlib.contextmanager
    def _across_processes(self) -> Iterator[None]:
        if self._lock_file is None:
            yield
            return
        import fcntl

        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _run_batch(self, batch: list[tuple[Callable[..., Any], tuple, dict]]) -> list[tuple]:
        """Run each job in its own savepoint of one transaction; return (ok, value) per job."""
        results: list[tuple[bool, Any]] = []
        try:
            return self._run_jobs(batch, results)
        except BaseException as exc:  # noqa: BLE001 - a savepoint statement itself failed
            conn = self.db.conn
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    log.exception("rollback after a failed batch")
            # What this batch did may or may not be on disk: callers resend, and every write
            # that matters is idempotent (notes by client id), so none is lost or doubled.
            return [(False, exc)] * len(batch)

    def _run_jobs(
        self, batch: list[tuple[Callable[..., Any], tuple, dict]], results: list[tuple]
    ) -> list[tuple]:
        conn = self.db.conn
        open_since = 0  # index of the first job whose work is not yet committed
        # A job alone in its transaction needs no savepoint: a failure rolls the transaction back.
        # (Each statement hands the GIL to this thread and back; most batches hold one note.)
        alone = len(batch) == 1
        with self._across_processes():
            try:
                conn.execute("BEGIN IMMEDIATE")
            except BaseException as exc:  # noqa: BLE001 - every caller gets the fault
                return [(False, exc)] * len(batch)
            for fn, args, kwargs in batch:
                if not conn.in_transaction:
                    # The last job committed by itself (sqlite-utils' insert_all does).
                    open_since = len(results)
                    try:
                        conn.execute("BEGIN IMMEDIATE")
                    except BaseException as exc:  # noqa: BLE001
                        results.append((False, exc))
                        continue
                if not alone:
                    conn.execute("SAVEPOINT cafe_job")
                try:
                    value = fn(self.db, *args, **kwargs)
                except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                    if conn.in_transaction and alone:
                        conn.execute("ROLLBACK")
                    elif conn.in_transaction:
                        conn.execute("ROLLBACK TO cafe_job")
                        conn.execute("RELEASE cafe_job")
                    else:
                        # SQLite rolled the whole transaction back (disk full, I/O error):
                        # the earlier jobs of this batch were lost with it.
                        for i in range(open_since, len(results)):
                            if results[i][0]:
                                results[i] = (False, exc)
                        open_since = len(results) + 1
                    results.append((False, exc))
                    continue
                if conn.in_transaction and not alone:
                    conn.execute("RELEASE cafe_job")
                results.append((True, value))
            if conn.in_transaction:
                try:
                    conn.execute("COMMIT")
                except BaseException as exc:  # noqa: BLE001 - nothing since open_since was saved
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    for i in range(open_since, len(results)):
                        if results[i][0]:
                            results[i] = (False, exc)
        return results

    def _drain(self) -> None:
        """Commit pending writes in batches until none are left (a greenlet, under gevent)."""
        try:
            while self._pending:
                batch = self._pending[: self.MAX_BATCH]
                del self._pending[: self.MAX_BATCH]
                try:
                    results = self._pool.apply(self._run_batch, ([job[:3] for job in batch],))
                except BaseException as exc:  # noqa: BLE001 - the pool itself failed
                    results = [(False, exc)] * len(batch)
                for job, result in zip(batch, results, strict=True):
                    job[3].set(result)
                self._erase_if_wanted()
        finally:
            self._draining = False

    def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(db, *args, **kwargs)` in one transaction; return its result once committed."""
        if self._pool is not None:
            import gevent
            from gevent.event import AsyncResult

            slot = AsyncResult()
            self._pending.append((fn, args, kwargs, slot))
            if not self._draining:
                self._draining = True
                gevent.spawn(self._drain)
            ok, value = slot.get()
        else:
            with self._lock:
                ((ok, value),) = self._run_batch([(fn, args, kwargs)])
            self._erase_if_wanted()
        if not ok:
            raise value
        return value

    def write_outside_transaction(self, sql: str) -> list[tuple]:
        """Run one statement that SQLite refuses inside a transaction (a checkpoint, VACUUM)."""

        def job() -> list[tuple]:
            with self._across_processes():
                return [tuple(row) for row in self.db.execute(sql).fetchall()]

        if self._pool is not None:
            return self._pool.apply(job)
        with self._lock:
            return job()

    def close(self) -> None:
        """Close the writing connection."""
        self._closed = True
        if self._pool is not None:
            self._pool.kill()
        with self._across_processes():
            self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()


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
    """Apply every migration the file has not recorded, in version order, each in its own transaction."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    versions = [version for version, _, _ in MIGRATIONS]
    if versions != sorted(set(versions)):
        raise RuntimeError(f"migration versions must be unique and in order: {versions}")
    # Apply every migration not yet recorded, not only those above the highest: branches add
    # versions in parallel, so a file may hold 8 before 6 and 7 exist in the code.
    done = {row[0] for row in db.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
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


def write_lock_path(path: str | Path) -> str | None:
    """Return the file whose lock every writing process of a database takes in turn."""
    return None if str(path) == ":memory:" else f"{path}-writelock"


def init_app(app: Flask) -> None:
    """Open the writer, bring the schema up to date and make the reader pool."""
    path = app.config["CAFE_DATABASE"]
    # Every process writing this file (workers, `cafe user ...` while serving) takes turns.
    writer = Writer(path, lock_path=write_lock_path(path))
    migrate(writer.db)
    writer.erase_text_at_once()
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
