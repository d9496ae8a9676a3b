"""What a briefing is made from: an event's notes with their provenance (`cafe.briefing_reads` reads it).

`EventSource` is plain data (no Flask, no open connection), so drafts and exports are pure functions
of it and of a `SynthesisResult` the caller passes in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from cafe.held import is_held
from cafe.synthesis.types import NoteInput, SynthesisResult


@dataclass(frozen=True)
class RoundInfo:
    number: int
    question: str


@dataclass(frozen=True)
class TableInfo:
    number: int
    name: str


@dataclass(frozen=True)
class NoteRecord:
    """One note with everything an export may say about where it came from."""

    id: int
    text: str
    table: int | None
    round: int | None
    consent: str
    status: str
    flags: tuple[str, ...]
    writer: int | None
    theme_key: str | None = None
    theme_label: str | None = None
    excluded: bool = False  # staff excluded it (workspace, or the check before an export)

    @property
    def usable(self) -> bool:
        """Say whether the note counts at all: saved, not held for the safeguarding lead, and not
        excluded by staff."""
        return self.status == "saved" and not is_held(self.flags) and not self.excluded

    @property
    def quotable(self) -> bool:
        """Say whether the note may be shown word for word (after redaction)."""
        return self.usable and self.consent == "quote"

    @property
    def paraphrase_only(self) -> bool:
        return self.usable and self.consent == "paraphrase"


@dataclass(frozen=True)
class EventSource:
    """An event, its rounds and tables, and its notes with provenance."""

    event_id: int
    slug: str
    title: str
    date: str
    k: int
    names: tuple[str, ...]
    rounds: tuple[RoundInfo, ...]
    tables: tuple[TableInfo, ...]
    participants: int
    notes: tuple[NoteRecord, ...] = field(default_factory=tuple)
    audience: str = ""  # who the briefings are for and why (the plan's `audience`)
    # Sentence vectors a synthesis worker kept for key points (`cafe.synthesis.point_vectors`).
    point_vectors: Any = field(default=None, compare=False, repr=False)

    def note(self, note_id: int) -> NoteRecord | None:
        return self._by_id().get(note_id)

    def _by_id(self) -> dict[int, NoteRecord]:
        return {n.id: n for n in self.notes}

    def table_name(self, number: int | None) -> str:
        for table in self.tables:
            if table.number == number:
                return table.name
        return str(number)

    def question(self, number: int | None) -> str:
        for rnd in self.rounds:
            if rnd.number == number:
                return rnd.question
        return ""

    def writers(self, notes, key) -> dict:
        """Count distinct writers per group (`key(note)`); notes without a writer count as one."""
        people: dict[Any, set] = defaultdict(set)
        for note in notes:
            group = key(note)
            if group is not None:
                people[group].add(note.writer if note.writer is not None else ("?", note.id))
        return {group: len(who) for group, who in people.items()}

    def with_themes(self, result: SynthesisResult) -> EventSource:
        """Return a copy whose notes carry the theme each belongs to in `result`."""
        theme_of = {}
        for theme in result.themes:
            for note_id in theme.note_ids:
                theme_of[note_id] = (theme.key, theme.label)
        notes = tuple(
            replace(n, theme_key=theme_of.get(n.id, (None, None))[0],
                    theme_label=theme_of.get(n.id, (None, None))[1])
            for n in self.notes
        )
        return replace(self, notes=notes)


def note_inputs(source: EventSource) -> list[NoteInput]:
    """Return the notes the synthesis engine may theme (saved ones; disclosures and notes in a
    language Café cannot screen never)."""
    return [
        NoteInput(id=n.id, text=n.text, table=n.table, round=n.round, consent=n.consent,
                  flags=n.flags)
        for n in source.notes
        if n.usable and "unscreened" not in n.flags
    ]


