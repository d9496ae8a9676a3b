"""Staff synthesis workspace: run synthesis, then curate the themes (every change undoable)."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from cafe import queries
from cafe.actions import Refused
from cafe.actions import synthesis as ws
from cafe.actions import synthesis_runs as runs
from cafe.db import reading
from cafe.offloop import read_off_loop
from cafe.safety import redact
from cafe.web import event_or_404
from cafe.web.auth import current_user, login_required
from cafe.web.strings import run_message, workspace_strings

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

# Staff curate themes after the event (PRODUCT.md); facilitators run the room, not the synthesis.
ROLES = ("admin", "staff")


def _notes_view(db, event: dict[str, Any], ids: list[int]) -> list[dict[str, Any]]:
    names = ws._names(event)
    notes = {n["id"]: n for n in ws.workspace_notes(db, event["id"])}
    marks = ws.overrides(db, event["id"])
    out = []
    for i in ids:
        if i not in notes:
            continue
        n = notes[i]
        out.append(
            {
                "id": i,
                "text": redact(n["text"], names),
                "table": n["table_no"],
                "round": n["round_no"],
                "consent": n["consent"],
                "quotable": ws.is_quotable(n),
                "pinned": bool(marks.get(i, {}).get("pinned")),
                "moved": bool(marks.get(i, {}).get("moved")),
            }
        )
    return out


def _themes_view(db, event: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """Return the theme cards (as staff edited them) and the current result."""
    result = ws.current_result(db, event["id"])
    rows = {t["id"]: t for t in ws.active_themes(db, event["id"])}
    cards = []
    if result is None:
        return cards, None
    shown = {int(t.key) for t in result.themes}
    for theme in result.themes:
        row = rows[int(theme.key)]
        cards.append(
            {
                "id": row["id"],
                "label": theme.label,
                "key_phrases": theme.key_phrases,
                "frame": theme.frame,
                "locked": bool(row["locked"]),
                "size": len(theme.note_ids),
                "counts": ws.theme_counts(db, event["id"], theme.note_ids, event["k_threshold"]),
                "quotes": [
                    {"id": i, "text": theme.quotes[i]} for i in theme.representative_ids[:3]
                ],
                "has_cloud": bool(row["cloud_digest"]),
                "name_from": row["name_from"],
            }
        )
    for row in rows.values():
        if row["id"] not in shown:
            cards.append(
                {
                    "id": row["id"],
                    "label": row["label"],
                    "key_phrases": json.loads(row["key_phrases_json"]),
                    "frame": row["frame"],
                    "locked": bool(row["locked"]),
                    "size": 0,
                    "counts": {"table": {}, "round": {}},
                    "quotes": [],
                    "has_cloud": bool(row["cloud_digest"]),
                    "name_from": row["name_from"],
                }
            )
    return cards, result


def _status(db, event: dict[str, Any]) -> dict[str, Any]:
    run = ws.run_view(ws.latest_run(db, event["id"]))
    can_undo = (
        db.execute(
            "SELECT COUNT(*) FROM synthesis_audit WHERE event_id = ? AND undone_by IS NULL "
            "AND undoes IS NULL",
            [event["id"]],
        ).fetchone()[0]
        > 0
    )
    return {"run": run, "can_undo": can_undo}


def _translated(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the run with its progress message in the page's language."""
    return None if run is None else {**run, "message": run_message(run["message"])}


def _common(event: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event,
        **status,
        "run": _translated(status["run"]),
        "strings": workspace_strings(),
        "user": current_user(),
        "status_url": url_for("workspace.run_status", slug=event["slug"]),
    }


def _page_data(db, event: dict[str, Any]) -> dict[str, Any]:
    cards, result = _themes_view(db, event)
    tables = queries.tables(db, event["id"])
    return {
        "cards": cards,
        "result": result,
        "tables": tables,
        "note_count": len(ws.workspace_notes(db, event["id"])),
        "rounds": queries.rounds(db, event["id"]),
        "frames": [
            r[0]
            for r in db.execute(
                "SELECT name FROM frames WHERE event_id = ? ORDER BY id", [event["id"]]
            ).fetchall()
        ],
        "table_names": {t["number"]: t["name"] for t in tables},
        "status": _status(db, event),
    }


@bp.get("/<slug>")
@login_required(*ROLES)
def page(slug: str) -> str:
    """Show the workspace: run synthesis, progress, theme cards, the not-yet-themed group."""
    event = event_or_404(slug)
    with reading() as db:
        latest = ws.latest_run(db, event["id"])
    runs.settle(current_app.extensions["cafe.writer"], latest)
    data = read_off_loop(_page_data, event)
    status = data.pop("status")
    return render_template(
        "staff/workspace/page.html",
        embeddings=runs.embeddings_available(),
        **data,
        **_common(event, status),
    )


def _theme_data(db, event: dict[str, Any], theme_id: int) -> dict[str, Any] | None:
    rows = {t["id"]: t for t in ws.active_themes(db, event["id"])}
    if theme_id not in rows:
        known = db.execute(
            "SELECT 1 FROM themes WHERE id = ? AND event_id = ?", [theme_id, event["id"]]
        ).fetchone()
        return {"gone": bool(known)}
    excluded = {i for i, o in ws.overrides(db, event["id"]).items() if o["excluded"]}
    members = [i for i in ws._members(db, theme_id) if i not in excluded]
    return {
        "theme": rows[theme_id],
        "key_phrases": json.loads(rows[theme_id]["key_phrases_json"]),
        "notes": _notes_view(db, event, members),
        "themes": list(rows.values()),
        "status": _status(db, event),
    }


