"""Staff pages for briefing drafts: list, editor with live preview and autosave, history, exports."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from cafe.actions import Refused
from cafe.actions import briefing as drafts_store
from cafe.briefing import Selection
from cafe.briefing.draft import scrub_points
from cafe.briefing.export import FORMATS, MEDIA_TYPES, filename, render
from cafe.briefing.export_input import draft_export
from cafe.briefing.markdown import to_html
from cafe.briefing.merge import OURS, THEIRS, digest, refresh_numbers
from cafe.briefing.print_page import html_body
from cafe.briefing_reads import NoThemes, load_clouds, load_result, load_source
from cafe.db import reading
from cafe.llm.rewrite import scrub_generated
from cafe.web.auth import current_user, login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.safety_check import gate as safety_gate

bp = Blueprint("briefing", __name__, url_prefix="/briefings")

ROLES = ("admin", "staff")



def editor_strings() -> dict[str, str]:
    """Return the editor script's words, translated for this request."""
    return {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "unsaved": _("Not saved yet"),
        "retrying": _("Not saved — retrying"),
        "conflict": _(
            "Not saved — this draft was changed elsewhere. Copy your text, then reload."
        ),
        "too_long": _("Not saved — the draft is too long."),
        "logged_out": _(
            "You have been logged out. Log in again in another tab; your text is kept here and "
            "will be saved."
        ),
        "preview_failed": _("The preview could not be updated."),
    }


def download_names() -> dict[str, str]:
    """Return each download's plain name (the format's short name stays in brackets)."""
    return {
        "docx": _("Word document"),
        "html": _("Page to print or save as PDF (HTML)"),
        "md": _("Text with formatting marks (Markdown)"),
        "csv": _("Spreadsheet of notes (CSV)"),
        "json": _("Notes and settings as data (JSON)"),
        "zip": _("All of these in one zip file"),
    }


DOWNLOAD_ORDER = ("docx", "html", "md", "csv", "json", "zip")


def version_reasons() -> dict[str, str]:
    """Return why each version was made, as the history shows it."""
    return {
        "generated": _("generated"),
        "edited": _("edited"),
        "restored": _("restored"),
        "regenerated": _("regenerated"),
    }


def _problem(exc: Exception) -> str:
    """Return a briefing-library error (English, shared with the CLI) in the page's language."""
    text = str(exc)
    known = {
        "Run synthesis first: there are no themes for this event yet.": _(
            "Run synthesis first: there are no themes for this event yet."
        ),
        "a selection is 'all', 'themes' or 'frame'": _(
            "Choose all themes, some themes or one expected theme."
        ),
        "choose at least one theme": _("Choose at least one theme."),
        "choose a frame": _("Choose an expected theme."),
    }
    return known.get(text, text)


def _user() -> str | None:
    user = current_user()
    return user["username"] if user else None


def draft_or_404(event: dict[str, Any], draft_id: int) -> dict[str, Any]:
    """Return the event's draft with this id, or answer 404."""
    with reading() as db:
        row = drafts_store.draft(db, event["id"], draft_id)
    if row is None:
        abort(404)
    return row


def _result(event: dict[str, Any]):
    with reading() as db:
        return load_result(db, event["id"])


def _list_page(event: dict[str, Any], problem: str | None = None,
               chosen: dict[str, Any] | None = None, status: int = 200) -> Any:
    """Render the drafts list and the new-draft form (keeping what was chosen, after an error)."""
    with reading() as db:
        rows = drafts_store.drafts(db, event["id"])
    themes, frames, no_themes = [], [], False
    try:
        result = _result(event)
        themes = result.themes
        frames = sorted({t.frame for t in themes if t.frame})
    except NoThemes as exc:
        problem, no_themes = problem or _problem(exc), True
    chosen = chosen or {"kind": "all", "themes": (), "frame": None}
    return render_template(
        "staff/briefings.html", event=event, drafts=rows, themes=themes, frames=frames,
        problem=problem, formats=DOWNLOAD_ORDER, names=download_names(), user=current_user(),
        chosen=chosen, no_themes=no_themes,
    ), status


