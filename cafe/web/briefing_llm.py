"""Staff pages for the optional language-model pass over a briefing draft: start it, follow its
progress, cancel it, and read what it wrote and why each sentence was kept or not."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _

from cafe.actions import Refused
from cafe.actions.llm_pass import (
    do_cancel_llm_pass,
    do_start_llm_pass,
    last_pass,
    llm_config,
    llm_ready,
    pass_state,
)
from cafe.briefing_reads import NoThemes, load_result, load_source
from cafe.db import reading
from cafe.inputs import wants_json
from cafe.llm.backends import problem
from cafe.web.auth import current_user, login_required
from cafe.web.briefing import draft_or_404
from cafe.web.event_lookup import event_or_404
from cafe.web.safety_check import gate as safety_gate

bp = Blueprint("briefing_llm", __name__, url_prefix="/briefings")

ROLES = ("admin", "staff")


@bp.app_context_processor
def panel() -> dict[str, Any]:
    """Give templates `llm_panel(draft)`: what the editor's language-model panel shows."""
    def llm_panel(draft: dict[str, Any]) -> dict[str, Any] | None:
        config = llm_config(current_app.config)
        if not config.enabled:
            return None  # never offered without a model: the page is as it always was
        return {"problem": problem(config), "state": _state(draft["id"]),
                "last": (last_pass(draft) or {}).get("summary")}

    return {"llm_panel": llm_panel}


def _message(text: str) -> str:
    """Return a pass's progress message (English, from the worker) in the page's language."""
    asking = re.fullmatch(r"Asking the model \((\d+) of (\d+)\)", text or "")
    if asking:
        return _("Asking the model (%(num)s of %(total)s)", num=asking.group(1),
                 total=asking.group(2))
    known = {
        "Starting": _("Starting"),
        "Loading the language model": _("Loading the language model"),
        "Checked every sentence": _("Checked every sentence"),
        "Putting the checked sentences in the draft": _(
            "Putting the checked sentences in the draft"),
        "Done": _("Done"),
        "Cancelled": _("Cancelled"),
    }
    return known.get(text, text)


def _shown(state: dict[str, Any]) -> dict[str, Any]:
    """Return a pass's state with its message in the page's language."""
    return {**state, "message": _message(state["message"])}


def _state(draft_id: int) -> dict[str, Any] | None:
    state = pass_state(draft_id)
    return None if state is None else _shown(state)


@bp.post("/<slug>/drafts/<int:draft_id>/llm/start")
@login_required(*ROLES)
def start(slug: str, draft_id: int) -> Any:
    """Start the language-model pass over a draft."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    back = url_for("briefing.editor", slug=slug, draft_id=draft_id)
    if (checked := safety_gate(event, back)) is not None:
        return checked  # the safeguarding check comes first (issue 18)
    user = current_user()
    try:
        llm_ready(current_app.config)
        with reading() as db:
            source = load_source(db, event)
            result = load_result(db, event["id"])
        state = do_start_llm_pass(current_app._get_current_object(), event, draft, source,
                                  result, user["username"] if user else None)
    except NoThemes:
        message, code = _("Run synthesis first: there are no themes for this event yet."), 400
    except Refused as exc:
        message, code = str(exc.message), 409 if exc.code == "busy" else 400
    else:
        if wants_json():
            return jsonify({"pass": _shown(state)})
        return redirect(back, 303)
    if wants_json():
        return jsonify(error=message), code
    flash(message, "error")
    return redirect(back, 303)


@bp.get("/<slug>/drafts/<int:draft_id>/llm.json")
@login_required(*ROLES)
def status(slug: str, draft_id: int) -> Any:
    """Return the pass's progress (the editor polls this while it runs)."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    return jsonify({"pass": _state(draft_id),
                    "last": (last_pass(draft) or {}).get("summary")})


@bp.post("/<slug>/drafts/<int:draft_id>/llm/cancel")
@login_required(*ROLES)
def cancel(slug: str, draft_id: int) -> Any:
    """Cancel the pass: the draft stays as it was."""
    event = event_or_404(slug)
    draft_or_404(event, draft_id)
    user = current_user()
    try:
        state = do_cancel_llm_pass(draft_id, user["username"] if user else None)
    except Refused as exc:
        if wants_json():
            return jsonify(error=str(exc.message)), 409
        flash(str(exc.message), "error")
    else:
        if wants_json():
            return jsonify({"pass": _shown(state)})
    return redirect(url_for("briefing.editor", slug=slug, draft_id=draft_id), 303)


@bp.get("/<slug>/drafts/<int:draft_id>/llm")
@login_required(*ROLES)
def sentences(slug: str, draft_id: int) -> Any:
    """Show every sentence of the last pass: generated or fell back, the notes it cites, why."""
    event = event_or_404(slug)
    draft = draft_or_404(event, draft_id)
    return render_template("staff/briefing_llm.html", event=event, draft=draft,
                           last=last_pass(draft), user=current_user())
