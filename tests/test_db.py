"""The database: pragmas, migrations, the single writer."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from cafe import db as cafe_db
from cafe.migrations import MIGRATIONS


def test_connections_use_wal_full_sync_foreign_keys_and_secure_delete(tmp_path):
    db = cafe_db.connect(tmp_path / "x.db")
    pragma = lambda name: db.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("secure_delete") == 1
    assert pragma("busy_timeout") >= 5000


def test_migrations_apply_once_and_record_their_version(tmp_path):
    db = cafe_db.connect(tmp_path / "x.db")
    assert cafe_db.migrate(db) == [v for v, _, _ in MIGRATIONS]
    assert cafe_db.migrate(db) == []
    assert cafe_db.schema_version(db) == MIGRATIONS[-1][0]


def test_every_table_but_accounts_carries_an_event_id(tmp_path):
    db = cafe_db.connect(tmp_path / "x.db")
    cafe_db.migrate(db)
    installation_wide = {"events", "users", "user_sessions", "schema_migrations"}
    for table in set(db.table_names()) - installation_wide:
        assert "event_id" in db[table].columns_dict, table


def test_writer_commits_or_rolls_back_as_a_whole(tmp_path):
    writer = cafe_db.Writer(tmp_path / "x.db")
    writer.db.execute("CREATE TABLE t (x INTEGER UNIQUE)")
    writer.write(lambda db: db.execute("INSERT INTO t VALUES (1)"))

    def half(db):
        db.execute("INSERT INTO t VALUES (2)")
        db.execute("INSERT INTO t VALUES (1)")  # violates UNIQUE: the whole write must vanish

    with pytest.raises(sqlite3.IntegrityError):
        writer.write(half)
    other = sqlite3.connect(tmp_path / "x.db")
    assert other.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_writer_serialises_concurrent_callers(tmp_path):
    writer = cafe_db.Writer(tmp_path / "x.db")
    writer.db.execute("CREATE TABLE counter (n INTEGER)")
    writer.db.execute("INSERT INTO counter VALUES (0)")

    def bump(db):
        (n,) = db.execute("SELECT n FROM counter").fetchone()
        db.execute("UPDATE counter SET n = ?", [n + 1])

    threads = [
        threading.Thread(target=lambda: [writer.write(bump) for _ in range(50)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert writer.db.execute("SELECT n FROM counter").fetchone()[0] == 200


def test_readers_cannot_write(tmp_path):
    cafe_db.migrate(cafe_db.connect(tmp_path / "x.db"))
    readers = cafe_db.Readers(tmp_path / "x.db")
    with readers.connection() as db, pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM events")


def test_sqlite_mode_names_the_version_and_the_writer():
    text = cafe_db.sqlite_mode()
    assert sqlite3.sqlite_version in text and "one writer connection per process" in text


def test_versions_added_later_below_the_highest_are_still_applied(tmp_path, monkeypatch):
    # Branches add migrations in parallel: a file may have the highest version before the ones
    # between it and version 5 exist in the code.
    top = MIGRATIONS[-1][0]
    first = [m for m in MIGRATIONS if m[0] <= 5 or m[0] == top]
    skipped = [m[0] for m in MIGRATIONS if m not in first]
    assert skipped, "the test needs a version between 5 and the highest"
    db = cafe_db.connect(tmp_path / "x.db")
    monkeypatch.setattr(cafe_db, "MIGRATIONS", first)
    cafe_db.migrate(db)
    monkeypatch.setattr(cafe_db, "MIGRATIONS", MIGRATIONS)
    assert cafe_db.migrate(db) == skipped
    assert cafe_db.migrate(db) == []


def test_migration_versions_must_be_unique_and_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(cafe_db, "MIGRATIONS", [(2, "b", []), (1, "a", [])])
    with pytest.raises(RuntimeError, match="unique and in order"):
        cafe_db.migrate(cafe_db.connect(tmp_path / "x.db"))
