"""Staff synthesis workspace: run synthesis, then curate the themes (every change undoable)."""

from __future__ import annotations

import json
import re
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
from cafe.i18n import local_time
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
                "named": bool(row["named"]),
            }
        )
    # A theme left with no notes (every note moved out or excluded) is not shown or counted, as
    # in the briefing; undo brings its notes back.
    return cards, result


class _Describer:
    """Say in words what a change-log entry did, by theme names and a short excerpt of each note.

    A note's words are shown only for notes the workspace shows (saved, not held as a disclosure),
    redacted as everywhere else; any other note is "a note no longer in the workspace".
    """

    EXCERPT_WORDS = 8

    def __init__(self, db, event: dict[str, Any]) -> None:
        self.db, self.event = db, event
        self.labels = dict(
            db.execute("SELECT id, label FROM themes WHERE event_id = ?", [event["id"]]).fetchall()
        )
        self._notes: dict[int, dict[str, Any]] | None = None

    def note(self, note_id: Any) -> str:
        if self._notes is None:
            self._notes = {n["id"]: n for n in ws.workspace_notes(self.db, self.event["id"])}
        n = self._notes.get(note_id)
        if n is None:
            return _("a note no longer in the workspace")
        words = redact(n["text"], ws._names(self.event)).split()
        cut = " ".join(words[: self.EXCERPT_WORDS]) + ("…" if len(words) > self.EXCERPT_WORDS else "")
        return f"“{cut}”"

    def theme(self, theme_id: Any) -> str:
        if theme_id is None:
            return _("not yet themed")
        return f"“{self.labels.get(theme_id, theme_id)}”"

    def run_scope(self, run_id: Any) -> str:
        row = self.db.execute("SELECT params_json FROM synthesis_runs WHERE id = ?", [run_id])
        row = row.fetchone()
        scope = json.loads(row[0]).get("scope", {}) if row else {}
        if not scope.get("rounds") and not scope.get("tables"):
            return ""
        tables = {t["number"]: t["name"] for t in queries.tables(self.db, self.event["id"])}
        return " " + _("(%(scope)s only)", scope=scope_text(scope, tables))

    def change(self, e: dict[str, Any]) -> str:
        """Return e.g. "Moved a note: “Housing waiting lists…” from “Housing” to “Funding”"."""
        d, title = e["detail"], str(ws.ACTION_NAMES.get(e["action"], e["action"]))
        action = e["action"]
        if action == "run":
            return (
                title
                + self.run_scope(d.get("run"))
                + ": "
                + ngettext("%(num)s theme", "%(num)s themes", int(d.get("themes") or 0))
            )
        if action == "rename":
            return f"{title}: “{d['from']}” → “{d['to']}”"
        if action == "merge":
            if d["label"] in d["labels"] and d.get("target_label"):
                # The name came from a theme merged in (a name staff gave): not "“X” into “X”".
                merged = [d["target_label"], *(label for label in d["labels"])]
                return title + ": " + _(
                    "%(labels)s into one theme named “%(label)s”",
                    labels=", ".join(f"“{label}”" for label in merged), label=d["label"])
            return title + ": " + _(
                "%(labels)s into “%(label)s”", labels=", ".join(d["labels"]), label=d["label"]
            )
        if action == "split":
            return title + ": " + _(
                "“%(label)s” into %(labels)s", label=d["label"], labels=", ".join(d["labels"])
            )
        if action in ("lock", "unlock"):
            return f"{title}: “{d['label']}”"
        if action == "move":
            return title + ": " + _(
                "%(note)s from %(from)s to %(to)s",
                note=self.note(d["note"]),
                **{"from": self.theme(d["from"])},
                to=self.theme(d["to"]),
            )
        if action in ("exclude", "include", "pin", "unpin"):
            return f"{title}: {self.note(d['note'])}"
        if action == "undo":
            return title + ": " + _(
                "“%(action)s” by %(name)s",
                action=ws.ACTION_NAMES.get(d["action"], d["action"]),
                name=d["by"],
            )
        return title

    def state(self, raw: str) -> list[str]:
        """Return a snapshot (before or after a change) as lines of words."""
        st = json.loads(raw)
        members = {n: t for n, t in st["members"]}
        if st["all"]:
            themes = [t for t in st["themes"] if t.get("active", 1)]
            return [
                ngettext("%(num)s theme", "%(num)s themes", len(themes))
                + ", "
                + ngettext("%(num)s note in them", "%(num)s notes in them", len(members))
            ]
        lines = []
        for t in st["themes"]:
            label = f"“{t['label']}”"
            if not t.get("active", 1):
                lines.append(_("%(theme)s: no longer a theme", theme=label))
                continue
            size = sum(1 for theme in members.values() if theme == t["id"])
            lines.append(f"{label}: " + ngettext("%(num)s note", "%(num)s notes", size))
        marks = {o["note_id"]: o for o in st["overrides"]}
        for note_id in st["note_ids"]:
            where = [self.theme(members.get(note_id))]
            if marks.get(note_id, {}).get("excluded"):
                where.append(_("excluded"))
            if marks.get(note_id, {}).get("pinned"):
                where.append(_("pinned quote"))
            lines.append(f"{self.note(note_id)}: " + ", ".join(where))
        return lines