@bp.get("/<slug>")
@login_required(*ROLES)
def drafts(slug: str) -> Any:
    """List an event's drafts and offer a new one from all themes, some themes or a frame."""
    return _list_page(event_or_404(slug))


@bp.post("/<slug>/drafts")
@login_required(*ROLES)
def create(slug: str) -> Any:
    """Generate a new draft from the current themes."""
    event = event_or_404(slug)
    if (checked := safety_gate(event, url_for("briefing.drafts", slug=slug))) is not None:
        return checked  # the safeguarding check comes first (issue 18)
    kind = request.form.get("kind", "all")
    ticked = tuple(request.form.getlist("theme"))
    chosen = {"kind": kind, "themes": ticked, "frame": request.form.get("frame")}
    if ticked and kind != "themes":
        # Ticks with "All themes" (or a frame) chosen: never silently ignore them.
        return _list_page(event, _(
            "Themes are ticked, but “The themes ticked below” is not chosen. Choose it to make a "
            "draft of only those themes, or untick them."
        ), chosen, 400)
    try:
        selection = Selection(kind, ticked, request.form.get("frame") or None)
        result = _result(event)
    except (ValueError, NoThemes) as exc:
        return _list_page(event, _problem(exc), chosen, 400)
    if selection.kind != "all" and not selection.pick(result):
        return _list_page(
            event, _("None of the chosen themes exist any more; choose again."), chosen, 400
        )
    with reading() as db:
        source = load_source(db, event)
    draft_id = drafts_store.do_create_draft(event, source, result, selection, _user())
    return redirect(url_for("briefing.editor", slug=slug, draft_id=draft_id), 303)


@bp.get("/<slug>/drafts/<int:draft_id>")
@login_required(*ROLES)
def editor(slug: str, draft_id: int) -> Any:
    """Edit a draft: Markdown on the left, its preview on the right, saved as you type."""
    return _editor_page(event_or_404(slug), draft_id)


@bp.post("/<slug>/drafts/<int:draft_id>/save")
@login_required(*ROLES)
def save(slug: str, draft_id: int) -> Any:
    """Autosave: store the text if the draft has not changed elsewhere since `revision`."""
    event = event_or_404(slug)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error=_("Expected a JSON object.")), 400
    try:
        saved = drafts_store.do_autosave(
            event["id"], draft_id, payload.get("markdown"), payload.get("revision"), _user()
        )
    except Refused as exc:
        status = {"not_found": 404, "conflict": 409, "too_long": 413}.get(exc.code, 400)
        return jsonify(error=str(exc.message), code=exc.code), status
    return jsonify(saved)


@bp.get("/<slug>/session.json")
@login_required(*ROLES)
def session_state(slug: str) -> Any:
    """Give the editor a fresh CSRF token (after logging in again in another tab, the old one is
    void); logged out, this redirects to the login page, which the editor takes as "logged out"."""
    event_or_404(slug)
    return jsonify(csrf=generate_csrf())


@bp.post("/<slug>/drafts/<int:draft_id>/preview")
@login_required(*ROLES)
def preview(slug: str, draft_id: int) -> Any:
    """Render Markdown as the exports will (raw HTML escaped, no images, safe links only)."""
    event = event_or_404(slug)
    draft_or_404(event, draft_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("markdown"), str):
        return jsonify(error=_("Expected the draft's text.")), 400
    if len(payload["markdown"]) > drafts_store.MAX_DRAFT_CHARS:
        return jsonify(error=_("The draft is too long.")), 413
    return jsonify(html=to_html(payload["markdown"]))


