"""Briefing drafts: create from themes, autosave edits, keep a version history, restore, regenerate
(merging what the themes changed into the staff's text)."""

from __future__ import annotations

import difflib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused, now
from cafe.briefing.draft import generate
from cafe.briefing.markdown import md_escape, plain_lines, render_markdown
from cafe.briefing.merge import Merged, digest, merge_texts
from cafe.briefing.parts import Briefing, Selection
from cafe.briefing.source import EventSource
from cafe.db import get_writer
from cafe.synthesis.types import SynthesisResult

MAX_DRAFT_CHARS = 100_000
# Autosaves by the same person within this time update one version instead of adding another.
COALESCE = timedelta(minutes=10)


def snapshot(briefing: Briefing, result: SynthesisResult, selection: Selection) -> dict[str, Any]:
    """Return what exports of a draft need later: its themes, clouds' words and quoted notes."""
    picked = {t.key: t for t in selection.pick(result)}
    return {
        "selection": selection.to_json(),
        "themes": [
            {"key": t.key, "label": t.label, "word_weights": t.word_weights,
             "note_ids": list(picked[t.key].note_ids) if t.key in picked else []}
            for t in briefing.themes
        ],
        "quotes": {str(q.note_id): md_escape(q.text) for q in briefing.quotes},
        # Key points and asks are participants' sentences too: gone if their note goes.
        "points": {str(p.note_id): md_escape(p.text)
                   for p in [*briefing.points, *(q for p in briefing.points for q in p.parts),
                             *briefing.asks] if p.note_id is not None},
        "params": briefing.evidence.params,
    }


def draft_markdown(source: EventSource, result: SynthesisResult, selection: Selection,
                   current_title: str | None = None) -> tuple[Briefing, str]:
    """Generate a draft's Markdown from the current themes.

    Regenerating (`current_title` given) keeps the number a draft's title was given to tell it
    from another draft with the same generated title.
    """
    briefing = generate(source.with_themes(result), result, selection)
    if current_title and re.fullmatch(re.escape(briefing.title) + r" \(\d+\)", current_title):
        briefing.title = current_title
    return briefing, render_markdown(briefing)


def _distinct_title(db: Database, event_id: int, title: str) -> str:
    """Return the title, numbered "(2)", "(3)", … if another draft of the event has it already."""
    taken = {r[0] for r in db.execute(
        "SELECT title FROM briefing_drafts WHERE event_id = ?", [event_id]).fetchall()}
    number = 2
    candidate = title
    while candidate in taken:
        candidate = f"{title} ({number})"
        number += 1
    return candidate


def _check_markdown(markdown: Any) -> str:
    if not isinstance(markdown, str):
        raise Refused(_("Expected the draft's text."))
    if len(markdown) > MAX_DRAFT_CHARS:
        raise Refused(
            _("A draft can be at most %(max)s characters.", max=f"{MAX_DRAFT_CHARS:,}"), "too_long"
        )
    # Lone surrogates (possible in JSON) cannot be stored as UTF-8; control characters break DOCX.
    return plain_lines(markdown)


def do_create_draft(event: dict[str, Any], source: EventSource, result: SynthesisResult,
                    selection: Selection, user: str | None) -> int:
    """Generate a draft from themes and store it with its first version; return its id."""
    briefing, markdown = draft_markdown(source, result, selection)
    snap = snapshot(briefing, result, selection)

    def create(db: Database) -> int:
        stamp = now()
        title = _distinct_title(db, event["id"], briefing.title)
        text = markdown
        if title != briefing.title:  # the first line is the generated title
            text = f"# {md_escape(title)}" + markdown[markdown.index("\n"):]
        draft_id = db.execute(
            "INSERT INTO briefing_drafts (event_id, title, selection_json, markdown, "
            "generated_markdown, source_json, revision, created_at, updated_at, updated_by) "
            "VALUES (?,?,?,?,?,?,1,?,?,?)",
            [event["id"], title, json.dumps(selection.to_json()), text, text,
             json.dumps(snap), stamp, stamp, user],
        ).lastrowid
        _add_version(db, event["id"], draft_id, text, "generated", user, stamp)
        return draft_id

    return get_writer().write(create)


