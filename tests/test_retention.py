"""Forgetting for real, and backups."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from cafe import queries
from cafe.actions import do_backup, do_purge_event, do_purge_expired
from cafe.cli import cli
from cafe.db import reading
from conftest import rows

CANARY = "Canary-7f3a9 the purple elephant remembers"


def database_bytes(db_path: Path) -> bytes:
    """Return every byte SQLite keeps for this database (main file, WAL and shared memory)."""
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


def test_purge_removes_the_text_from_every_database_file(app, phone, db_path):
    for i in range(30):
        phone.emit(
            "submit_note",
            {"client_id": f"canary-{i:04d}", "text": f"{CANARY} {i}", "consent": "quote"},
            namespace="/participant",
            callback=True,
        )
    assert CANARY.encode() in database_bytes(db_path)
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        counts = do_purge_event(event)
    assert counts == {"notes": 30, "participants": 1}
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
    assert CANARY.encode() not in database_bytes(db_path)
    assert rows(db_path, "SELECT purged_at IS NOT NULL FROM events") == [(1,)]


def test_automatic_purge_takes_only_expired_events(app, phone):
    with app.app_context():
        assert do_purge_expired() == []  # created today, kept 30 days
        assert do_purge_expired(datetime.now(UTC) + timedelta(days=31)) == ["test-cafe"]
        assert do_purge_expired(datetime.now(UTC) + timedelta(days=31)) == []  # only once


def test_backup_is_a_working_copy(app, phone, tmp_path, db_path):
    phone.emit(
        "submit_note",
        {"client_id": "backup-0001", "text": "Kept safe", "consent": "quote"},
        namespace="/participant",
        callback=True,
    )
    target = tmp_path / "backups" / "copy.db"
    assert do_backup(db_path, target) > 0
    # Restore: the copy opens as a Café database with the note in it.
    from cafe import create_app
    from cafe.db import close_app

    restored = create_app(
        {"CAFE_DATABASE": str(target), "SECRET_KEY": "x", "CAFE_ASYNC_MODE": "threading"}
    )
    with restored.app_context(), reading() as db:
        assert [n["text"] for n in queries.event_notes(db, 1)] == ["Kept safe"]
    close_app(restored)
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_refuses_to_overwrite(tmp_path, db_path, app):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    try:
        do_backup(db_path, target)
    except FileExistsError:
        pass
    assert target.read_text() == "precious"


def test_cli_purge_and_backup(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_DB", str(tmp_path / "c.db"))
    runner = CliRunner()
    runner.invoke(cli, ["demo"], catch_exceptions=False)
    result = runner.invoke(cli, ["backup", str(tmp_path / "b.db")], catch_exceptions=False)
    assert result.exit_code == 0 and "Backed up" in result.output
    again = runner.invoke(cli, ["backup", str(tmp_path / "b.db")])
    assert again.exit_code == 1 and "already exists" in again.output
    refused = runner.invoke(cli, ["purge", "demo"], input="n\n")
    assert (
        refused.exit_code == 1 and rows(tmp_path / "c.db", "SELECT COUNT(*) FROM notes")[0][0] > 0
    )
    done = runner.invoke(cli, ["purge", "demo", "--yes"], catch_exceptions=False)
    assert "Purged 150 notes" in done.output
    assert rows(tmp_path / "c.db", "SELECT COUNT(*) FROM notes") == [(0,)]


def test_user_disable_and_passwd_end_sessions(app, client):
    from conftest import login

    login(client)
    assert client.get("/console/").status_code == 200
    with app.app_context():
        from cafe.actions import do_disable_user

        do_disable_user("fac")
    assert client.get("/console/").status_code == 302
    from conftest import PASSWORD

    assert login(client, "fac", PASSWORD).status_code == 401
