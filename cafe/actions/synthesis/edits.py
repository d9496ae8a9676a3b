"""Staff edits of one theme or note: rename, lock, move, exclude, pin (each audited, undoable)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused
from cafe.actions.synthesis.audit import _change
from cafe.actions.synthesis.reads import _one, is_quotable, memberships, overrides
from cafe.held import is_held

MAX_LABEL = 120


def _theme(db: Database, event_id: int, theme_id: Any) -> dict[str, Any]:
    try:
        theme_id = int(theme_id)
    except (TypeError, ValueError):
        raise Refused(_("Unknown theme.")) from None
    row = _one(
        db,
        "SELECT * FROM themes WHERE id = ? AND event_id = ? AND active = 1",
        [theme_id, event_id],
    )
    if row is None:
        raise Refused(_("Unknown theme (it may have been merged, split or replaced by a re-run)."))
    return row


def _note(db: Database, event_id: int, note_id: Any) -> dict[str, Any]:
    try:
        note_id = int(note_id)
    except (TypeError, ValueError):
        raise Refused(_("Unknown note.")) from None
    note = _one(
        db,
        "SELECT id, participant_id, table_no, round_no, text, consent, flags_json FROM notes "
        "WHERE id = ? AND event_id = ? AND status = 'saved'",
        [note_id, event_id],
    )
    # A note held as a disclosure is unknown here: the safeguarding queue is its only place.
    if note is None or is_held(note["flags_json"]):
        raise Refused(_("Unknown note (it may have been withdrawn)."))
    return note


def check_label(label: Any) -> str:
    """Return a cleaned theme name, refusing an empty or overlong one."""
    if not isinstance(label, str) or not " ".join(label.split()):
        raise Refused(_("Give the theme a name."))
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise Refused(_("A theme name can have at most %(max)s characters.", max=MAX_LABEL))
    return label


def do_rename_theme(event: dict[str, Any], actor: str, theme_id: Any, label: Any) -> dict:
    """Rename a theme."""
    label = check_label(label)

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [_theme(db, event["id"], theme_id)["id"]], []

    def apply(db: Database) -> dict[str, Any]:
        theme = _theme(db, event["id"], theme_id)
        db.execute(
            "UPDATE themes SET label = ?, named = 1, name_from = NULL WHERE id = ?",
            [label, theme["id"]],
        )
        return {"theme": theme["id"], "from": theme["label"], "to": label}

    return _change(event, actor, "rename", touched, apply)


def do_set_locked(event: dict[str, Any], actor: str, theme_id: Any, locked: bool) -> dict:
    """Lock a theme (a re-run keeps it and its notes as they are) or unlock it."""

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [_theme(db, event["id"], theme_id)["id"]], []

    def apply(db: Database) -> dict[str, Any]:
        theme = _theme(db, event["id"], theme_id)
        db.execute("UPDATE themes SET locked = ? WHERE id = ?", [int(locked), theme["id"]])
        return {"theme": theme["id"], "label": theme["label"]}

    return _change(event, actor, "lock" if locked else "unlock", touched, apply)


def _set_override(db: Database, event_id: int, note_id: int, **values: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO note_overrides (note_id, event_id) VALUES (?, ?)",
        [note_id, event_id],
    )
    for column, value in values.items():
        db.execute(f"UPDATE note_overrides SET {column} = ? WHERE note_id = ?", [value, note_id])


def do_move_note(event: dict[str, Any], actor: str, note_id: Any, theme_id: Any) -> dict:
    """Move a note into another theme, or to "not yet themed" (theme_id None); a re-run keeps it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        note = _note(db, event_id, note_id)
        themes = [_theme(db, event_id, theme_id)["id"]] if theme_id not in (None, "") else []
        current = memberships(db, event_id).get(note["id"])
        return themes + ([current] if current else []), [note["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        current = memberships(db, event_id).get(note["id"])
        target = _theme(db, event_id, theme_id)["id"] if theme_id not in (None, "") else None
        if target == current:
            raise Refused(_("The note is already there."))
        db.execute("DELETE FROM theme_notes WHERE note_id = ?", [note["id"]])
        if target is not None:
            db.execute(
                "INSERT INTO theme_notes (note_id, theme_id, event_id) VALUES (?, ?, ?)",
                [note["id"], target, event_id],
            )
        _set_override(db, event_id, note["id"], moved=1)
        return {"note": note["id"], "from": current, "to": target}

    return _change(event, actor, "move", touched, apply)


def do_set_excluded(event: dict[str, Any], actor: str, note_id: Any, excluded: bool) -> dict:
    """Exclude a note from every theme, count and export (a re-run keeps it out), or include it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [], [_note(db, event_id, note_id)["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        was = overrides(db, event_id).get(note["id"], {}).get("excluded", 0)
        if bool(was) == excluded:
            raise Refused(
                _("The note is already excluded.") if excluded else _("The note is not excluded.")
            )
        _set_override(db, event_id, note["id"], excluded=int(excluded))
        return {"note": note["id"]}

    return _change(event, actor, "exclude" if excluded else "include", touched, apply)


def do_set_pinned(event: dict[str, Any], actor: str, note_id: Any, pinned: bool) -> dict:
    """Pin a quote so it comes first among its theme's representatives, or unpin it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [], [_note(db, event_id, note_id)["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        if pinned and not is_quotable(note):
            raise Refused(_("Only notes whose writer agreed to be quoted can be pinned as quotes."))
        _set_override(db, event_id, note["id"], pinned=int(pinned))
        return {"note": note["id"]}

    return _change(event, actor, "pin" if pinned else "unpin", touched, apply)
