"""Where the synthesis workspace keeps its state: reads, the audit log's snapshots, and undo.

`cafe.actions.synthesis` builds the staff edits and the result on this; import from there.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused, now
from cafe.db import get_writer
from cafe.held import is_held
from cafe.i18n import local_time
from cafe.offloop import off_loop
from cafe.synthesis.types import NoteInput

ACTIVE = ("queued", "running")
ACTION_NAMES = {
    "run": _("Ran synthesis"),
    "rename": _("Renamed a theme"),
    "merge": _("Merged themes"),
    "split": _("Split a theme"),
    "move": _("Moved a note"),
    "exclude": _("Excluded a note"),
    "include": _("Included a note again"),
    "pin": _("Pinned a quote"),
    "unpin": _("Unpinned a quote"),
    "lock": _("Locked a theme"),
    "unlock": _("Unlocked a theme"),
    "undo": _("Undid a change"),
}


# ---- reading ------------------------------------------------------------------------------------


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
    return note["consent"] == "quote" and not is_held(note["flags_json"])


def workspace_notes(db: Database, event_id: int, scope: dict | None = None) -> list[dict[str, Any]]:
    """Return the notes synthesis may use: saved, not held as a disclosure, within a run's scope.

    Disclosures never reach the workspace: the safeguarding queue is the only place they appear.
    """
    rows = _all(
        db,
        "SELECT id, participant_id, table_no, round_no, text, consent, flags_json FROM notes "
        "WHERE event_id = ? AND status = 'saved' ORDER BY id",
        [event_id],
    )
    rows = [r for r in rows if not is_held(r["flags_json"])]
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


# ---- snapshots, the audit log and undo ----------------------------------------------------------

_THEME_COLUMNS = (
    "id",
    "run_id",
    "key",
    "label",
    "key_phrases_json",
    "frame",
    "word_weights_json",
    "representatives_json",
    "cloud_digest",
    "locked",
    "active",
    "position",
    "named",
    "name_from",
)
# Snapshots logged before migration 10 have no `named`/`name_from`: undo puts these back.
_THEME_DEFAULTS = {"named": 0, "name_from": None}


def _ids_json(ids: Iterable[int]) -> str:
    return json.dumps(sorted({int(i) for i in ids}))


def _snapshot(db: Database, event_id: int, theme_ids=None, note_ids=None) -> dict[str, Any]:
    """Return the state of some themes and notes (or of the whole workspace when both are None)."""
    if theme_ids is None and note_ids is None:
        themes = _all(
            db,
            f"SELECT {', '.join(_THEME_COLUMNS)} FROM themes WHERE event_id = ? AND active = 1",
            [event_id],
        )
        members = db.execute(
            "SELECT note_id, theme_id FROM theme_notes WHERE event_id = ?", [event_id]
        ).fetchall()
        marks = _all(
            db,
            "SELECT note_id, moved, excluded, pinned FROM note_overrides WHERE event_id = ?",
            [event_id],
        )
        return {
            "all": True,
            "theme_ids": [t["id"] for t in themes],
            "note_ids": [],
            "themes": themes,
            "members": [list(m) for m in members],
            "overrides": marks,
        }
    t_json, n_json = _ids_json(theme_ids or ()), _ids_json(note_ids or ())
    themes = _all(
        db,
        f"SELECT {', '.join(_THEME_COLUMNS)} FROM themes WHERE event_id = ? "
        "AND id IN (SELECT value FROM json_each(?))",
        [event_id, t_json],
    )
    members = db.execute(
        "SELECT note_id, theme_id FROM theme_notes WHERE event_id = ? AND "
        "(theme_id IN (SELECT value FROM json_each(?)) "
        "OR note_id IN (SELECT value FROM json_each(?)))"
        " ORDER BY note_id",
        [event_id, t_json, n_json],
    ).fetchall()
    marks = _all(
        db,
        "SELECT note_id, moved, excluded, pinned FROM note_overrides WHERE event_id = ? "
        "AND note_id IN (SELECT value FROM json_each(?))",
        [event_id, n_json],
    )
    return {
        "all": False,
        "theme_ids": json.loads(t_json),
        "note_ids": json.loads(n_json),
        "themes": themes,
        "members": [list(m) for m in members],
        "overrides": marks,
    }


def _restore(db: Database, event_id: int, state: dict, other: dict) -> None:
    """Put back `state`, undoing everything `other` (the state after the change) added."""
    if state["all"] or other["all"]:
        db.execute("DELETE FROM theme_notes WHERE event_id = ?", [event_id])
        db.execute("DELETE FROM note_overrides WHERE event_id = ?", [event_id])
        db.execute("UPDATE themes SET active = 0 WHERE event_id = ?", [event_id])
    else:
        themes = _ids_json(set(state["theme_ids"]) | set(other["theme_ids"]))
        notes = _ids_json(set(state["note_ids"]) | set(other["note_ids"]))
        db.execute(
            "DELETE FROM theme_notes WHERE event_id = ? AND (theme_id IN (SELECT value FROM "
            "json_each(?)) OR note_id IN (SELECT value FROM json_each(?)))",
            [event_id, themes, notes],
        )
        db.execute(
            "DELETE FROM note_overrides WHERE event_id = ? AND note_id IN "
            "(SELECT value FROM json_each(?))",
            [event_id, notes],
        )
        added = set(other["theme_ids"]) - set(state["theme_ids"])
        db.execute(
            "UPDATE themes SET active = 0 WHERE event_id = ? AND id IN "
            "(SELECT value FROM json_each(?))",
            [event_id, _ids_json(added)],
        )
    sets = ", ".join(f"{c} = ?" for c in _THEME_COLUMNS[1:])
    for t in state["themes"]:
        db.execute(
            f"UPDATE themes SET {sets} WHERE id = ? AND event_id = ?",
            [t.get(c, _THEME_DEFAULTS.get(c)) for c in _THEME_COLUMNS[1:]] + [t["id"], event_id],
        )
    # Notes purged since are skipped: undo never brings text back.
    db.conn.executemany(
        "INSERT OR REPLACE INTO theme_notes (note_id, theme_id, event_id) SELECT ?, ?, ? "
        "WHERE EXISTS (SELECT 1 FROM notes WHERE id = ?)",
        [(n, t, event_id, n) for n, t in state["members"]],
    )
    db.conn.executemany(
        "INSERT OR REPLACE INTO note_overrides (note_id, event_id, moved, excluded, pinned) "
        "SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM notes WHERE id = ?)",
        [
            (o["note_id"], event_id, o["moved"], o["excluded"], o["pinned"], o["note_id"])
            for o in state["overrides"]
        ],
    )


def _audit(
    db: Database,
    event_id: int,
    actor: str,
    action: str,
    detail: dict,
    before: dict,
    after: dict,
    undoes: int | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO synthesis_audit (event_id, actor, at, action, detail_json, before_json, "
        "after_json, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            event_id,
            actor,
            now(),
            action,
            json.dumps(detail),
            json.dumps(before),
            json.dumps(after),
            undoes,
        ],
    )
    return cursor.lastrowid


def _change(
    event: dict[str, Any],
    actor: str,
    action: str,
    touched: Callable[[Database], tuple[list[int], list[int]]],
    apply: Callable[[Database], dict[str, Any]],
) -> dict[str, Any]:
    """Run one audited change: snapshot what it touches, apply it, snapshot again, log both."""
    event_id = event["id"]

    def txn(db: Database) -> dict[str, Any]:
        theme_ids, note_ids = touched(db)
        before = _snapshot(db, event_id, theme_ids, note_ids)
        detail = apply(db)
        theme_ids = sorted(set(theme_ids) | set(detail.pop("_new_themes", [])))
        after = _snapshot(db, event_id, theme_ids, note_ids)
        detail["audit_id"] = _audit(db, event_id, actor, action, detail, before, after)
        return detail

    return get_writer().write(txn)


def _touches(entry: dict[str, Any]) -> tuple[bool, set, set]:
    before, after = json.loads(entry["before_json"]), json.loads(entry["after_json"])
    everything = before["all"] or after["all"]
    return (
        everything,
        set(before["theme_ids"]) | set(after["theme_ids"]),
        set(before["note_ids"]) | set(after["note_ids"]),
    )


def blocker(
    db: Database,
    entry: dict[str, Any],
    later: list[dict[str, Any]] | None = None,
    touches: dict[int, tuple[bool, set, set]] | None = None,
) -> dict[str, Any] | None:
    """Return the first later change still in force that touched what `entry` touched, if any.

    Such a change must be undone first. `later` may give the event's entries in force (not undone,
    not undos) in any order, and `touches` a dict to keep what each entry touched, to save a query
    and the parsing of its snapshots per entry when checking a whole log.
    """
    touches = {} if touches is None else touches

    def touched(e: dict[str, Any]) -> tuple[bool, set, set]:
        if e["id"] not in touches:
            touches[e["id"]] = _touches(e)
        return touches[e["id"]]

    everything, themes, notes = touched(entry)
    if later is None:
        later = _all(
            db,
            "SELECT * FROM synthesis_audit WHERE event_id = ? AND id > ? AND undone_by IS NULL "
            "AND undoes IS NULL ORDER BY id",
            [entry["event_id"], entry["id"]],
        )
    for other in sorted(later, key=lambda o: o["id"]):
        if other["id"] <= entry["id"]:
            continue
        o_all, o_themes, o_notes = touched(other)
        if everything or o_all or themes & o_themes or notes & o_notes:
            return other
    return None


def do_undo(event: dict[str, Any], actor: str, audit_id: int | None = None) -> dict[str, Any]:
    """Undo the last change still in force, or a given audit entry if nothing later needs it."""
    event_id = event["id"]

    def txn(db: Database) -> dict[str, Any]:
        if audit_id is None:
            entry = _one(
                db,
                "SELECT * FROM synthesis_audit WHERE event_id = ? AND undone_by IS NULL "
                "AND undoes IS NULL ORDER BY id DESC LIMIT 1",
                [event_id],
            )
            if entry is None:
                raise Refused(_("There is nothing to undo."))
        else:
            entry = _one(
                db,
                "SELECT * FROM synthesis_audit WHERE id = ? AND event_id = ?",
                [audit_id, event_id],
            )
            if entry is None:
                raise Refused(_("There is no such change in this event's log."))
            if entry["undoes"] is not None:
                raise Refused(
                    _("An undo cannot itself be undone; make the change again instead.")
                )
            if entry["undone_by"] is not None:
                raise Refused(_("That change has already been undone."))
        everything, themes, notes = _touches(entry)
        other = blocker(db, entry)
        if other is not None:
            raise Refused(
                _(
                    "A later change depends on this one (“%(change)s” by %(name)s at "
                    "%(time)s); undo that first.",
                    change=ACTION_NAMES[other["action"]],
                    name=other["actor"],
                    time=local_time(other["at"], seconds=True),
                )
            )
        before_state = json.loads(entry["before_json"])
        after_state = json.loads(entry["after_json"])
        if everything:
            now_before = _snapshot(db, event_id)
        else:
            now_before = _snapshot(db, event_id, themes, notes)
        _restore(db, event_id, before_state, after_state)
        now_after = (
            _snapshot(db, event_id) if everything else _snapshot(db, event_id, themes, notes)
        )
        detail = {"undid": entry["id"], "action": entry["action"], "by": entry["actor"]}
        undo_id = _audit(db, event_id, actor, "undo", detail, now_before, now_after, entry["id"])
        db.execute("UPDATE synthesis_audit SET undone_by = ? WHERE id = ?", [undo_id, entry["id"]])
        return {**detail, "audit_id": undo_id}

    return get_writer().write(txn)


# ---- helpers ------------------------------------------------------------------------------------


def store_cloud(db: Database, event_id: int, png: bytes | None) -> str | None:
    """Keep a word-cloud image (content-addressed, so undo can point back at an old one)."""
    if not png:
        return None
    digest = hashlib.sha256(png).hexdigest()
    db.execute(
        "INSERT OR IGNORE INTO synthesis_clouds (digest, event_id, png) VALUES (?, ?, ?)",
        [digest, event_id, png],
    )
    return digest


def render_cloud_off_loop(weights: dict[str, float], seed: int = 0) -> bytes | None:
    """Render a word cloud on a native thread under gevent, so phones are not kept waiting."""
    if not weights:
        return None
    from cafe.synthesis.clouds import render_cloud

    return off_loop(render_cloud, weights, seed)
