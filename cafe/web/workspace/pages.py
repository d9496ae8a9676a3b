"""The workspace pages: themes, one theme's notes, the notes in no theme, a cloud, the run's state."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from cafe import queries
from cafe.actions.synthesis.cloud_images import theme_cloud_png
from cafe.actions.synthesis.reads import (
    _members,
    _names,
    active_themes,
    current_run,
    is_quotable,
    latest_run,
    overrides,
    run_view,
    workspace_notes,
)
from cafe.actions.synthesis.result import current_result, left_out, scope_of, theme_counts
from cafe.actions.synthesis.runs import embeddings_available, settle
from cafe.db import reading
from cafe.offloop import read_off_loop
from cafe.safety import redact
from cafe.web.auth import login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.workspace.blueprint import ROLES, bp
from cafe.web.workspace.describe import scope_text
from cafe.web.workspace.frame import _common, _status, _translated
from cafe.web.workspace.key_points import card_view


def _notes_view(db, event: dict[str, Any], ids: list[int]) -> list[dict[str, Any]]:
    names = _names(event)
    notes = {n["id"]: n for n in workspace_notes(db, event["id"])}
    marks = overrides(db, event["id"])
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
                "quotable": is_quotable(n),
                "pinned": bool(marks.get(i, {}).get("pinned")),
                "moved": bool(marks.get(i, {}).get("moved")),
            }
        )
    return out


def _themes_view(db, event: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """Return the theme cards (as staff edited them) and the current result."""
    result = current_result(db, event["id"])
    rows = {t["id"]: t for t in active_themes(db, event["id"])}
    cards = []
    if result is None:
        return cards, None
    round_of = {n["id"]: n["round_no"] for n in workspace_notes(db, event["id"])}
    view = card_view(db, event, result)
    points = view.points
    for theme in result.themes:
        row = rows[int(theme.key)]
        asked = {round_of[i] for i in theme.note_ids if i in round_of}
        cards.append(
            {
                "id": row["id"],
                "label": theme.label,
                "key_phrases": theme.key_phrases,
                "frame": theme.frame,
                "locked": bool(row["locked"]),
                "size": len(theme.note_ids),
                "counts": theme_counts(db, event["id"], theme.note_ids, event["k_threshold"]),
                "quotes": [
                    {"id": i, "text": theme.quotes[i]} for i in theme.representative_ids[:3]
                ],
                # What the briefing will say this theme's notes said (None: no note to quote).
                "key_point": points.get(row["id"]),
                # Its notes are no more alike than any two of their question's (cohesion.py).
                "loose": row["id"] in view.loose,
                "has_cloud": bool(row["cloud_digest"]),
                "name_from": row["name_from"],
                "named": bool(row["named"]),
                # The question its notes answer (None: notes from several, after a move or merge).
                "question": asked.pop() if len(asked) == 1 else None,
            }
        )
    # A theme left with no notes (every note moved out or excluded) is not shown or counted, as
    # in the briefing; undo brings its notes back.
    return cards, result


def by_question(cards: list[dict[str, Any]], rounds: list[dict[str, Any]]) -> list[dict]:
    """Group theme cards under the question (round) their notes answer, in round order; themes
    whose notes answer several questions (staff moved or merged them) come last, together."""
    groups = [
        {"round": r["number"], "question": r["question"],
         "cards": [c for c in cards if c["question"] == r["number"]]}
        for r in rounds
    ]
    known = {r["number"] for r in rounds}
    mixed = [c for c in cards if c["question"] not in known]
    groups.append({"round": None, "question": "", "cards": mixed})
    return [g for g in groups if g["cards"]]


def _scope_data(db, event: dict[str, Any], table_names: dict[int, str]) -> dict[str, Any] | None:
    """Return what the page says about a run over some rounds/tables (None: it covers all)."""
    scope = scope_of(db, event["id"])
    if not scope["rounds"] and not scope["tables"]:
        return None
    run = current_run(db, event["id"])
    return {
        "text": scope_text(scope, table_names),
        "in_scope": len(workspace_notes(db, event["id"], scope)),
        "left_out": len(left_out(db, event["id"])),
        "params": json.loads(run["params_json"]),
    }


def _page_data(db, event: dict[str, Any]) -> dict[str, Any]:
    cards, result = _themes_view(db, event)
    tables = queries.tables(db, event["id"])
    table_names = {t["number"]: t["name"] for t in tables}
    rounds = queries.rounds(db, event["id"])
    per_question = bool(result and result.params.get("by_question"))
    groups = by_question(cards, rounds) if per_question else []
    return {
        "cards": cards,
        "per_question": per_question,
        "groups": groups,
        "unasked": [
            _("Question %(number)s", number=r["number"])
            for r in rounds
            if per_question and r["number"] not in {g["round"] for g in groups}
        ],
        "result": result,
        "tables": tables,
        "scope": _scope_data(db, event, table_names) if result else None,
        "note_count": len(workspace_notes(db, event["id"])),
        "rounds": rounds,
        "frames": [
            r[0]
            for r in db.execute(
                "SELECT name FROM frames WHERE event_id = ? ORDER BY id", [event["id"]]
            ).fetchall()
        ],
        "table_names": table_names,
        "status": _status(db, event),
    }


def _settle_latest(event: dict[str, Any]) -> None:
    """Record the latest run as failed if its worker died without a word (the server restarted,
    or it was killed), so it shows as failed with "Run again" from now on."""
    with reading() as db:
        latest = latest_run(db, event["id"])
    settle(current_app.extensions["cafe.writer"], latest)


@bp.get("/<slug>")
@login_required(*ROLES)
def page(slug: str) -> str:
    """Show the workspace: run synthesis, progress, theme cards, the not-yet-themed group."""
    event = event_or_404(slug)
    _settle_latest(event)
    data = read_off_loop(_page_data, event)
    status = data.pop("status")
    return render_template(
        "staff/workspace/page.html",
        embeddings=embeddings_available(),
        **data,
        **_common(event, status),
    )


def _theme_data(db, event: dict[str, Any], theme_id: int) -> dict[str, Any] | None:
    rows = {t["id"]: t for t in active_themes(db, event["id"])}
    if theme_id not in rows:
        known = db.execute(
            "SELECT 1 FROM themes WHERE id = ? AND event_id = ?", [theme_id, event["id"]]
        ).fetchone()
        return {"gone": bool(known)}
    excluded = {i for i, o in overrides(db, event["id"]).items() if o["excluded"]}
    members = [i for i in _members(db, theme_id) if i not in excluded]
    result = current_result(db, event["id"])
    # The same key point and loose flag as its card (one cached computation for the page).
    view = card_view(db, event, result) if result is not None else None
    return {
        "key_point": view.points.get(theme_id) if view else None,
        "loose": bool(view and theme_id in view.loose),
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
    result = current_result(db, event["id"])
    excluded = sorted(i for i, o in overrides(db, event["id"]).items() if o["excluded"])
    tables = {t["number"]: t["name"] for t in queries.tables(db, event["id"])}
    scope = scope_of(db, event["id"])
    return {
        "notes": _notes_view(db, event, result.unthemed if result else []),
        "left_out": _notes_view(db, event, left_out(db, event["id"])),
        "scope_text": scope_text(scope, tables) if scope["rounds"] or scope["tables"] else "",
        "excluded": _notes_view(db, event, excluded),
        "themes": active_themes(db, event["id"]),
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


@bp.get("/<slug>/run.json")
@login_required(*ROLES)
def run_status(slug: str) -> Response:
    """Return the latest run's state (the page polls this while a run is going)."""
    event = event_or_404(slug)
    _settle_latest(event)
    with reading() as db:
        run = run_view(latest_run(db, event["id"]))
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
        png = theme_cloud_png(db, theme_id) if row else None
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png")
