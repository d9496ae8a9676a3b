"""What the synthesis workspace reads: the notes it may use, themes, memberships, overrides, runs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from cafe.safety import kept_back
from cafe.synthesis.types import NoteInput

ACTIVE = ("queued", "running")


def _all(db: Database, sql: str, params: Iterable = ()) -> list[dict[str, Any]]:
    return [dict(row) for row in db.execute(sql, list(params)).fetchall()]


def _one(db: Database, sql: str, params: Iterable = ()) -> dict[str, Any] | None:
    row = db.execute(sql, list(params)).fetchone()
    return dict(row) if row is not None else None


def _event(db: Database, event_id: int) -> dict[str, Any]:
    return _one(db, "SELECT * FROM events WHERE id = ?", [event_id])


def _names(event: dict[str, Any]) -> tuple[str, ...]:
    return tuple(json.loads(event["plan_json"]).get("names", []))


def is_quotable(note: dict[str, Any]) -> bool:
    """Say whether a note may be quoted word for word: consent 'quote' and not a disclosure."""
    return note["consent"] == "quote" and not kept_back(note["flags_json"])


def workspace_notes(db: Database, event_id: int, scope: dict | None = None) -> list[dict[str, Any]]:
    """Return the notes synthesis may use: saved, not held, within a run's scope.

    Disclosures never reach the workspace: the safeguarding queue is the only place they appear.
    Nor do notes in a language Café cannot screen: no theme is named and no phrase picked from
    words nobody has checked.
    """
    rows = _all(
        db,
        "SELECT id, participant_id, table_no, round_no, text, consent, flags_json FROM notes "
        "WHERE event_id = ? AND status = 'saved' ORDER BY id",
        [event_id],
    )
    rows = [r for r in rows if not kept_back(json.loads(r["flags_json"]))]
    scope = scope or {}
    if scope.get("rounds"):
        rows = [r for r in rows if r["round_no"] in scope["rounds"]]
    if scope.get("tables"):
        rows = [r for r in rows if r["table_no"] in scope["tables"]]
    return rows


def note_input(note: dict[str, Any]) -> NoteInput:
    """Return a note as the synthesis engine takes it."""
    return NoteInput(
        id=note["id"],
        text=note["text"],
        table=note["table_no"],
        round=note["round_no"],
        consent=note["consent"],
        flags=tuple(json.loads(note["flags_json"])),
    )


def overrides(db: Database, event_id: int) -> dict[int, dict[str, Any]]:
    """Return each note's staff overrides (moved, excluded, pinned) by note id."""
    rows = _all(db, "SELECT * FROM note_overrides WHERE event_id = ?", [event_id])
    return {r["note_id"]: r for r in rows}


def active_themes(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the event's current themes in their order (without the cloud image)."""
    return _all(
        db,
        "SELECT id, run_id, key, label, key_phrases_json, frame, word_weights_json, "
        "representatives_json, cloud_digest, locked, active, position, named, name_from "
        "FROM themes WHERE event_id = ? AND active = 1 ORDER BY position, id",
        [event_id],
    )


def memberships(db: Database, event_id: int) -> dict[int, int]:
    """Return note id -> theme id for every note in a current theme."""
    rows = db.execute(
        "SELECT note_id, theme_id FROM theme_notes WHERE event_id = ?", [event_id]
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _members(db: Database, theme_id: int) -> list[int]:
    rows = db.execute(
        "SELECT note_id FROM theme_notes WHERE theme_id = ? ORDER BY note_id", [theme_id]
    ).fetchall()
    return [r[0] for r in rows]


def latest_run(db: Database, event_id: int, status: str | None = None) -> dict[str, Any] | None:
    """Return the event's newest run (of a given status)."""
    sql = "SELECT * FROM synthesis_runs WHERE event_id = ?"
    params: list[Any] = [event_id]
    if status:
        sql += " AND status = ?"
        params.append(status)
    return _one(db, sql + " ORDER BY id DESC LIMIT 1", params)


def current_run(db: Database, event_id: int) -> dict[str, Any] | None:
    """Return the run whose themes the workspace holds: the newest finished run not undone.

    Undoing a run brings back the themes from before it, and with them the scope (rounds, tables)
    of the run before it, so what counts as "not yet themed" is that run's again.
    """
    return _one(
        db,
        "SELECT * FROM synthesis_runs r WHERE event_id = ? AND status = 'done' AND NOT EXISTS ("
        "SELECT 1 FROM synthesis_audit a WHERE a.event_id = r.event_id AND a.action = 'run' "
        "AND a.undone_by IS NOT NULL AND json_extract(a.detail_json, '$.run') = r.id) "
        "ORDER BY id DESC LIMIT 1",
        [event_id],
    )


def run_by_id(db: Database, run_id: int) -> dict[str, Any] | None:
    """Return one run."""
    return _one(db, "SELECT * FROM synthesis_runs WHERE id = ?", [run_id])


def pid_alive(pid: int | None) -> bool:
    """Say whether a process with this id still runs on this machine."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Progress of the runs this server process follows, kept in memory: a commit (with its fsync) per
# progress step would queue in front of phones' notes at the single writer.
LIVE_PROGRESS: dict[int, tuple[float, str]] = {}


def run_view(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return a run as the staff page shows it; a run whose process has gone shows as failed."""
    if run is None:
        return None
    status, message, progress = run["status"], run["message"], run["progress"]
    if status in ACTIVE and run["id"] in LIVE_PROGRESS:
        progress, message = LIVE_PROGRESS[run["id"]]
    elif status in ACTIVE and not pid_alive(run["pid"]):
        status, message = "failed", "The synthesis process stopped before it finished."
    elif status == "failed" and run.get("cancelled_by"):
        status = "cancelled"
    return {
        "id": run["id"],
        "status": status,
        "cancelled_by": run.get("cancelled_by"),
        "progress": round(progress, 3),
        "message": message,
        "params": json.loads(run["params_json"]),
        "created_by": run["created_by"],
        "created_at": run["created_at"],
        "finished_at": run["finished_at"],
    }
