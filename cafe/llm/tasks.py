"""What the language model is asked, with which notes: made from a briefing draft and its event.

One task per theme's key point (reword it neutrally), per ask (write it as a recommendation), one
for the summary paragraph, and one per note in another language Café screens (an English gloss,
for staff only, never put in a briefing). A task carries the notes the model may see (redacted;
never a held note, one Café could not screen, or one not for quoting: counted only), the ids a
sentence may cite, and the true counts its numbers are recomputed from. Plain data, JSON-ready,
so a worker process can take it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cafe.briefing.parts import Briefing, _clean
from cafe.briefing.source import EventSource, NoteRecord
from cafe.briefing.wording import said_most
from cafe.held import is_held
from cafe.llm.grounding import NoteFact
from cafe.safety_lang import detect_language
from cafe.synthesis.types import SynthesisResult

MAX_NOTES = 12  # notes shown per task (a small model's context is short)
NOTE_CHARS = 300
MAX_GLOSSES = 20


@dataclass
class Part:
    """A group of notes a summary sentence may rest on, with its true counts."""

    ids: list[int]
    facts: dict[str, int]


@dataclass
class Task:
    """One thing to ask the model."""

    kind: str  # key_point | ask | summary | gloss
    key: str  # theme key, ask's theme key, "summary", or the glossed note's id
    extractive: str  # the text the draft has now; kept when the model's sentence is rejected
    shown: list[tuple[int, str]]  # (note id, redacted text) the model sees
    allowed: list[int]  # ids a sentence may cite
    facts: dict[str, int] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)  # summary: each finding's notes and counts
    title: str = ""

    def facts_for(self, cited: list[int]) -> dict[str, int]:
        """Return the counts a sentence citing these notes speaks of (a summary's: the finding
        most of its citations belong to)."""
        if not self.parts:
            return self.facts
        best = max(self.parts, key=lambda p: len(set(p.ids) & set(cited)))
        return best.facts if set(best.ids) & set(cited) else self.facts

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Task:
        data = dict(data)
        data["shown"] = [tuple(x) for x in data["shown"]]
        data["parts"] = [Part(**p) for p in data.get("parts", [])]
        return cls(**data)


def note_facts(source: EventSource) -> dict[int, NoteFact]:
    """Return every saved note as the grounding check sees it (held and unscreened ones too, so
    copying from them is caught)."""
    return {
        n.id: NoteFact(n.id, n.text, n.consent, held=is_held(n.flags),
                       unscreened="unscreened" in n.flags)
        for n in source.notes if n.status == "saved"
    }


def may_see(note: NoteRecord) -> bool:
    """Say whether the model may be shown a note: usable, screened, and not counted-only."""
    return note.usable and "unscreened" not in note.flags and note.consent in ("quote",
                                                                               "paraphrase")


def counts(source: EventSource, notes: list[NoteRecord]) -> dict[str, int]:
    """Return the true counts of a group of notes (notes, tables, people, rounds)."""
    return {
        "notes": len(notes),
        "tables": len({n.table for n in notes if n.table is not None}),
        "people": len({n.writer if n.writer is not None else ("?", n.id) for n in notes}),
        "rounds": len({n.round for n in notes if n.round is not None}),
    }


def _shown(source: EventSource, notes: list[NoteRecord], first: int | None = None
           ) -> list[tuple[int, str]]:
    visible = [n for n in notes if may_see(n)]
    visible.sort(key=lambda n: (n.id != first, n.id))
    return [(n.id, _clean(n.text, source.names)[:NOTE_CHARS]) for n in visible[:MAX_NOTES]]


def make_tasks(source: EventSource, result: SynthesisResult, briefing: Briefing,
               glosses: bool = True) -> list[Task]:
    """Return the tasks for a draft: its key points, asks, summary and glosses."""
    by_id = {n.id: n for n in source.notes}
    themes = {t.key: t for t in result.themes}

    def members(key: str) -> list[NoteRecord]:
        theme = themes.get(key)
        return [by_id[i] for i in (theme.note_ids if theme else ()) if i in by_id
                and by_id[i].usable and "unscreened" not in by_id[i].flags]

    tasks: list[Task] = []
    stated: dict[int, tuple[Task, Part]] = {}  # by id of the point a task rewords
    # A loose theme's finding states the points made within it: each is reworded on its own.
    for point in [q for p in briefing.points for q in (p.parts or [p])]:
        mine = members(point.theme_key)
        backing = [by_id[i] for i in point.support.note_ids if i in by_id]
        shown = _shown(source, backing or mine, point.note_id)
        if not shown:
            continue
        facts = counts(source, backing)
        tasks.append(Task("key_point", point.theme_key, point.text, shown,
                          [n.id for n in mine], facts, title=point.title))
        stated[id(point)] = (tasks[-1], Part([n.id for n in backing], facts))
    for ask in briefing.asks:
        backing = [by_id[i] for i in ask.support.note_ids if i in by_id]
        shown = _shown(source, backing, ask.note_id)
        if shown:
            tasks.append(Task("ask", ask.theme_key, ask.text, shown,
                              [n.id for n in members(ask.theme_key)], counts(source, backing)))
    if briefing.points:
        # The points the summary names (`said_most`), as their tasks show them.
        top = [(p, *stated[id(p)]) for p in said_most(briefing.points) if id(p) in stated]
        shown = [(t.shown[0][0], p.text) for p, t, _ in top]
        allowed = sorted({i for p, _, _ in top for i in p.support.note_ids})
        tasks.append(Task("summary", "summary", briefing.summary, shown, allowed,
                          counts(source, [by_id[i] for i in allowed if i in by_id]),
                          parts=[part for _, _, part in top]))
    if glosses:
        tasks += gloss_tasks(source)
    return tasks


def gloss_tasks(source: EventSource) -> list[Task]:
    """Return a gloss task for each usable, screened note not in English (for staff)."""
    out = []
    for note in source.notes:
        if not (note.usable and "unscreened" not in note.flags) or len(out) >= MAX_GLOSSES:
            continue
        language = detect_language(note.text)
        if language.code in ("en", "und") or not language.screened:
            continue
        text = _clean(note.text, source.names)[:NOTE_CHARS]
        out.append(Task("gloss", str(note.id), "", [(note.id, text)], [note.id],
                        {}, title=language.code))
    return out
