"""Create an event in the browser: with a form, from a plan in `sessions/`, or an uploaded or
pasted plan. The form writes a TOML plan (the power users' format), which is then read like any other.

The same parser and checks as `cafe plan check` (cafe/plans.py) and the same write as
`cafe event create` (cafe/actions/setup.py); an existing event is never replaced from here.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from cafe import i18n, queries
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
          plans: list | None = None, fields: dict | None = None, **kept: Any) -> Any:
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
        fields=fields or _blank_fields(),
        other_languages=[lang for lang in i18n.LANGUAGES if lang.code != "en"],
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
    return _create(plan, slug, which, kept)


# ---- the form: plain fields in, a TOML plan out ------------------------------------------------

ROUND_SLOTS = 3  # question boxes shown at first; "Add a round" makes more, up to MAX_ROUNDS
MAX_ROUNDS = 20


def _blank_fields() -> dict[str, Any]:
    return {"title": "", "slug": "", "context": "", "audience": "", "tables": "6", "capacity": "6",
            "table_names": "", "helpline": "", "lead": "", "frames": "", "retention": "90", "k": "3",
            "rounds": [{"question": "", "minutes": "20", "translations": {}}
                       for _ in range(ROUND_SLOTS)]}


def _form_fields() -> dict[str, Any]:
    """Read the form's fields as typed (kept on the page when something needs fixing)."""
    f = request.form
    codes = [lang.code for lang in i18n.LANGUAGES if lang.code != "en"]
    questions, minutes = f.getlist("round_question"), f.getlist("round_minutes")
    per_language = {code: f.getlist(f"round_{code}") for code in codes}
    rounds = []
    for i, question in enumerate(questions[:MAX_ROUNDS]):
        rounds.append({
            "question": question.strip(),
            "minutes": (minutes[i] if i < len(minutes) else "20").strip(),
            "translations": {code: (per_language[code][i] if i < len(per_language[code]) else "").strip()
                             for code in codes},
        })
    fields = {key: f.get(key, "").strip() for key in (
        "title", "slug", "context", "audience", "tables", "capacity", "table_names", "helpline",
        "lead", "frames", "retention", "k")}
    fields["rounds"] = rounds or _blank_fields()["rounds"]
    return fields


def _whole(value: str, label: str, low: int, high: int, errors: list[str]) -> int:
    """Return a whole number from a field, or say in plain words what is wrong with it."""
    try:
        number = int(value)
    except ValueError:
        errors.append(_("%(field)s: type a whole number from %(low)s to %(high)s.",
                        field=label, low=low, high=high))
        return low
    if not low <= number <= high:
        errors.append(_("%(field)s: type a whole number from %(low)s to %(high)s.",
                        field=label, low=low, high=high))
    return number


def _toml(value: str) -> str:
    """Quote text as a TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def form_plan(fields: dict[str, Any]) -> tuple[str, list[str]]:
    """Return the TOML plan the form describes, and what needs fixing first, in plain words."""
    errors: list[str] = []
    if not fields["title"]:
        errors.append(_("Title: give the café a title."))
    tables = _whole(fields["tables"], _("Number of tables"), 1, 50, errors)
    capacity = _whole(fields["capacity"], _("Seats at each table"), 2, 20, errors)
    retention = _whole(fields["retention"], _("Keep the notes for (days)"), 1, 3650, errors)
    k = _whole(fields["k"], _("Smallest group counted"), 1, 50, errors)
    names = [n.strip() for n in fields["table_names"].splitlines() if n.strip()]
    if len(names) > tables:
        errors.append(_("Table names: there are %(names)s names for %(tables)s tables.",
                        names=len(names), tables=tables))
    names += [_("Table %(number)s", number=i + 1) for i in range(len(names), tables)]
    if len({n.casefold() for n in names}) < len(names):
        errors.append(_("Table names: each table needs its own name."))
    rounds = [r for r in fields["rounds"] if r["question"] or any(r["translations"].values())]
    if not rounds:
        errors.append(_("Questions: write the question for round 1."))
    for number, r in enumerate(rounds, start=1):
        if not r["question"]:
            errors.append(_("Round %(number)s: write the question (in English).", number=number))
        r["_minutes"] = _whole(r["minutes"], _("Round %(number)s, minutes", number=number),
                               1, 180, errors)
    context = "\n\n".join(part for part in (
        fields["context"], _("Who it is for: %(audience)s", audience=fields["audience"])
        if fields["audience"] else "") if part)
    lines = [f"title = {_toml(fields['title'])}"]
    if fields["slug"]:
        lines.append(f"slug = {_toml(fields['slug'])}")
    for key, value in (("context", context), ("helpline", fields["helpline"]),
                       ("safeguarding_lead", fields["lead"])):
        if value:
            lines.append(f"{key} = {_toml(value)}")
    lines += [f"retention_days = {retention}", f"k_threshold = {k}", ""]
    for name in names:
        lines += ["[[tables]]", f"name = {_toml(name)}", f"capacity = {capacity}", ""]
    for i, r in enumerate(rounds):
        lines += ["[[rounds]]", f"question = {_toml(r['question'])}", f"minutes = {r['_minutes']}",
                  f"move = {'true' if i < len(rounds) - 1 else 'false'}"]
        given = {code: text for code, text in r["translations"].items() if text}
        if given:
            pairs = ", ".join(f"{code} = {_toml(text)}" for code, text in given.items())
            lines.append(f"translations = {{ {pairs} }}")
        lines.append("")
    for frame in (f.strip() for f in fields["frames"].splitlines()):
        if frame:
            lines += ["[[frames]]", f"name = {_toml(frame)}", ""]
    return "\n".join(lines), errors


@bp.post("/new/form")
@login_required(*ROLES)
def create_from_form() -> Any:
    """Make the event the form describes (or, with "Show as a plan", put its TOML in the plan box)."""
    fields = _form_fields()
    text, errors = form_plan(fields)
    if errors:
        return _page("form", errors, 400, fields=fields)
    if request.form.get("as_plan"):
        return _page("own", plans=None, fields=fields, text=text, slug=fields["slug"])
    try:
        plan = parse_plan(text)
    except PlanError as exc:  # a field the form did not check: the plan checker's words
        return _page("form", [_problem_text(p) for p in exc.problems], 400, fields=fields)
    slug = fields["slug"] or _slug_from(plan.title)
    if not SLUG_RE.match(slug):
        return _page("form", [_("The short name may use only lowercase letters, digits and "
                                "hyphens, up to 48 (e.g. spring-cafe).")], 400, fields=fields)
    return _create(plan, slug, "form", {"fields": fields})


def _slug_from(title: str) -> str:
    """Return a short name for links made from a title ("Spring café 2027" -> "spring-caf-2027")."""
    import re
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:48].strip("-")
    return slug or "cafe"


def _create(plan: Any, slug: str, which: str, kept: dict[str, Any]) -> Any:
    """Make the event and open its console; or show the page again, saying why not."""
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