def _status(db, event: dict[str, Any]) -> dict[str, Any]:
    run = ws.run_view(ws.latest_run(db, event["id"]))
    if run and run["status"] == "done":
        current = ws.current_run(db, event["id"])
        run["undone"] = current is None or current["id"] != run["id"]
    last = db.execute(
        "SELECT * FROM synthesis_audit WHERE event_id = ? AND undone_by IS NULL "
        "AND undoes IS NULL ORDER BY id DESC LIMIT 1",
        [event["id"]],
    ).fetchone()
    undo_label = None
    if last is not None:
        entry = {**dict(last), "detail": json.loads(last["detail_json"])}
        # The button says what it will undo: "Undo: Renamed a theme: “A” → “B”, 15:02".
        undo_label = _(
            "Undo: %(change)s, %(time)s",
            change=_Describer(db, event).change(entry),
            time=local_time(entry["at"])[11:16],
        )
    return {"run": run, "can_undo": last is not None, "undo_label": undo_label}


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


def scope_text(scope: dict[str, list[int]], table_names: dict[int, str]) -> str:
    """Say which rounds and tables a run covers, e.g. "round 1" or "rounds 1, 2 at table 3 (Oak)"."""
    rounds, tables = scope.get("rounds") or [], scope.get("tables") or []
    said_rounds = ngettext(
        "round %(list)s", "rounds %(list)s", len(rounds), list=", ".join(map(str, rounds))
    )
    said_tables = ngettext(
        "table %(list)s",
        "tables %(list)s",
        len(tables),
        list=", ".join(f"{t} ({table_names[t]})" if t in table_names else str(t) for t in tables),
    )
    if rounds and tables:
        return _("%(rounds)s at %(tables)s", rounds=said_rounds, tables=said_tables)
    return said_rounds if rounds else said_tables


def _scope_data(db, event: dict[str, Any], table_names: dict[int, str]) -> dict[str, Any] | None:
    """Return what the page says about a run over some rounds/tables (None: it covers all)."""
    scope = ws.scope_of(db, event["id"])
    if not scope["rounds"] and not scope["tables"]:
        return None
    run = ws.current_run(db, event["id"])
    return {
        "text": scope_text(scope, table_names),
        "in_scope": len(ws.workspace_notes(db, event["id"], scope)),
        "left_out": len(ws.left_out(db, event["id"])),
        "params": json.loads(run["params_json"]),
    }


def _page_data(db, event: dict[str, Any]) -> dict[str, Any]:
    cards, result = _themes_view(db, event)
    tables = queries.tables(db, event["id"])
    table_names = {t["number"]: t["name"] for t in tables}
    return {
        "cards": cards,
        "result": result,
        "tables": tables,
        "scope": _scope_data(db, event, table_names) if result else None,
        "note_count": len(ws.workspace_notes(db, event["id"])),
        "rounds": queries.rounds(db, event["id"]),
        "frames": [
            r[0]
            for r in db.execute(
                "SELECT name FROM frames WHERE event_id = ? ORDER BY id", [event["id"]]
            ).fetchall()
        ],
        "table_names": table_names,
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
    tables = {t["number"]: t["name"] for t in queries.tables(db, event["id"])}
    scope = ws.scope_of(db, event["id"])
    return {
        "notes": _notes_view(db, event, result.unthemed if result else []),
        "left_out": _notes_view(db, event, ws.left_out(db, event["id"])),
        "scope_text": scope_text(scope, tables) if scope["rounds"] or scope["tables"] else "",
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
    entries, status = read_off_loop(_audit_data, event)
    return render_template("staff/workspace/audit.html", entries=entries, **_common(event, status))


def _audit_data(db, event: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    say = _Describer(db, event)
    entries = ws.audit_log(db, event["id"])
    for e in entries:
        e["summary"] = say.change(e)
        e["before"], e["after"] = say.state(e["before_json"]), say.state(e["after_json"])
        if e["blocked_by"]:
            b = e["blocked_by"]
            e["blocked"] = {
                "change": ws.ACTION_NAMES.get(b["action"], b["action"]),
                "name": b["actor"],
                "time": local_time(b["at"]),
                "id": b["id"],
            }
    return entries, _status(db, event)


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


def _perform(action: str, event: dict[str, Any], actor: str) -> tuple[str, dict[str, Any]]:
    """Do one workspace action from a form; return what to tell the user and what it did."""
    message = _do(action, event, actor)
    return message if isinstance(message, tuple) else (message, {})


def _do(action: str, event: dict[str, Any], actor: str) -> Any:
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
        done = ws.do_split_theme(event, actor, form.get("theme"), form.get("parts", 2))
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
    return any(t["id"] == theme_id for t in ws.active_themes(db, event["id"]))