@bp.get("/<slug>/drafts/<int:draft_id>/versions/<int:number>")
@login_required(*ROLES)
def version(slug: str, draft_id: int, number: int) -> Any:
    """Show an earlier version, with a button to restore it."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    with reading() as db:
        markdown = drafts_store.version_markdown(db, draft_id, number)
        history = drafts_store.versions(db, draft_id)
    if markdown is None:
        abort(404)
    meta = next(v for v in history if v["number"] == number)
    changes = drafts_store.diff_lines(draft["markdown"], markdown)
    return render_template(
        "staff/briefing_version.html", event=event, draft=draft, number=number, meta=meta,
        html=to_html(markdown), changes=changes, reasons=version_reasons(), user=current_user(),
    )


@bp.post("/<slug>/drafts/<int:draft_id>/restore")
@login_required(*ROLES)
def restore(slug: str, draft_id: int) -> Any:
    """Make an earlier version the current text."""
    event = event_or_404(slug)
    try:
        number = int(request.form.get("number", ""))
        revision = int(request.form.get("revision", ""))
    except ValueError:
        abort(400)
    try:
        drafts_store.do_restore(event["id"], draft_id, number, revision, _user())
    except Refused as exc:
        if exc.code == "not_found":
            abort(404)
        return _editor_error(event, draft_id, str(exc.message))
    return redirect(url_for("briefing.editor", slug=slug, draft_id=draft_id), 303)


def _editor_page(event: dict[str, Any], draft_id: int, error: str | None = None) -> str:
    draft = draft_or_404(event, draft_id)
    with reading() as db:
        history = drafts_store.versions(db, draft_id)
    return render_template(
        "staff/briefing_editor.html", event=event, draft=draft, history=history,
        preview=to_html(draft["markdown"]), formats=DOWNLOAD_ORDER, names=download_names(),
        strings=editor_strings(),
        reasons=version_reasons(), user=current_user(), error=error,
    )


def _editor_error(event: dict[str, Any], draft_id: int, message: str) -> Any:
    return _editor_page(event, draft_id, message), 409


def _regenerate_page(event: dict[str, Any], draft_id: int, error: str | None = None,
                     chosen: dict[str, str] | None = None, status: int = 200) -> Any:
    """Show what regenerating would do: what comes in from the themes, the staff's edits kept,
    each conflict to decide; or, for an older draft, the whole text replaced."""
    draft = draft_or_404(event, draft_id)
    problem, merged, theirs = None, None, ""
    try:
        result = _result(event)
        with reading() as db:
            source = load_source(db, event)
        theirs = drafts_store.regenerated(source, result, draft)[1]
        merged = drafts_store.merge_regenerated(draft, theirs)
    except NoThemes as exc:
        problem = _problem(exc)
    text = merged.text(chosen) if merged is not None else theirs
    return render_template(
        "staff/briefing_regenerate.html", event=event, draft=draft, problem=problem,
        merged=merged, legacy=merged is None, chosen=chosen or {},
        unchanged=merged is not None and theirs == draft["generated_markdown"],
        changes=drafts_store.diff_lines(draft["markdown"], text),
        replace_changes=drafts_store.diff_lines(draft["markdown"], theirs),
        shown=digest(theirs), error=error, user=current_user(),
    ), status


@bp.get("/<slug>/drafts/<int:draft_id>/regenerate")
@login_required(*ROLES)
def regenerate(slug: str, draft_id: int) -> Any:
    """Show what regenerating from the current themes would change, before accepting it."""
    return _regenerate_page(event_or_404(slug), draft_id)


@bp.post("/<slug>/drafts/<int:draft_id>/regenerate")
@login_required(*ROLES)
def accept_regenerated(slug: str, draft_id: int) -> Any:
    """Merge what the themes changed into the draft (each conflict as chosen), or replace the
    whole text; the text before stays in the history."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    shown = request.form.get("shown", "")
    mode = request.form.get("mode", "merge")
    try:
        revision = int(request.form.get("revision", ""))
    except ValueError:
        abort(400)
    choices = {key[len("conflict-"):]: value for key, value in request.form.items()
               if key.startswith("conflict-")}
    if not shown or mode not in ("merge", "replace") or not set(choices.values()) <= {
            OURS, THEIRS}:
        abort(400)
    try:
        result = _result(event)
        with reading() as db:
            source = load_source(db, event)
        done = drafts_store.do_accept_regenerated(
            event["id"], draft, source, result, revision, _user(), shown=shown, choices=choices,
            replace=mode == "replace",
        )
    except NoThemes as exc:
        return _editor_error(event, draft_id, _problem(exc))
    except Refused as exc:
        if exc.code == "not_found":
            abort(404)
        message = str(exc.message)
        if exc.code == "conflict":
            message = _(
                "This draft was changed elsewhere (another tab or person) while this page was "
                "open, so nothing was changed. Below is what regenerating does now: check it and "
                "accept again."
            )
        return _regenerate_page(event, draft_id, message, choices, 409)
    flash(_("Updated from the current themes, with your edits kept: version %(num)s in the "
            "History; your text before is version %(before)s.", num=done["version"],
            before=done["version"] - 1) if done["merged"] else
          _("Replaced with the regenerated text: version %(num)s in the History; your text "
            "before is version %(before)s.", num=done["version"], before=done["version"] - 1),
          "ok")
    return redirect(url_for("briefing.editor", slug=slug, draft_id=draft_id), 303)


