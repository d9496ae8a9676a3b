"""Merge themes into one, or split one by re-clustering its notes (names staff gave are kept)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused
from cafe.actions.synthesis.audit import _change
from cafe.actions.synthesis.cloud_images import render_cloud_off_loop, store_cloud
from cafe.actions.synthesis.edits import _theme
from cafe.actions.synthesis.reads import _members, _names, note_input, workspace_notes
from cafe.offloop import off_loop
from cafe.safety import redact
from cafe.synthesis.types import NoteInput

MAX_PARTS = 8


def _merged_weights(weights: list[tuple[dict, int]], top: int = 60) -> dict[str, float]:
    total: Counter = Counter()
    for w, size in weights:
        scale = max(w.values(), default=0) or 1
        for word, value in w.items():
            total[word] += size * value / scale
    return dict(total.most_common(top))


def do_merge_themes(
    event: dict[str, Any], actor: str, theme_ids: Iterable[Any], into: Any = None
) -> dict:
    """Merge themes into one (by default the largest); a name staff gave is never lost silently.

    The merged theme keeps the target's name if staff gave it one; else the name staff gave the
    largest of the other themes, if any did (it stays staff's, `named`); else the target's engine
    name. The detail's `names_dropped` lists the other staff-given names, for the message to say.
    """
    from cafe.db import reading

    event_id = event["id"]
    try:
        ids = sorted({int(t) for t in theme_ids})
    except (TypeError, ValueError):
        raise Refused(_("Unknown theme.")) from None
    if len(ids) < 2:
        raise Refused(_("Choose at least two themes to merge."))
    with reading() as db:
        themes = [_theme(db, event_id, t) for t in ids]
        sizes = {t["id"]: len(_members(db, t["id"])) for t in themes}
    target_id = int(into) if into not in (None, "") else max(ids, key=lambda t: (sizes[t], -t))
    if target_id not in ids:
        raise Refused(_("Merge into one of the chosen themes."))
    weights = _merged_weights(
        [(json.loads(t["word_weights_json"]), sizes[t["id"]]) for t in themes]
    )
    png = render_cloud_off_loop(weights)

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return ids, []

    def apply(db: Database) -> dict[str, Any]:
        current = [_theme(db, event_id, t) for t in ids]
        target = next(t for t in current if t["id"] == target_id)
        phrases, reps = [], []
        for t in sorted(current, key=lambda t: t["id"] != target_id):
            phrases += [p for p in json.loads(t["key_phrases_json"]) if p not in phrases]
            reps += json.loads(t["representatives_json"])
        others = [t["id"] for t in current if t["id"] != target_id]
        keeps = _merged_name(current, target, sizes)
        if keeps is not target:
            db.execute(
                "UPDATE themes SET label = ?, named = 1, name_from = NULL WHERE id = ?",
                [keeps["label"], target_id],
            )
        db.execute(
            "UPDATE theme_notes SET theme_id = ? "
            "WHERE theme_id IN (SELECT value FROM json_each(?))",
            [target_id, json.dumps(others)],
        )
        db.execute(
            "UPDATE themes SET active = 0 WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(others)],
        )
        db.execute(
            "UPDATE themes SET key_phrases_json = ?, word_weights_json = ?, "
            "representatives_json = ?,"
            " cloud_digest = COALESCE(?, cloud_digest), locked = ? WHERE id = ?",
            [
                json.dumps(phrases[:10]),
                json.dumps(weights),
                json.dumps(reps),
                store_cloud(db, event_id, png),
                int(any(t["locked"] for t in current)),
                target_id,
            ],
        )
        return {
            "into": target_id,
            "label": keeps["label"],
            "merged": others,
            "labels": [t["label"] for t in current if t["id"] != target_id],
            "name_from": keeps["id"],
            "names_dropped": [t["label"] for t in current if t["named"] and t is not keeps],
            "target_label": target["label"],
        }

    return _change(event, actor, "merge", touched, apply)


def _merged_name(
    themes: list[dict[str, Any]], target: dict[str, Any], sizes: dict[int, int]
) -> dict[str, Any]:
    """Return the theme whose name a merge keeps: the target's if staff named it, else the
    largest theme staff named (the lowest id among equals), else the target."""
    if target["named"]:
        return target
    named = [t for t in themes if t["named"]]
    return max(named, key=lambda t: (sizes.get(t["id"], 0), -t["id"])) if named else target


def _split_parts(notes: list[NoteInput], parts: int, names: tuple[str, ...]) -> list[dict]:
    """Re-cluster one theme's notes into `parts` groups, with labels and clouds (CPU-heavy)."""
    from cafe.synthesis import SynthesisPipeline
    from cafe.synthesis.clouds import render_cloud

    result = SynthesisPipeline(
        n_themes=parts,
        min_similarity=None,
        min_theme_size=1,
        redact=lambda text: redact(text, names),
    ).run(notes)
    found = [t for t in result.themes if t.note_ids]
    if len(found) < 2:
        return []
    # Notes the engine could not place stay with the largest part, not lost from the theme.
    largest = max(found, key=lambda t: len(t.note_ids))
    largest.note_ids = sorted(largest.note_ids + list(result.unthemed))
    return [
        {
            "label": t.label,
            "key_phrases": t.key_phrases,
            "note_ids": t.note_ids,
            "representative_ids": t.representative_ids,
            "word_weights": t.word_weights,
            "png": render_cloud(t.word_weights, seed=i) if t.word_weights else None,
        }
        for i, t in enumerate(found)
    ]


def _split_given(notes: list[NoteInput], groups: list[list[int]]) -> list[dict]:
    """Describe given groups of one theme's notes as new themes, with clouds (CPU-heavy)."""
    from cafe.synthesis.clouds import render_cloud
    from cafe.synthesis.given import describe_groups

    found = describe_groups(notes, groups)
    for i, part in enumerate(found):
        part["png"] = render_cloud(part["word_weights"], seed=i) if part["word_weights"] else None
    return found


def do_split_theme(event: dict[str, Any], actor: str, theme_id: Any, parts: Any = 2,
                   groups: list[list[int]] | None = None) -> dict:
    """Split a theme by re-clustering its notes into `parts` (2 or more) new themes, or into the
    `groups` of its note ids given (the points a loose theme's card lists; its notes in no group
    join the largest).

    If staff named the theme, its largest part keeps that name (and stays staff-named); the other
    parts get names from their words. The detail's `kept_name` says which part kept it, if any.
    """
    from cafe.db import reading

    event_id = event["id"]
    if groups is None:
        try:
            parts = int(parts)
        except (TypeError, ValueError):
            raise Refused(_("Say how many themes to split into.")) from None
        if not 2 <= parts <= MAX_PARTS:
            raise Refused(_("Split into between 2 and %(max)s themes.", max=MAX_PARTS))
    elif len(groups) < 2:
        raise Refused(_("This theme lists no points to split it by; choose how many themes "
                        "instead."))
    with reading() as db:
        theme = _theme(db, event_id, theme_id)
        members = _members(db, theme["id"])
        notes = {n["id"]: n for n in workspace_notes(db, event_id)}
    inputs = [note_input(notes[i]) for i in members if i in notes]
    if groups is not None:
        given = [[i for i in g if i in notes] for g in groups]
        placed = [i for g in given for i in g]
        if len(set(placed)) != len(placed) or not set(placed) <= set(members) \
                or min(map(len, given)) == 0:
            raise Refused(_("The theme changed while it was being split; try again."))
        largest = max(range(len(given)), key=lambda g: (len(given[g]), -g))
        given[largest] += [n.id for n in inputs if n.id not in set(placed)]
        found = off_loop(_split_given, inputs, given)
    else:
        if len(inputs) < parts:
            raise Refused(_("This theme has too few notes to split into %(parts)s.",
                            parts=parts))
        found = off_loop(_split_parts, inputs, parts, _names(event))
    if not found:
        raise Refused(_("These notes are too alike to split; move notes by hand instead."))

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [theme["id"]], []

    def apply(db: Database) -> dict[str, Any]:
        now_theme = _theme(db, event_id, theme["id"])
        if _members(db, theme["id"]) != members:
            raise Refused(_("The theme changed while it was being split; try again."))
        db.execute(
            "UPDATE themes SET position = position + ? WHERE event_id = ? AND position > ?",
            [len(found) - 1, event_id, now_theme["position"]],
        )
        db.execute("UPDATE themes SET active = 0 WHERE id = ?", [theme["id"]])
        db.execute("DELETE FROM theme_notes WHERE theme_id = ?", [theme["id"]])
        # Staff's name goes to the largest part (the first among equals), the others keep theirs.
        heir = max(range(len(found)), key=lambda i: (len(found[i]["note_ids"]), -i))
        labels = [
            now_theme["label"] if now_theme["named"] and i == heir else p["label"]
            for i, p in enumerate(found)
        ]
        new = []
        for i, part in enumerate(found):
            cursor = db.execute(
                "INSERT INTO themes (event_id, run_id, key, label, key_phrases_json, frame, "
                "word_weights_json, representatives_json, cloud_digest, locked, position, named) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event_id,
                    now_theme["run_id"],
                    f"{now_theme['key']}/{i + 1}",
                    labels[i],
                    json.dumps(part["key_phrases"]),
                    now_theme["frame"],
                    json.dumps(part["word_weights"]),
                    json.dumps(part["representative_ids"]),
                    store_cloud(db, event_id, part["png"]),
                    now_theme["locked"],
                    now_theme["position"] + i,
                    int(bool(now_theme["named"]) and i == heir),
                ],
            )
            new.append(cursor.lastrowid)
            db.conn.executemany(
                "INSERT INTO theme_notes (note_id, theme_id, event_id) VALUES (?, ?, ?)",
                [(n, cursor.lastrowid, event_id) for n in part["note_ids"]],
            )
        return {
            "theme": theme["id"],
            "label": theme["label"],
            "into": new,
            "labels": labels,
            "kept_name": new[heir] if now_theme["named"] else None,
            "_new_themes": new,
        }

    return _change(event, actor, "split", touched, apply)
