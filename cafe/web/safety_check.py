"""The safeguarding check before a briefing or an export leaves the laptop (issue 18), and the
staff workspace's "send to the safeguarding lead"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from cafe.actions import Refused
from cafe.actions.safety_check import do_exclude_checked_note, do_send_checked_note, export_check
from cafe.db import reading
from cafe.web.auth import current_user, login_required
from cafe.web.event_lookup import event_or_404

bp = Blueprint("safety_check", __name__, url_prefix="/safety-check")

ROLES = ("admin", "staff")
ACTIONS = ("send", "exclude", "keep")


def _kept_key(event: dict[str, Any]) -> str:
    return f"safety-kept-{event['id']}"


def _local(target: str | None, fallback: str) -> str:
    """Return a path on this site to go back to (never another site)."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or "\\" in target:
        return fallback
    return target


def pending(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the notes the check finds that this staff member has not dealt with yet."""
    with reading() as db:
        found = export_check(db, event)
    kept = set(session.get(_kept_key(event), []))
    return [n for n in found if n["id"] not in kept]


def gate(event: dict[str, Any], then: str) -> Any | None:
    """Send staff to the check first when a briefing or export would carry a note it finds."""
    if pending(event):
        return redirect(url_for("safety_check.page", slug=event["slug"], next=then), 303)
    return None


@bp.get("/<slug>")
@login_required(*ROLES)
def page(slug: str) -> str:
    """Show the notes a briefing or export would carry that the detector flags now or could not
    screen, each with: send to the safeguarding lead, exclude, or keep."""
    event = event_or_404(slug)
    then = _local(request.args.get("next"), url_for("briefing.drafts", slug=slug))
    return render_template(
        "staff/safety_check.html", event=event, notes=pending(event), then=then,
        user=current_user(),
    )


@bp.post("/<slug>/<action>")
@login_required(*ROLES)
def act(slug: str, action: str) -> Any:
    """Send a note to the safeguarding lead, exclude it from every export, or keep it."""
    if action not in ACTIONS:
        return redirect(url_for("safety_check.page", slug=slug), 303)
    event = event_or_404(slug)
    back = _local(request.form.get("back"), url_for("safety_check.page", slug=slug))
    try:
        note_id = int(request.form.get("note", ""))
    except ValueError:
        flash(_("Unknown note."), "error")
        return redirect(back, 303)
    user = current_user()["username"]
    try:
        if action == "send":
            do_send_checked_note(event, note_id, user)
            flash(_("Sent to the safeguarding lead: it is out of the workspace, the briefing and "
                    "every export."), "ok")
        elif action == "exclude":
            do_exclude_checked_note(event, note_id, user)
            flash(_("Excluded from every theme, briefing and export."), "ok")
        else:
            session[_kept_key(event)] = sorted(set(session.get(_kept_key(event), [])) | {note_id})
            flash(_("Kept: you checked it and it may go in."), "ok")
    except Refused as exc:
        flash(exc.message, "error")
    return redirect(back, 303)


@bp.app_template_global("safety_check_pending")
def safety_check_pending(event: dict[str, Any]) -> int:
    """Return how many notes the check before an export still shows this staff member."""
    return len(pending(event))
