"""Undo a workspace change (when no later change depends on it), and read the change log."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused
from cafe.actions.synthesis.audit import (
    _THEME_COLUMNS,
    _THEME_DEFAULTS,
    ACTION_NAMES,
    _audit,
    _ids_json,
    _snapshot,
)
from cafe.actions.synthesis.reads import _all, _one
from cafe.db import get_writer
from cafe.i18n import local_time


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
                raise Refused(_("An undo cannot itself be undone; make the change again instead."))
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


def audit_log(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the event's audit entries, newest first (with their before/after state).

    Each also has `blocked_by`: the later change in force that must be undone before it, or None.
    """
    rows = _all(db, "SELECT * FROM synthesis_audit WHERE event_id = ? ORDER BY id DESC", [event_id])
    in_force = [r for r in rows if r["undone_by"] is None and r["undoes"] is None]
    ids, touches = {r["id"] for r in in_force}, {}
    for r in rows:
        # An entry in force that a later change depends on cannot be undone yet: say by which.
        r["blocked_by"] = blocker(db, r, in_force, touches) if r["id"] in ids else None
        r["detail"] = json.loads(r["detail_json"])
        r["title"] = ACTION_NAMES.get(r["action"], r["action"])
        undid = r["detail"].get("action") if r["action"] == "undo" else None
        r["undid_title"] = ACTION_NAMES.get(undid, undid) if undid else None
    return rows
