"""`cafe restore`: a backup replaces the database, a leftover WAL cannot bring newer changes back,
and a running server or a file that is not Café's is refused. Real `cafe` processes throughout."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import LiveServer, free_port, rows


def cafe(db_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run the `cafe` command in its own process on the database."""
    env = {**os.environ, "CAFE_DB": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "cafe", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )


def usernames(db_path: Path) -> set[str]:
    return {name for (name,) in rows(db_path, "SELECT username FROM users")}


def test_restore_brings_the_backup_back_and_the_wal_cannot_undo_it(tmp_path):
    db_path = tmp_path / "instance" / "cafe.db"
    assert cafe(db_path, "user", "add", "early", "--password", "-").returncode == 0
    backup = tmp_path / "backups" / "before.db"
    assert cafe(db_path, "backup", str(backup)).returncode == 0
    server = LiveServer(db_path, free_port()).start()
    try:
        # An account made after the backup while the server runs: its pages sit in cafe.db-wal.
        assert cafe(db_path, "user", "add", "late", "--password", "-").returncode == 0
        refused = cafe(db_path, "restore", str(backup), "--yes")
    finally:
        server.kill()  # a crash leaves the WAL beside the database, as in the audit
    assert refused.returncode == 1 and "cafe serve" in refused.stderr
    wal = Path(f"{db_path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    # The obvious way fails: the backup copied over cafe.db, the WAL replays "late" on top.
    naive = tmp_path / "naive"
    naive.mkdir()
    shutil.copy(wal, naive / "cafe.db-wal")
    shutil.copy(backup, naive / "cafe.db")
    assert "late" in usernames(naive / "cafe.db")

    asked = cafe(db_path, "restore", str(backup), stdin="n\n")
    assert asked.returncode == 1 and "Replace everything in" in asked.stdout
    assert "1 accounts" in asked.stdout and "2 accounts" in asked.stdout
    assert wal.exists() and wal.stat().st_size > 0  # still there for the real restore

    done = cafe(db_path, "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    assert "0 events, 0 notes, 1 accounts" in done.stdout
    assert "secret_key" in done.stdout
    assert usernames(db_path) == {"early"}
    listed = cafe(db_path, "user", "list")
    assert "early" in listed.stdout and "late" not in listed.stdout
    # Opened again afresh (and by a server), the account made after the backup stays gone.
    server = LiveServer(db_path, free_port()).start()
    server.stop()
    assert usernames(db_path) == {"early"}
    assert sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_restore_refuses_a_file_that_is_not_a_cafe_database(tmp_path):
    db_path = tmp_path / "cafe.db"
    assert cafe(db_path, "user", "add", "kept", "--password", "-").returncode == 0
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all " * 100)
    for wrong in (other, text, tmp_path / "missing.db"):
        result = cafe(db_path, "restore", str(wrong), "--yes")
        assert result.returncode == 1, result.stdout
        assert "not a Café database" in result.stderr or "no file" in result.stderr
    assert usernames(db_path) == {"kept"}


def backed_up(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """Return a database with one account ("kept") and a backup of it called `name`."""
    db_path = tmp_path / "cafe.db"
    assert cafe(db_path, "user", "add", "kept", "--password", "-").returncode == 0
    backup = tmp_path / name
    assert cafe(db_path, "backup", str(backup)).returncode == 0
    return db_path, backup


def test_restore_refuses_a_backup_from_a_newer_cafe(tmp_path):
    db_path, backup = backed_up(tmp_path, "newer.db")
    conn = sqlite3.connect(backup)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, 'from the future', 'x')")
    conn.commit()
    conn.close()
    result = cafe(db_path, "restore", str(backup), "--yes")
    assert result.returncode == 1 and "newer Café" in result.stderr


def test_restore_brings_an_older_backup_up_to_date(tmp_path):
    db_path, backup = backed_up(tmp_path, "older.db")
    # Make the backup as an older Café left it: without migration 11 (the embeddings tables).
    conn = sqlite3.connect(backup)
    conn.executescript(
        "DROP TRIGGER note_embeddings_forget; DROP TABLE note_embeddings; "
        "DROP TABLE frame_embeddings; DELETE FROM schema_migrations WHERE version = 11;"
    )
    conn.close()
    done = cafe(db_path, "restore", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    assert rows(db_path, "SELECT COUNT(*) FROM schema_migrations WHERE version = 11") == [(1,)]
    assert rows(db_path, "SELECT name FROM sqlite_master WHERE name = 'note_embeddings'") == [
        ("note_embeddings",)
    ]
    assert usernames(db_path) == {"kept"}
