"""The themes as staff have edited them (`current_result`), the run's scope, and counts per group."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from sqlite_utils import Database

from cafe.actions.synthesis.reads import (
    _all,
    _event,
    _names,
    active_themes,
    current_run,
    is_quotable,
    memberships,
    overrides,
    workspace_notes,
)
from cafe.held_words import scrub_theme
from cafe.safety import redact
from cafe.synthesis.types import SynthesisResult, Theme


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