def _add_version(db: Database, event_id: int, draft_id: int, markdown: str, reason: str,
                 user: str | None, stamp: str) -> int:
    number = db.execute(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM briefing_versions WHERE draft_id = ?", [draft_id]
    ).fetchone()[0]
    db.execute(
        "INSERT INTO briefing_versions (event_id, draft_id, number, markdown, reason, created_at, "
        "updated_at, created_by) VALUES (?,?,?,?,?,?,?,?)",
        [event_id, draft_id, number, markdown, reason, stamp, stamp, user],
    )
    return number


def _locked_draft(db: Database, draft_id: int, event_id: int, revision: Any) -> dict[str, Any]:
    row = db.execute(
        "SELECT * FROM briefing_drafts WHERE id = ? AND event_id = ?", [draft_id, event_id]
    ).fetchone()
    if row is None:
        raise Refused(_("There is no such draft."), "not_found")
    draft = dict(row)
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise Refused(_("Expected the revision the edit was based on."))
    if revision != draft["revision"]:
        raise Refused(
            _(
                "This draft was changed elsewhere (another tab or person). Reload to see the "
                "latest; your text is still in this page."
            ),
            "conflict",
        )
    return draft


def do_autosave(event_id: int, draft_id: int, markdown: Any, revision: Any,
                user: str | None) -> dict[str, Any]:
    """Save edited text; return the new revision and version number."""
    markdown = _check_markdown(markdown)

    def save(db: Database) -> dict[str, Any]:
        draft = _locked_draft(db, draft_id, event_id, revision)
        if markdown == draft["markdown"]:
            return {"revision": draft["revision"], "changed": False}
        stamp = now()
        last = db.execute(
            "SELECT * FROM briefing_versions WHERE draft_id = ? ORDER BY number DESC LIMIT 1",
            [draft_id],
        ).fetchone()
        recent = (
            last is not None and last["reason"] == "edited" and last["created_by"] == user
            and _age(last["created_at"], stamp) < COALESCE
        )
        if recent:
            db.execute(
                "UPDATE briefing_versions SET markdown = ?, updated_at = ? WHERE id = ?",
                [markdown, stamp, last["id"]],
            )
            number = last["number"]
        else:
            number = _add_version(db, event_id, draft_id, markdown, "edited", user, stamp)
        new = draft["revision"] + 1
        db.execute(
            "UPDATE briefing_drafts SET markdown = ?, title = ?, revision = ?, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            [markdown, title_of(markdown, draft["title"]), new, stamp, user, draft_id],
        )
        return {"revision": new, "version": number, "changed": True, "saved_at": stamp}

    return get_writer().write(save)


def do_restore(event_id: int, draft_id: int, number: Any, revision: Any,
               user: str | None) -> dict[str, Any]:
    """Make an earlier version the current text (as a new version; nothing is lost)."""

    def restore(db: Database) -> dict[str, Any]:
        draft = _locked_draft(db, draft_id, event_id, revision)
        row = db.execute(
            "SELECT markdown FROM briefing_versions WHERE draft_id = ? AND number = ?",
            [draft_id, number],
        ).fetchone()
        if row is None:
            raise Refused(_("There is no such version."), "not_found")
        stamp = now()
        version = _add_version(db, event_id, draft_id, row["markdown"], "restored", user, stamp)
        new = draft["revision"] + 1
        db.execute(
            "UPDATE briefing_drafts SET markdown = ?, title = ?, revision = ?, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            [row["markdown"], title_of(row["markdown"], draft["title"]), new, stamp, user,
             draft_id],
        )
        return {"revision": new, "version": version}

    return get_writer().write(restore)


def regenerated(source: EventSource, result: SynthesisResult,
                draft: dict[str, Any]) -> tuple[Briefing, str]:
    """Return a draft generated afresh from the current themes with the draft's selection."""
    selection = Selection.from_json(json.loads(draft["selection_json"]))
    return draft_markdown(source, result, selection, draft["title"])


def merge_regenerated(draft: dict[str, Any], theirs: str) -> Merged | None:
    """Merge the staff's text with a regenerated one; None for an older draft that does not
    know the text it was generated with (it can only be replaced)."""
    base = draft["generated_markdown"] or ""
    if not base:
        return None
    return merge_texts(base, draft["markdown"], theirs)