@bp.get("/<slug>/drafts/<int:draft_id>/delete")
@login_required(*ROLES)
def delete_confirm(slug: str, draft_id: int) -> Any:
    """Ask before deleting: name the draft and say how many versions go with it."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    with reading() as db:
        count = len(drafts_store.versions(db, draft_id))
    return render_template("staff/briefing_delete.html", event=event, draft=draft, count=count,
                           user=current_user())


@bp.post("/<slug>/drafts/<int:draft_id>/delete")
@login_required(*ROLES)
def delete(slug: str, draft_id: int) -> Any:
    """Delete a draft with its history, once confirmed on the page that names it."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("briefing.delete_confirm", slug=slug, draft_id=draft_id), 303)
    if not drafts_store.do_delete_draft(event["id"], draft_id):
        abort(404)
    flash(_("Draft “%(draft)s” deleted.", draft=draft["title"]), "ok")
    return redirect(url_for("briefing.drafts", slug=slug), 303)


def _export_input(event: dict[str, Any], draft: dict[str, Any]):
    """Make an export of the draft, its numbers counted again from the notes as they are now."""
    with reading() as db:
        source = load_source(db, event)
        try:
            result = load_result(db, event["id"])
            stored = load_clouds(db, result)
        except NoThemes:
            result, stored = None, {}
    snap = json.loads(draft.get("source_json") or "{}")
    points, llm = snap.get("points", {}), snap.get("llm") or {}
    markdown = scrub_points(draft["markdown"], source, {int(k): v for k, v in points.items()})
    markdown = scrub_generated(markdown, llm.get("sentences", []), lambda i: (
        (n := source.note(i)) is not None and n.usable and "unscreened" not in n.flags))
    draft = {**draft, "markdown": markdown}
    if result is not None and draft.get("generated_markdown"):
        theirs = drafts_store.regenerated(source, result, draft)[1]
        draft = {**draft, "markdown": refresh_numbers(draft["markdown"],
                                                      draft["generated_markdown"], theirs)}
    return draft_export(source, draft, stored)


@bp.get("/<slug>/drafts/<int:draft_id>/export.<fmt>")
@login_required(*ROLES)
def export(slug: str, draft_id: int, fmt: str) -> Any:
    """Download the draft as md, docx, html, csv, json or a zip of them all."""
    if fmt not in FORMATS:
        abort(404)
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    if (checked := safety_gate(event, request.path)) is not None:
        return checked  # the safeguarding check comes first (issue 18)
    data = render(_export_input(event, draft), fmt)
    name = filename(slug, fmt, f"-draft-{draft_id}")
    return Response(data, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
    })


@bp.get("/<slug>/drafts/<int:draft_id>/print")
@login_required(*ROLES)
def print_view(slug: str, draft_id: int) -> Any:
    """Show the draft as it prints (A4 stylesheet): the browser's "print to PDF" makes a clean PDF."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    inp = _export_input(event, draft)
    return render_template("print/briefing.html", event=event, draft=draft,
                           body=html_body(inp.markdown, inp.clouds))
