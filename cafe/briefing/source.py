"""What a briefing is made from: an event's notes with their provenance, read once from the database.

`EventSource` is plain data (no Flask, no open connection), so drafts and exports are pure functions
of it and of a `SynthesisResult` the caller passes in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from cafe.held import is_held
from cafe.synthesis.types import NoteInput, SynthesisResult


class NoThemes(RuntimeError):
    """There are no themes for this event yet."""


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


def load_source(db: Database, event: dict[str, Any]) -> EventSource:
    """Read an event, its rounds, tables and notes (text of withdrawn notes is already gone)."""
    plan = json.loads(event["plan_json"])
    rounds = tuple(
        RoundInfo(r["number"], r["question"])
        for r in db.execute(
            "SELECT number, question FROM rounds WHERE event_id = ? ORDER BY number", [event["id"]]
        ).fetchall()
    )
    tables = tuple(
        TableInfo(t["number"], t["name"])
        for t in db.execute(
            "SELECT number, name FROM tables WHERE event_id = ? ORDER BY number", [event["id"]]
        ).fetchall()
    )
    participants = db.execute(
        "SELECT COUNT(*) FROM participants WHERE event_id = ?", [event["id"]]
    ).fetchone()[0]
    excluded = {
        r[0] for r in db.execute(
            "SELECT note_id FROM note_overrides WHERE event_id = ? AND excluded = 1", [event["id"]]
        ).fetchall()
    }
    notes = tuple(
        NoteRecord(
            id=row["id"], text=row["text"], table=row["table_no"], round=row["round_no"],
            consent=row["consent"], status=row["status"],
            flags=tuple(json.loads(row["flags_json"] or "[]")), writer=row["participant_id"],
            excluded=row["id"] in excluded,
        )
        for row in db.execute(
            "SELECT id, text, table_no, round_no, consent, status, flags_json, participant_id "
            "FROM notes WHERE event_id = ? ORDER BY id",
            [event["id"]],
        ).fetchall()
    )
    return EventSource(
        event_id=event["id"], slug=event["slug"], title=event["title"],
        date=str(plan.get("date") or event["created_at"])[:10], k=int(event["k_threshold"]),
        names=tuple(plan.get("names", [])), rounds=rounds, tables=tables,
        participants=participants, notes=notes,
    )


def note_inputs(source: EventSource) -> list[NoteInput]:
    """Return the notes the synthesis engine may theme (saved ones; disclosures never)."""
    return [
        NoteInput(id=n.id, text=n.text, table=n.table, round=n.round, consent=n.consent,
                  flags=n.flags)
        for n in source.notes
        if n.usable
    ]


def load_result(db: Database, event_id: int) -> SynthesisResult:
    """Return the event's themes as staff left them; raise NoThemes when there are none.

    The staff workspace (cafe.actions.synthesis) stores themes; this is the one place drafts and
    exports get them from.
    """
    from cafe.actions.synthesis import current_result

    result = current_result(db, event_id)
    if result is None:
        raise NoThemes("Run synthesis first: there are no themes for this event yet.")
    run_id = result.params.get("run_id")
    if run_id is not None and "run_finished_at" not in result.params:
        row = db.execute("SELECT finished_at FROM synthesis_runs WHERE id = ?", [run_id]).fetchone()
        if row is not None and row[0]:
            result.params["run_finished_at"] = row[0]
    return result


def load_clouds(db: Database, result: SynthesisResult) -> dict[str, bytes]:
    """Return stored word-cloud PNGs by theme key, where the staff workspace has them."""
    from cafe.actions.synthesis import theme_cloud_png

    clouds = {}
    for theme in result.themes:
        theme_id = getattr(theme, "id", None)
        if getattr(theme, "scrubbed", False):
            continue  # drawn afresh from the words it kept, not the stored picture
        png = theme_cloud_png(db, theme_id) if theme_id is not None else None
        if png:
            clouds[theme.key] = png
    return clouds