@bp.get("/<slug>/theme/<int:theme_id>")
@login_required(*ROLES)
def theme(slug: str, theme_id: int) -> Any:
    """Show every note of one theme, with rename, lock, split, move, exclude and pin."""
    event = event_or_404(slug)
    data = read_off_loop(_theme_data, event, theme_id)
    if "gone" in data:
        if not data["gone"]:
            abort(404)
        flash(_("That theme has since been merged, split or replaced by a re-run."), "ok")
        return redirect(url_for("workspace.page", slug=slug), 303)
    status = data.pop("status")
    return render_template("staff/workspace/theme.html", **data, **_common(event, status))


def _unthemed_data(db, event: dict[str, Any]) -> dict[str, Any]:
    result = ws.current_result(db, event["id"])
    excluded = sorted(i for i, o in ws.overrides(db, event["id"]).items() if o["excluded"])
    return {
        "notes": _notes_view(db, event, result.unthemed if result else []),
        "excluded": _notes_view(db, event, excluded),
        "themes": ws.active_themes(db, event["id"]),
        "status": _status(db, event),
    }


@bp.get("/<slug>/unthemed")
@login_required(*ROLES)
def unthemed(slug: str) -> str:
    """Show the notes in no theme ("not yet themed") and the excluded notes."""
    event = event_or_404(slug)
    data = read_off_loop(_unthemed_data, event)
    status = data.pop("status")
    return render_template("staff/workspace/unthemed.html", **data, **_common(event, status))


@bp.get("/<slug>/audit")
@login_required(*ROLES)
def audit(slug: str) -> str:
    """Show who changed what and when, each change with its before/after and an undo button."""
    event = event_or_404(slug)
    entries, status = read_off_loop(lambda db: (ws.audit_log(db, event["id"]), _status(db, event)))
    return render_template("staff/workspace/audit.html", entries=entries, **_common(event, status))


@bp.get("/<slug>/run.json")
@login_required(*ROLES)
def run_status(slug: str) -> Response:
    """Return the latest run's state (the page polls this while a run is going)."""
    event = event_or_404(slug)
    with reading() as db:
        latest = ws.latest_run(db, event["id"])
    # A run whose worker died without a word (the server restarted, or it was killed) is
    # recorded as failed here, so it shows as failed with "Run again" from now on.
    runs.settle(current_app.extensions["cafe.writer"], latest)
    with reading() as db:
        run = ws.run_view(ws.latest_run(db, event["id"]))
    return jsonify({"run": _translated(run)})


@bp.get("/<slug>/theme/<int:theme_id>/cloud.png")
@login_required(*ROLES)
def cloud(slug: str, theme_id: int) -> Response:
    """Return a theme's word cloud image."""
    event = event_or_404(slug)
    with reading() as db:
        row = db.execute(
            "SELECT 1 FROM themes WHERE id = ? AND event_id = ?", [theme_id, event["id"]]
        ).fetchone()
        png = ws.theme_cloud_png(db, theme_id) if row else None
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png")


def _flag(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "yes")


def _perform(action: str, event: dict[str, Any], actor: str) -> str:
    """Do one workspace action from a form; return what to tell the user."""
    form = request.form
    if action == "run":
        run = runs.do_start_run(
            event,
            actor,
            n_themes=form.get("k") or None,
            embeddings=_flag("embeddings"),
            frames=_flag("frames"),
            rounds=form.getlist("round"),
            tables=form.getlist("table"),
        )
        runs.launch(current_app._get_current_object(), run["id"])
        return _("Synthesis started.")
    if action == "cancel":
        runs.do_cancel_run(event, actor, form.get("run"))
        return _("Synthesis cancelled. The themes from before are kept.")
    if action == "rename":
        ws.do_rename_theme(event, actor, form.get("theme"), form.get("label"))
        return _("Theme renamed.")
    if action == "merge":
        done = ws.do_merge_themes(event, actor, form.getlist("theme"), form.get("into") or None)
        return ngettext(
            "Merged %(num)s theme into “%(label)s”.",
            "Merged %(num)s themes into “%(label)s”.",
            len(done["merged"]) + 1,
            label=done["label"],
        )
    if action == "split":
        done = ws.do_split_theme(event, actor, form.get("theme"), form.get("parts", 2))
        return ngettext(
            "Split into %(num)s theme.", "Split into %(num)s themes.", len(done["into"])
        )
    if action == "move":
        target = form.get("theme", "")
        if not target:
            raise Refused(_("Choose where to move the note."))
        ws.do_move_note(event, actor, form.get("note"), None if target == "none" else target)
        return _("Note moved.")
    if action in ("exclude", "include"):
        ws.do_set_excluded(event, actor, form.get("note"), action == "exclude")
        return _("Note excluded.") if action == "exclude" else _("Note included again.")
    if action in ("pin", "unpin"):
        ws.do_set_pinned(event, actor, form.get("note"), action == "pin")
        return _("Quote pinned.") if action == "pin" else _("Quote unpinned.")
    if action in ("lock", "unlock"):
        ws.do_set_locked(event, actor, form.get("theme"), action == "lock")
        return _("Theme locked.") if action == "lock" else _("Theme unlocked.")
    if action == "undo":
        entry = form.get("entry")
        try:
            entry_id = int(entry) if entry else None
        except ValueError:
            raise Refused(_("There is no such change in this event's log.")) from None
        done = ws.do_undo(event, actor, entry_id)
        return _("Undone: %(change)s.", change=str(ws.ACTION_NAMES[done["action"]]).lower())
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
    try:
        flash(_perform(action, event, user["username"]), "ok")
    except Refused as exc:
        flash(str(exc.message), "error")
    return redirect(back, 303)
