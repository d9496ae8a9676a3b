"""The staff synthesis workspace: runs, themes as staff have edited them, overrides, audit and undo.

Every change runs through the single Writer, and records in `synthesis_audit` who did what when with
the before and after state of what it touched (theme rows, memberships, overrides: ids, labels and
flags, never note text), so any change can be undone. The briefing and export work reads themes
through exactly two functions: `current_result(db, event_id)` and `theme_cloud_png(db, theme_id)`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused
from cafe.actions.synthesis_state import (  # noqa: F401 - re-exported for callers
    ACTION_NAMES,
    ACTIVE,
    LIVE_PROGRESS,
    _all,
    _audit,
    _change,
    _event,
    _names,
    _one,
    _snapshot,
    active_themes,
    blocker,
    current_run,
    do_undo,
    is_quotable,
    latest_run,
    memberships,
    note_input,
    off_loop,
    overrides,
    pid_alive,
    render_cloud_off_loop,
    run_by_id,
    run_view,
    store_cloud,
    workspace_notes,
)
from cafe.held import is_held
from cafe.held_words import scrub_theme
from cafe.safety import redact
from cafe.synthesis.types import NoteInput, SynthesisResult, Theme

MAX_LABEL = 120
MAX_PARTS = 8


# ---- the result as staff edited it --------------------------------------------------------------


def theme_cloud_png(db: Database, theme_id: int) -> bytes | None:
    """Return the PNG bytes of a theme's word cloud, or None if it has none (or no such theme).

    `theme_id` is the theme's database id: `theme.id` (or `int(theme.key)`) for a Theme from
    `current_result`.
    """
    row = db.execute(
        "SELECT c.png FROM themes t JOIN synthesis_clouds c ON c.digest = t.cloud_digest "
        "WHERE t.id = ?",
        [theme_id],
    ).fetchone()
    return bytes(row[0]) if row is not None else None


def current_result(db: Database, event_id: int) -> SynthesisResult | None:
    """Return the event's themes as staff have edited them, or None before any run.

    The shape is the engine's (`cafe.synthesis.types`), with staff edits applied: labels as renamed,
    merged/split/moved membership, excluded notes absent everywhere, notes that were withdrawn or
    later held as a disclosure absent, pinned quotes first in `representative_ids` (then the
    engine's picks), only quotable notes among representatives, `quotes` holding the redacted text
    of each representative. `Theme.key` is the theme's database id as text, and each Theme also
    carries it as the attribute `theme.id` (pass it to `theme_cloud_png`). Counts are note counts
    per table/round, NOT small-group suppressed: suppress with
    `cafe.safety.suppress_small_groups` before showing or exporting them (see `theme_counts`).
    `unthemed` lists the notes of the current run's scope in no theme ("not yet themed"); notes
    outside that scope in no theme are "left out" (`left_out`). The current run is the newest
    finished run not undone (`current_run`). `params` are its engine parameters plus `run_id`,
    `scope`, `edits`. Themes left with no notes are omitted.
    """
    run = current_run(db, event_id)
    themes = active_themes(db, event_id)
    if run is None and not themes:
        return None
    event = _event(db, event_id)
    names = _names(event)
    notes = {n["id"]: n for n in workspace_notes(db, event_id)}
    marks = overrides(db, event_id)
    excluded = {i for i, o in marks.items() if o["excluded"]}
    member_of = memberships(db, event_id)
    members: dict[int, list[int]] = {t["id"]: [] for t in themes}
    for note_id, theme_id in sorted(member_of.items()):
        if note_id in notes and note_id not in excluded and theme_id in members:
            members[theme_id].append(note_id)
    out = []
    lost = {th for i, th in member_of.items() if i not in notes or i in excluded}
    for t in themes:
        ids = members[t["id"]]
        if not ids:
            continue
        words = t["label"], json.loads(t["key_phrases_json"]), json.loads(t["word_weights_json"])
        if t["id"] in lost:  # a held, withdrawn or excluded note's words never name a theme
            label, *rest = scrub_theme(*words, [notes[i]["text"] for i in ids])
            words = (t["label"] if t["named"] else label or f"Theme {t['id']}", *rest)
        quotable = [i for i in ids if is_quotable(notes[i])]
        pinned = [i for i in quotable if marks.get(i, {}).get("pinned")]
        picked = [i for i in json.loads(t["representatives_json"]) if i in quotable]
        reps = pinned + [i for i in picked if i not in pinned]
        theme = Theme(
            key=str(t["id"]),
            label=words[0],
            key_phrases=words[1],
            note_ids=ids,
            representative_ids=reps,
            counts_by_table=_counts(notes[i]["table_no"] for i in ids),
            counts_by_round=_counts(notes[i]["round_no"] for i in ids),
            frame=t["frame"],
            word_weights=words[2],
            quotes={i: redact(notes[i]["text"], names) for i in reps},
        )
        theme.id = t["id"]  # also as an attribute, for callers that look for `theme.id`
        theme.scrubbed = t["id"] in lost  # its stored cloud may show words it lost: redraw it
        out.append(theme)
    scope = json.loads(run["params_json"]).get("scope", {}) if run else {}
    in_scope = {n["id"] for n in workspace_notes(db, event_id, scope)}
    unthemed = sorted(i for i in in_scope if i not in member_of and i not in excluded)
    params = json.loads(run["result_params_json"] or "{}") if run else {}
    edits = db.execute(
        "SELECT COUNT(*) FROM synthesis_audit WHERE event_id = ? AND action != 'run'", [event_id]
    ).fetchone()[0]
    params.update(run_id=run["id"] if run else None, scope=scope, edits=edits)
    return SynthesisResult(themes=out, unthemed=unthemed, params=params)


def scope_of(db: Database, event_id: int) -> dict[str, list[int]]:
    """Return the rounds and tables the current run covers (empty lists: all of them)."""
    run = current_run(db, event_id)
    scope = json.loads(run["params_json"]).get("scope", {}) if run else {}
    return {"rounds": list(scope.get("rounds") or []), "tables": list(scope.get("tables") or [])}


def left_out(db: Database, event_id: int) -> list[int]:
    """Return the notes outside the current run's rounds/tables that are in no theme.

    A run over some rounds or tables themes only those notes; the others are in none of its
    themes (unless staff moved them into one, or a locked theme kept them) and not "not yet
    themed" either: they are left out, and the workspace says how many.
    """
    scope = scope_of(db, event_id)
    if not scope["rounds"] and not scope["tables"]:
        return []
    in_scope = {n["id"] for n in workspace_notes(db, event_id, scope)}
    member_of = memberships(db, event_id)
    excluded = {i for i, o in overrides(db, event_id).items() if o["excluded"]}
    return [
        n["id"]
        for n in workspace_notes(db, event_id)
        if n["id"] not in in_scope and n["id"] not in member_of and n["id"] not in excluded
    ]


def theme_counts(
    db: Database, event_id: int, note_ids: Iterable[int], k: int
) -> dict[str, dict[int, int | None]]:
    """Return notes per table and per round, None where fewer than k people wrote them."""
    ids = list(note_ids)
    rows = _all(
        db,
        "SELECT id, participant_id, table_no, round_no FROM notes "
        "WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)],
    )
    out = {}
    from cafe.safety import suppress_small_groups

    for column, name in (("table_no", "table"), ("round_no", "round")):
        notes_per: Counter = Counter(r[column] for r in rows)
        writers: dict[int, set] = {}
        for r in rows:
            # A note whose writer was purged counts as its own writer.
            writers.setdefault(r[column], set()).add(r["participant_id"] or -r["id"])
        shown = suppress_small_groups({g: len(w) for g, w in writers.items()}, k)
        out[name] = {g: notes_per[g] if shown[g] is not None else None for g in sorted(notes_per)}
    return out


def _counts(values: Iterable) -> dict:
    return dict(sorted(Counter(v for v in values if v is not None).items()))


def audit_log(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the event's audit entries, newest first (with their before/after state).

    Each also has `blocked_by`: the later change in force that must be undone before it, or None.
    """
    rows = _all(db, "SELECT * FROM synthesis_audit WHERE event_id = ? ORDER BY id DESC", [event_id])
    in_force = [r for r in rows if r["undone_by"] is None and r["undoes"] is None]
    ids, touches = {r["id"] for r in in_force}, {}
    for r in rows:
        # An entry in force that a later change depends on cannot be undone yet: say by which.
        r["blocked_by"] = blocker(db, r, in_force, touches) if r["id"] in ids else None
        r["detail"] = json.loads(r["detail_json"])
        r["title"] = ACTION_NAMES.get(r["action"], r["action"])
        undid = r["detail"].get("action") if r["action"] == "undo" else None
        r["undid_title"] = ACTION_NAMES.get(undid, undid) if undid else None
    return rows


# ---- staff edits --------------------------------------------------------------------------------


def _theme(db: Database, event_id: int, theme_id: Any) -> dict[str, Any]:
    try:
        theme_id = int(theme_id)
    except (TypeError, ValueError):
        raise Refused(_("Unknown theme.")) from None
    row = _one(
        db,
        "SELECT * FROM themes WHERE id = ? AND event_id = ? AND active = 1",
        [theme_id, event_id],
    )
    if row is None:
        raise Refused(
            _("Unknown theme (it may have been merged, split or replaced by a re-run).")
        )
    return row


def _note(db: Database, event_id: int, note_id: Any) -> dict[str, Any]:
    try:
        note_id = int(note_id)
    except (TypeError, ValueError):
        raise Refused(_("Unknown note.")) from None
    note = _one(
        db,
        "SELECT id, participant_id, table_no, round_no, text, consent, flags_json FROM notes "
        "WHERE id = ? AND event_id = ? AND status = 'saved'",
        [note_id, event_id],
    )
    # A note held as a disclosure is unknown here: the safeguarding queue is its only place.
    if note is None or is_held(note["flags_json"]):
        raise Refused(_("Unknown note (it may have been withdrawn)."))
    return note


def _members(db: Database, theme_id: int) -> list[int]:
    rows = db.execute(
        "SELECT note_id FROM theme_notes WHERE theme_id = ? ORDER BY note_id", [theme_id]
    ).fetchall()
    return [r[0] for r in rows]


def check_label(label: Any) -> str:
    """Return a cleaned theme name, refusing an empty or overlong one."""
    if not isinstance(label, str) or not " ".join(label.split()):
        raise Refused(_("Give the theme a name."))
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise Refused(
            _("A theme name can have at most %(max)s characters.", max=MAX_LABEL)
        )
    return label


def do_rename_theme(event: dict[str, Any], actor: str, theme_id: Any, label: Any) -> dict:
    """Rename a theme."""
    label = check_label(label)

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [_theme(db, event["id"], theme_id)["id"]], []

    def apply(db: Database) -> dict[str, Any]:
        theme = _theme(db, event["id"], theme_id)
        db.execute(
            "UPDATE themes SET label = ?, named = 1, name_from = NULL WHERE id = ?",
            [label, theme["id"]],
        )
        return {"theme": theme["id"], "from": theme["label"], "to": label}

    return _change(event, actor, "rename", touched, apply)


def do_set_locked(event: dict[str, Any], actor: str, theme_id: Any, locked: bool) -> dict:
    """Lock a theme (a re-run keeps it and its notes as they are) or unlock it."""

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [_theme(db, event["id"], theme_id)["id"]], []

    def apply(db: Database) -> dict[str, Any]:
        theme = _theme(db, event["id"], theme_id)
        db.execute("UPDATE themes SET locked = ? WHERE id = ?", [int(locked), theme["id"]])
        return {"theme": theme["id"], "label": theme["label"]}

    return _change(event, actor, "lock" if locked else "unlock", touched, apply)


def _set_override(db: Database, event_id: int, note_id: int, **values: int) -> None:
    db.execute(
        "INSERT OR IGNORE INTO note_overrides (note_id, event_id) VALUES (?, ?)",
        [note_id, event_id],
    )
    for column, value in values.items():
        db.execute(f"UPDATE note_overrides SET {column} = ? WHERE note_id = ?", [value, note_id])


def do_move_note(event: dict[str, Any], actor: str, note_id: Any, theme_id: Any) -> dict:
    """Move a note into another theme, or to "not yet themed" (theme_id None); a re-run keeps it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        note = _note(db, event_id, note_id)
        themes = [_theme(db, event_id, theme_id)["id"]] if theme_id not in (None, "") else []
        current = memberships(db, event_id).get(note["id"])
        return themes + ([current] if current else []), [note["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        current = memberships(db, event_id).get(note["id"])
        target = _theme(db, event_id, theme_id)["id"] if theme_id not in (None, "") else None
        if target == current:
            raise Refused(_("The note is already there."))
        db.execute("DELETE FROM theme_notes WHERE note_id = ?", [note["id"]])
        if target is not None:
            db.execute(
                "INSERT INTO theme_notes (note_id, theme_id, event_id) VALUES (?, ?, ?)",
                [note["id"], target, event_id],
            )
        _set_override(db, event_id, note["id"], moved=1)
        return {"note": note["id"], "from": current, "to": target}

    return _change(event, actor, "move", touched, apply)


def do_set_excluded(event: dict[str, Any], actor: str, note_id: Any, excluded: bool) -> dict:
    """Exclude a note from every theme, count and export (a re-run keeps it out), or include it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [], [_note(db, event_id, note_id)["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        was = overrides(db, event_id).get(note["id"], {}).get("excluded", 0)
        if bool(was) == excluded:
            raise Refused(
                _("The note is already excluded.") if excluded else _("The note is not excluded.")
            )
        _set_override(db, event_id, note["id"], excluded=int(excluded))
        return {"note": note["id"]}

    return _change(event, actor, "exclude" if excluded else "include", touched, apply)


def do_set_pinned(event: dict[str, Any], actor: str, note_id: Any, pinned: bool) -> dict:
    """Pin a quote so it comes first among its theme's representatives, or unpin it."""
    event_id = event["id"]

    def touched(db: Database) -> tuple[list[int], list[int]]:
        return [], [_note(db, event_id, note_id)["id"]]

    def apply(db: Database) -> dict[str, Any]:
        note = _note(db, event_id, note_id)
        if pinned and not is_quotable(note):
            raise Refused(
                _("Only notes whose writer agreed to be quoted can be pinned as quotes.")
            )
        _set_override(db, event_id, note["id"], pinned=int(pinned))
        return {"note": note["id"]}

    return _change(event, actor, "pin" if pinned else "unpin", touched, apply)


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


def do_split_theme(event: dict[str, Any], actor: str, theme_id: Any, parts: Any = 2) -> dict:
    """Split a theme by re-clustering its notes into `parts` (2 or more) new themes.

    If staff named the theme, its largest part keeps that name (and stays staff-named); the other
    parts get names from their words. The detail's `kept_name` says which part kept it, if any.
    """
    from cafe.db import reading

    event_id = event["id"]
    try:
        parts = int(parts)
    except (TypeError, ValueError):
        raise Refused(_("Say how many themes to split into.")) from None
    if not 2 <= parts <= MAX_PARTS:
        raise Refused(_("Split into between 2 and %(max)s themes.", max=MAX_PARTS))
    with reading() as db:
        theme = _theme(db, event_id, theme_id)
        members = _members(db, theme["id"])
        notes = {n["id"]: n for n in workspace_notes(db, event_id)}
    inputs = [note_input(notes[i]) for i in members if i in notes]
    if len(inputs) < parts:
        raise Refused(_("This theme has too few notes to split into %(parts)s.", parts=parts))
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
