"""The notes with provenance as exports show them: quotable text only, places only as the briefing names them."""

from __future__ import annotations

from typing import Any

from cafe.briefing.markdown import plain
from cafe.briefing.opaque import without_order
from cafe.briefing.parts import Places, places
from cafe.briefing.source import EventSource
from cafe.safety import redact


def theme_places(source: EventSource, theme_of: dict[int, str]) -> dict[int, Places]:
    """Return, for every usable note, which tables and rounds its theme allows to be named.

    Notes in no theme form one group of their own. The same rule signs the briefing's quotes, so
    no export is more precise about a note than the briefing is.
    """
    groups: dict[Any, list] = {}
    for note in source.notes:
        if note.usable:
            groups.setdefault(theme_of.get(note.id), []).append(note)
    out = {}
    for notes in groups.values():
        where = places(source, notes)
        out.update((n.id, where) for n in notes)
    return out


def hidden_note(note, table: bool, rnd: bool, k: int) -> str:
    """Say which of a note's table and round an export leaves out, and why."""
    missing = [word for word, known, shown in (("table", note.table, table),
                                                ("round", note.round, rnd))
               if known is not None and not shown]
    if not missing:
        return ""
    return f"{' and '.join(missing)} hidden: fewer than {k} people"


def note_rows(source: EventSource, theme_of: dict[int, str], only: set[int] | None = None
              ) -> list[dict[str, Any]]:
    """Return notes with provenance as exports show them.

    Left out: withdrawn notes, disclosures, notes whose writer did not allow quoting ('none').
    Text only of notes that may be quoted (personal details removed); paraphrase-only notes keep
    their provenance but not their words. A table or round is named only as the briefing would
    name it for the note's theme (`places`: at least k people); otherwise the cell is blank and
    the column `hidden` says so.
    """
    where = theme_places(source, theme_of)
    rows = []
    for note in source.notes:
        if not note.usable or note.consent == "none" or (only is not None and note.id not in only):
            continue
        table, rnd = where[note.id].of(note)
        shown_round = note.round if rnd else None
        rows.append({
            "note_id": note.id,
            "event": source.title,
            "round": shown_round,
            "question": source.question(shown_round) if shown_round is not None else None,
            "table": source.table_name(note.table) if table else None,
            "hidden": hidden_note(note, table, rnd, source.k),
            "theme": theme_of.get(note.id),
            "consent": note.consent,
            "flags": list(note.flags),
            "text": plain(redact(note.text, source.names)) if note.quotable else None,
        })
    return without_order(rows)  # issue 19: a hidden round is not read off the ids around it
