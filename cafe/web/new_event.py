"""Create an event in the browser: from a plan in `sessions/`, or an uploaded or pasted plan.

The same parser and checks as `cafe plan check` (cafe/plans.py) and the same write as
`cafe event create` (cafe/actions/setup.py); an existing event is never replaced from here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from cafe import queries
from cafe.actions import Refused, do_create_event
from cafe.db import reading
from cafe.plans import SLUG_RE, PlanError, Problem, parse_plan, plan_files
from cafe.resources import resource_dir
from cafe.web.auth import current_user, login_required
from cafe.web.error_pages import error_page

bp = Blueprint("new_event", __name__, url_prefix="/events")

# Who may create events: those who run them (the same roles as the console).
ROLES = ("admin", "facilitator")
PLAN_MAX_BYTES = 100_000  # the largest plan accepted; shipped plans are under 6 KB


def _plans() -> list:
    return plan_files(resource_dir("sessions"))


def _problem_text(problem: Problem) -> str:
    """Say where a plan problem is, in the page's language (the validator's words stay as they are)."""
    if problem.line:
        return _("Line %(line)s, %(field)s: %(message)s", line=problem.line, field=problem.field,
                 message=problem.message)
    return _("%(field)s: %(message)s", field=problem.field, message=problem.message)


def _page(form: str = "", errors: list[str] | None = None, status: int = 200,
          plans: list | None = None, **kept: Any) -> Any:
    """Render the page; `form` says which of the two forms the errors and kept values belong to
    (`plans`: the plans in `sessions/`, when the caller has already read them)."""
    return render_template(
        "staff/new_event.html",
        plans=_plans() if plans is None else plans,
        form=form,
        errors=errors or [],
        kept=kept,
        limit_kb=PLAN_MAX_BYTES // 1000,
        user=current_user(),
    ), status


def _too_large() -> str:
    return _("That plan is too large: at most %(kb)s KB.", kb=PLAN_MAX_BYTES // 1000)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """A body over MAX_FORM_BYTES is refused before it is read (even before the role check): say
    so on the form to those who may use it, and only the bare error to anyone else."""
    user = current_user()
    if user is None or user["role"] not in ROLES:
        return error_page(error)
    return _page("own", [_too_large()], 413)


@bp.get("/new")
@login_required(*ROLES)
def form() -> Any:
    """Show the two ways to create an event: a plan from the list, or one's own plan.

    `?start=NAME` fills the own-plan box with a copy of that plan from `sessions/` to edit."""
    plans = _plans()  # each is read and checked: once per page
    start = next((p for p in plans if p.name == request.args.get("start") and p.source), None)
    return _page("own", plans=plans, text=start.source) if start else _page(plans=plans)


def _read_own() -> tuple[str, list[str], int]:
    """Return the uploaded plan's text (or the pasted text), why it cannot be used, and the status."""
    upload = request.files.get("upload")
    if upload is not None and upload.filename:
        raw = upload.read(PLAN_MAX_BYTES + 1)
        if len(raw) > PLAN_MAX_BYTES:
            return "", [_too_large()], 413
        try:
            return raw.decode("utf-8-sig"), [], 200
        except UnicodeDecodeError:
            return "", [_("That file is not a plan: save it as UTF-8 text (a .toml file).")], 400
    text = request.form.get("text", "")
    if len(text.encode("utf-8")) > PLAN_MAX_BYTES:
        return text, [_too_large()], 413
    if not text.strip():
        return text, [_("Choose a plan file to upload, or paste a plan into the box.")], 400
    return text, [], 200


@bp.post("/new")
@login_required(*ROLES)
def create() -> Any:
    """Check the plan and create the event in one write; on any problem, show the form again."""
    which = "file" if request.form.get("source") == "file" else "own"
    slug = request.form.get("slug", "").strip()[:60]
    name = request.form.get("plan", "")
    text = ""
    if which == "file":
        chosen = next((p for p in _plans() if p.name == name), None)
        if chosen is None:
            return _page(which, [_("Choose one of the plans in the list.")], 400, slug=slug)
        source = chosen.source
    else:
        text, errors, status = _read_own()
        if errors:
            return _page(which, errors, status, slug=slug, text=text)
        source = text
    kept = {"slug": slug, "text": text, "plan": name}
    try:
        plan = parse_plan(source)
    except PlanError as exc:
        return _page(which, [_problem_text(p) for p in exc.problems], 400, **kept)
    slug = slug or plan.slug
    if not slug:
        return _page(which, [_("Give the event a short name for its links below (or add "
                               "slug = \"…\" to the plan).")], 400, **kept)
    if not SLUG_RE.match(slug):
        return _page(which, [_("The short name may use only lowercase letters, digits and "
                               "hyphens, up to 48 (e.g. spring-cafe).")], 400, **kept)
    try:
        event = do_create_event(plan, slug=slug)
    except Refused as exc:
        with reading() as db:
            taken = queries.event_by_slug(db, slug) is not None
        message = (_("There is already an event with the short name %(slug)s. Type another "
                     "short name below.", slug=slug) if taken else exc.message)
        return _page(which, [message], 409 if taken else 400, **kept)
    flash(_("Event created: %(title)s. Join code %(code)s.", title=event["title"],
            code=event["code"]), "ok")
    return redirect(url_for("console.console", slug=event["slug"]), 303)
