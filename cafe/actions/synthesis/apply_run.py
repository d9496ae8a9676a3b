"""Apply a run's result: replace the unlocked themes, keeping locks, exclusions, moves and names."""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused, now
from cafe.actions.synthesis.audit import _audit, _snapshot
from cafe.actions.synthesis.cloud_images import store_cloud
from cafe.actions.synthesis.embedding_store import (
    keep_frame_embeddings,
    keep_note_embeddings,
    keep_text_embeddings,
)
from cafe.actions.synthesis.reads import ACTIVE, memberships, overrides, run_by_id, workspace_notes
from cafe.db import Writer

EMBEDDINGS_PER_WRITE = 1000


def _overlap_map(old: dict[int, set], new: list[set]) -> dict[int, int]:
    """Map each old theme to the index of the new theme sharing most of its notes."""
    mapping = {}
    for theme_id, members in old.items():
        shared = [(len(members & n), -i) for i, n in enumerate(new)]
        best = max(shared, default=(0, 0))
        if best[0] > 0:
            mapping[theme_id] = -best[1]
    return mapping


NAME_OVERLAP = 0.5


def match_names(old: dict[int, set], new: dict[int, set]) -> list[tuple[int, int, float]]:
    """Pair old themes with new ones one-to-one, best overlap first: (old, new, Jaccard).

    Only pairs whose Jaccard overlap of note ids is at least NAME_OVERLAP count, so a name goes
    only to a theme that is clearly the same group of notes.
    """
    pairs = []
    for o, a in old.items():
        for n, b in new.items():
            union = len(a | b)
            score = len(a & b) / union if union else 0.0
            if score >= NAME_OVERLAP:
                pairs.append((-score, o, n))
    taken_old, taken_new, out = set(), set(), []
    for score, o, n in sorted(pairs):
        if o in taken_old or n in taken_new:
            continue
        taken_old.add(o)
        taken_new.add(n)
        out.append((o, n, -score))
    return out


def _keep_names(
    db: Database, event_id: int, named: dict[int, str], members: dict[int, set], new_ids: list
) -> list[dict[str, Any]]:
    """Carry staff-given names of replaced themes onto their clear successors; say which."""
    new: dict[int, set] = {i: set() for i in new_ids if i is not None}
    for note, theme in db.execute(
        "SELECT note_id, theme_id FROM theme_notes WHERE event_id = ?", [event_id]
    ).fetchall():
        if theme in new:
            new[theme].add(note)
    kept = []
    for old_id, new_id, score in match_names(members, new):
        db.execute(
            "UPDATE themes SET label = ?, named = 1, name_from = ? WHERE id = ?",
            [named[old_id], old_id, new_id],
        )
        kept.append(
            {"from": old_id, "to": new_id, "label": named[old_id], "overlap": round(score, 3)}
        )
    return kept