def do_accept_regenerated(event_id: int, draft: dict[str, Any], source: EventSource,
                          result: SynthesisResult, revision: Any, user: str | None, *,
                          shown: str, choices: dict[str, str] | None = None,
                          replace: bool = False) -> dict[str, Any]:
    """Take in what the current themes changed, keeping the staff's edits (each conflict as
    chosen: the staff's text unless "theirs"), or with `replace` the whole regenerated text.

    `shown` is the digest of the regenerated text the staff saw: if the themes have changed since,
    nothing is written. The text before stays in the history either way.
    """
    briefing, markdown = regenerated(source, result, draft)
    if shown != digest(markdown):
        raise Refused(
            _(
                "The themes changed while this page was open, so nothing was changed in the draft. "
                "Below is what regenerating does now: check it and accept again."
            ),
            "stale",
        )
    snap = snapshot(briefing, result, Selection.from_json(json.loads(draft["selection_json"])))

    def accept(db: Database) -> dict[str, Any]:
        current = _locked_draft(db, draft["id"], event_id, revision)
        merged = None if replace else merge_regenerated(current, markdown)
        text = markdown if merged is None else merged.text(choices)
        stamp = now()
        version = _add_version(db, event_id, draft["id"], text, "regenerated", user, stamp)
        new = current["revision"] + 1
        db.execute(
            "UPDATE briefing_drafts SET markdown = ?, generated_markdown = ?, source_json = ?, "
            "title = ?, revision = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            [text, markdown, json.dumps(snap), title_of(text, briefing.title), new, stamp, user,
             draft["id"]],
        )
        return {"revision": new, "version": version, "merged": merged is not None}

    return get_writer().write(accept)


def do_delete_draft(event_id: int, draft_id: int) -> bool:
    """Delete a draft and its history."""
    return get_writer().write(
        lambda db: db.execute(
            "DELETE FROM briefing_drafts WHERE id = ? AND event_id = ?", [draft_id, event_id]
        ).rowcount > 0
    )


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Return a line diff as (kind, text) pairs: kind is 'add', 'del', 'same' or 'hunk'."""
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), "current", "regenerated",
                                     n=2, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(("hunk", line))
        elif line.startswith("+"):
            out.append(("add", line[1:]))
        elif line.startswith("-"):
            out.append(("del", line[1:]))
        else:
            out.append(("same", line[1:]))
    return out


def title_of(markdown: str, fallback: str) -> str:
    """Return the first level-1 heading of Markdown (the draft's title)."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()[:200] or fallback
    return fallback


def _age(then: str, stamp: str) -> timedelta:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)

    return parse(stamp) - parse(then)


# ---------------------------------------------------------------- reads


def drafts(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return an event's drafts, most recently edited first."""
    return [dict(r) for r in db.execute(
        "SELECT d.id, d.title, d.revision, d.created_at, d.updated_at, d.updated_by, "
        "(SELECT COUNT(*) FROM briefing_versions v WHERE v.draft_id = d.id) AS versions "
        "FROM briefing_drafts d WHERE d.event_id = ? ORDER BY d.updated_at DESC, d.id DESC",
        [event_id],
    ).fetchall()]


def draft(db: Database, event_id: int, draft_id: int) -> dict[str, Any] | None:
    """Return one draft of an event."""
    row = db.execute(
        "SELECT * FROM briefing_drafts WHERE id = ? AND event_id = ?", [draft_id, event_id]
    ).fetchone()
    return dict(row) if row is not None else None


def versions(db: Database, draft_id: int) -> list[dict[str, Any]]:
    """Return a draft's versions, newest first."""
    return [dict(r) for r in db.execute(
        "SELECT number, reason, created_at, updated_at, created_by, length(markdown) AS chars "
        "FROM briefing_versions WHERE draft_id = ? ORDER BY number DESC",
        [draft_id],
    ).fetchall()]


def version_markdown(db: Database, draft_id: int, number: int) -> str | None:
    row = db.execute(
        "SELECT markdown FROM briefing_versions WHERE draft_id = ? AND number = ?",
        [draft_id, number],
    ).fetchone()
    return row["markdown"] if row is not None else None
