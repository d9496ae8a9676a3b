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


def write(phone, client_id: str, text: str) -> None:
    """A participant's note, acked: quotable, in the current round."""
    reply = phone.emit("submit_note", {"client_id": client_id, "text": text, "consent": "quote"},
                       namespace="/participant", callback=True)
    assert reply["ok"], reply


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
    assert counts == {"notes": 30, "participants": 1, "drafts": 0}
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
    assert CANARY.encode() not in database_bytes(db_path)
    assert rows(db_path, "SELECT purged_at IS NOT NULL FROM events") == [(1,)]


def test_automatic_purge_takes_only_expired_events(app, phone):
    write(phone, "expiry-0001", "Something to forget")
    with app.app_context():
        assert do_purge_expired() == []  # written today, kept 30 days
        assert do_purge_expired(datetime.now(UTC) + timedelta(days=31)) == ["test-cafe"]
        assert do_purge_expired(datetime.now(UTC) + timedelta(days=31)) == []  # only once


def test_backup_is_a_working_copy(app, phone, tmp_path, db_path):
    write(phone, "backup-0001", "Kept safe")
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


def _age_event(db_path: Path, days: int) -> None:
    """Make the test event look created `days` ago (prepared well before it runs)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE events SET created_at = ?", [when])
    conn.close()


def _due(app, at: datetime) -> list[str]:
    from cafe.actions import expired_events

    with app.app_context(), reading() as db:
        return [e["slug"] for e in expired_events(db, at)]


def test_an_event_prepared_long_ahead_is_not_purged_before_it_happens(app, db_path):
    _age_event(db_path, 45)  # created 45 days ago, kept 30 days, never run: nothing to forget
    assert _due(app, datetime.now(UTC)) == []
    assert _due(app, datetime.now(UTC) + timedelta(days=400)) == []
    with app.app_context():
        assert do_purge_expired() == []
    assert rows(db_path, "SELECT purged_at FROM events") == [(None,)]


def test_a_forgotten_open_event_is_purged_retention_days_after_its_last_note(
    app, client, phone, db_path
):
    _age_event(db_path, 45)
    write(phone, "late-0001", "Written on the day")
    now_ = datetime.now(UTC)
    assert _due(app, now_ + timedelta(days=29)) == []  # counted from the note, not from creation
    assert _due(app, now_ + timedelta(days=30, minutes=1)) == ["test-cafe"]


def test_a_closed_event_counts_from_closing(app, phone, console, db_path):
    write(phone, "closing-0001", "Before closing")
    assert console.emit("close_event", {}, namespace="/console", callback=True)["ok"]
    # Closed a week after its last note: the 30 days run from closing.
    closed = datetime.now(UTC) + timedelta(days=7)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE events SET closed_at = ?",
                     [closed.isoformat().replace("+00:00", "Z")])
    conn.close()
    assert _due(app, closed + timedelta(days=29)) == []
    assert _due(app, closed + timedelta(days=30, minutes=1)) == ["test-cafe"]


def test_a_purged_event_says_so_to_phones_and_staff(app, live_server, db_path):
    import re

    import pytest
    import requests
    import socketio
    from test_server import cookie_header, join_http

    from conftest import PASSWORD

    base = live_server.url
    joined = join_http(base)  # a phone that joined before the purge
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        do_purge_event(event)
    # Opening a table link shows the ended screen, not the joining notice.
    page = requests.get(f"{base}/e/test-cafe/t/2", timeout=10).text
    assert 'data-status="purged"' in page
    assert "This café has ended and its notes have been deleted." in page
    # Joining is refused with a code the phone turns into that screen.
    fresh = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      fresh.get(f"{base}/e/test-cafe/", timeout=10).text).group(1)
    reply = fresh.post(f"{base}/e/test-cafe/join", json={"table": 2},
                       headers={"X-CSRFToken": token}, timeout=10)
    assert reply.status_code == 400 and reply.json()["code"] == "purged"
    # The phone that had joined is told the same when it reconnects.
    reasons: list = []
    sio = socketio.Client(reconnection=False)
    sio.on("connect_error", reasons.append, namespace="/participant")
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(base, namespaces=["/participant"], auth={"event": "test-cafe"},
                    headers=cookie_header(joined), transports=["websocket"], wait_timeout=5)
    assert reasons == [{"message": "This café has ended and its notes have been deleted.",
                        "data": {"code": "purged"}}]
    # Staff see it in the events list and on the console.
    staff = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      staff.get(f"{base}/login", timeout=10).text).group(1)
    staff.post(f"{base}/login", timeout=10,
               data={"username": "fac", "password": PASSWORD, "csrf_token": token})
    day = event_purged_day(db_path)
    assert f"Notes deleted on {day} (retention)" in staff.get(f"{base}/console/", timeout=10).text
    console = staff.get(f"{base}/console/test-cafe", timeout=10).text
    assert f"Notes deleted on {day} (retention)" in console


def event_purged_day(db_path: Path) -> str:
    return rows(db_path, "SELECT purged_at FROM events")[0][0][:10]
