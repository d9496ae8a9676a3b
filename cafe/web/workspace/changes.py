"""Workspace changes from forms: run, cancel, rename, merge, split, move, exclude, pin, lock, undo."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from cafe.actions import Refused
from cafe.actions.synthesis.audit import ACTION_NAMES
from cafe.actions.synthesis.edits import (
    do_move_note,
    do_rename_theme,
    do_set_excluded,
    do_set_locked,
    do_set_pinned,
)
from cafe.actions.synthesis.merge_split import do_merge_themes, do_split_theme
from cafe.actions.synthesis.reads import active_themes
from cafe.actions.synthesis.runs import do_cancel_run, do_start_run
from cafe.actions.synthesis.undo import do_undo
from cafe.actions.synthesis.worker import launch
from cafe.offloop import read_off_loop
from cafe.web.auth import current_user, login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.workspace.blueprint import ROLES, bp
from cafe.web.workspace.key_points import listed_points


def _flag(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "yes")


def _perform(action: str, event: dict[str, Any], actor: str) -> tuple[str, dict[str, Any]]:
    """Do one workspace action from a form; return what to tell the user and what it did."""
    message = _do(action, event, actor)
    return message if isinstance(message, tuple) else (message, {})


def _do(action: str, event: dict[str, Any], actor: str) -> Any:
    form = request.form
    if action == "run":
        run = do_start_run(
            event,
            actor,
            n_themes=form.get("k") or None,
            embeddings=_flag("embeddings"),
            frames=_flag("frames"),
            rounds=form.getlist("round"),
            tables=form.getlist("table"),
            # Each question's notes are themed on their own unless staff ask for them together.
            by_question=not _flag("together"),
        )
        launch(current_app._get_current_object(), run["id"])
        return _("Synthesis started.")
    if action == "cancel":
        do_cancel_run(event, actor, form.get("run"))
        return _("Synthesis cancelled. The themes from before are kept.")
    if action == "rename":
        do_rename_theme(event, actor, form.get("theme"), form.get("label"))
        return _("Theme renamed.")
    if action == "merge":
        done = do_merge_themes(event, actor, form.getlist("theme"), form.get("into") or None)
        message = ngettext(
            "Merged %(num)s theme into “%(label)s”.",
            "Merged %(num)s themes into “%(label)s”.",
            len(done["merged"]) + 1,
            label=done["label"],
        )
        dropped = done["names_dropped"]
        if dropped:
            message += " " + ngettext(
                "The name staff gave “%(names)s” was not kept (Undo brings it back).",
                "The names staff gave %(names)s were not kept (Undo brings them back).",
                len(dropped),
                names=dropped[0] if len(dropped) == 1 else ", ".join(f"“{n}”" for n in dropped),
            )
        return message
    if action == "split":
        # "Split by the points listed": the groups of a loose theme's card, as shown.
        groups = read_off_loop(listed_points, event, form.get("theme")) \
            if _flag("as_listed") else None
        done = do_split_theme(event, actor, form.get("theme"), form.get("parts", 2),
                              groups=groups)
        message = ngettext(
            "Split into %(num)s theme.", "Split into %(num)s themes.", len(done["into"])
        )
        if done["kept_name"] is not None:
            message += " " + _(
                "The largest part keeps the name “%(label)s”; the others are named from their "
                "words.",
                label=done["label"],
            )
        return message, done
    if action == "move":
        target = form.get("theme", "")
        if not target:
            raise Refused(_("Choose where to move the note."))
        do_move_note(event, actor, form.get("note"), None if target == "none" else target)
        return _("Note moved.")
    if action in ("exclude", "include"):
        do_set_excluded(event, actor, form.get("note"), action == "exclude")
        return _("Note excluded.") if action == "exclude" else _("Note included again.")
    if action in ("pin", "unpin"):
        do_set_pinned(event, actor, form.get("note"), action == "pin")
        return _("Quote pinned.") if action == "pin" else _("Quote unpinned.")
    if action in ("lock", "unlock"):
        do_set_locked(event, actor, form.get("theme"), action == "lock")
        return _("Theme locked.") if action == "lock" else _("Theme unlocked.")
    if action == "undo":
        entry = form.get("entry")
        try:
            entry_id = int(entry) if entry else None
        except ValueError:
            raise Refused(_("There is no such change in this event's log.")) from None
        done = do_undo(event, actor, entry_id)
        return _("Undone: %(change)s.", change=str(ACTION_NAMES[done["action"]]).lower())
    abort(404)


@bp.post("/<slug>/do/<action>")
@login_required(*ROLES)
def act(slug: str, action: str) -> Any:
    """Run one workspace action, then go back to the page it came from with the outcome."""
    event = event_or_404(slug)
    user = current_user()
    back = request.form.get("next", "")
    if not back.startswith(f"/workspace/{slug}") or "//" in back or "\\" in back:
        back = url_for("workspace.page", slug=slug)
    done: dict[str, Any] = {}
    # Back to the next note (or to the message) after a note action, by a fragment that works
    # without JavaScript; workspace.js then moves the focus there. A refusal goes back to the note.
    fragment = ""
    try:
        message, done = _perform(action, event, user["username"])
        flash(message, "ok")
        after = request.form.get("after")
        if after is not None:
            fragment = f"#n-{after}" if after.isdigit() else "#flash"
    except Refused as exc:
        flash(str(exc.message), "error")
        note = request.form.get("note", "")
        fragment = f"#n-{note}" if note.isdigit() else ""
    # A theme page whose theme this action took away (split, or undone) sends staff to the themes,
    # to the first new part after a split; not to the gone page and its "since been merged" notice.
    shown = re.match(rf"/workspace/{re.escape(slug)}/theme/(\d+)", back)
    if shown and not read_off_loop(_is_active, event, int(shown.group(1))):
        back = url_for("workspace.page", slug=slug)
        fragment = f"#theme-{done['into'][0]}" if done.get("into") else ""
    return redirect(back + fragment, 303)


def _is_active(db, event: dict[str, Any], theme_id: int) -> bool:
    return any(t["id"] == theme_id for t in active_themes(db, event["id"]))