def do_apply_run(writer: Writer, run_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace the unlocked themes with a run's themes, keeping locks, exclusions and moves."""

    def apply(db: Database) -> dict[str, Any]:
        run = run_by_id(db, run_id)
        if run is None or run["status"] not in ACTIVE:
            raise Refused(_("This run was stopped."))
        event_id = run["event_id"]
        before = _snapshot(db, event_id)
        marks = overrides(db, event_id)
        member_of = memberships(db, event_id)
        alive = {n["id"] for n in workspace_notes(db, event_id)}
        themes = db.execute(
            "SELECT id, locked, position, named, label FROM themes "
            "WHERE event_id = ? AND active = 1",
            [event_id],
        ).fetchall()
        locked_ids = {t[0] for t in themes if t[1]}
        kept = {n for n, t in member_of.items() if t in locked_ids}
        excluded = {n for n, o in marks.items() if o["excluded"]}
        moved = {n: member_of.get(n) for n, o in marks.items() if o["moved"]}
        old: dict[int, set] = {}
        for n, t in member_of.items():
            if t not in locked_ids and n not in moved:
                old.setdefault(t, set()).add(n)
        unlocked = [t[0] for t in themes if not t[1]]
        named = {t[0]: t[4] for t in themes if not t[1] and t[3]}
        named_members: dict[int, set] = {t: set() for t in named}
        for n, t in member_of.items():
            if t in named_members and n not in excluded:
                named_members[t].add(n)
        db.execute(
            "DELETE FROM theme_notes WHERE theme_id IN (SELECT value FROM json_each(?))",
            [json.dumps(unlocked)],
        )
        db.execute(
            "UPDATE themes SET active = 0 WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(unlocked)],
        )
        position = max((t[2] for t in themes if t[1]), default=-1) + 1
        new_sets = [set(t["note_ids"]) & alive - kept - excluded for t in payload["themes"]]
        mapping = _overlap_map(old, new_sets)
        new_ids: list[int | None] = []
        for theme, members in zip(payload["themes"], new_sets, strict=True):
            members -= {
                n
                for n, target in moved.items()
                if target in mapping or target is None or target in locked_ids
            }
            if not members:
                new_ids.append(None)
                continue
            png = base64.b64decode(theme["png"]) if theme["png"] else None
            cursor = db.execute(
                "INSERT INTO themes (event_id, run_id, key, label, key_phrases_json, frame, "
                "word_weights_json, representatives_json, cloud_digest, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event_id,
                    run_id,
                    theme["key"],
                    theme["label"],
                    json.dumps(theme["key_phrases"]),
                    theme["frame"],
                    json.dumps(theme["word_weights"]),
                    json.dumps(theme["representative_ids"]),
                    store_cloud(db, event_id, png),
                    position,
                ],
            )
            position += 1
            new_ids.append(cursor.lastrowid)
            db.conn.executemany(
                "INSERT OR REPLACE INTO theme_notes (note_id, theme_id, event_id) VALUES (?, ?, ?)",
                [(n, cursor.lastrowid, event_id) for n in sorted(members)],
            )
        for note, target in moved.items():
            if target is None or target in locked_ids or note not in alive:
                continue
            index = mapping.get(target)
            if index is not None and new_ids[index] is not None:
                db.execute(
                    "INSERT OR REPLACE INTO theme_notes (note_id, theme_id, event_id) "
                    "VALUES (?, ?, ?)",
                    [note, new_ids[index], event_id],
                )
            else:
                # Its theme has no successor: the note goes where the engine put it.
                db.execute("UPDATE note_overrides SET moved = 0 WHERE note_id = ?", [note])
        kept_names = _keep_names(db, event_id, named, named_members, new_ids)
        made = sum(1 for i in new_ids if i is not None)
        message = f"Found {made} themes" + (
            f"; kept {len(locked_ids)} locked" if locked_ids else ""
        )
        stamp = now()
        db.execute(
            "UPDATE synthesis_runs SET status = 'done', progress = 1, message = ?, "
            "result_params_json = ?, updated_at = ?, finished_at = ? WHERE id = ?",
            [message, json.dumps(payload["params"]), stamp, stamp, run_id],
        )
        after = _snapshot(db, event_id)
        detail = {
            "run": run_id,
            "themes": made,
            "locked_kept": len(locked_ids),
            "unthemed": len(payload["unthemed"]),
            "names_kept": kept_names,
        }
        detail["audit_id"] = _audit(db, event_id, run["created_by"], "run", detail, before, after)
        return event_id, detail

    event_id, detail = writer.write(apply)
    # The embeddings are only a cache: they go in after the themes, in parts of EMBEDDINGS_PER_WRITE
    # (each its own short write), so phones' notes never wait long behind them.
    embeddings = payload.get("embeddings")
    if embeddings:
        model, notes = embeddings["model"], embeddings["notes"]
        writer.write(
            functools.partial(
                keep_frame_embeddings, event_id=event_id, model=model, frames=embeddings["frames"]
            )
        )
        # The notes' own embeddings, then the sentences key points are picked from.
        for keep, rows in ((keep_note_embeddings, notes),
                           (keep_text_embeddings, embeddings.get("sentences") or [])):
            for at in range(0, len(rows), EMBEDDINGS_PER_WRITE):
                writer.write(functools.partial(keep, event_id=event_id, model=model,
                                               rows=rows[at : at + EMBEDDINGS_PER_WRITE]))
    return detail
