"""Record each workspace change in the audit log with snapshots of what it touched, before and after."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import now
from cafe.actions.synthesis.reads import _all
from cafe.db import get_writer

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
