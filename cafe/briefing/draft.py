"""A first draft of a briefing, made on this machine from an event's notes and its themes.

Extractive and template-based: titles, points and phrases come from the themes' labels and key
phrases, quotes are the writers' own words (only where they allowed it, personal details removed),
everything else is fixed sentences with counts filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cafe.briefing.source import EventSource, NoteRecord
from cafe.safety import redact, suppress_small_groups
from cafe.synthesis.types import SynthesisResult, Theme

MAX_POINTS = 7  # points from key phrases, when a draft is about one or two themes
THEME_POINTS = 15  # one point per theme, when it is about three or more
MIN_POINTS = 3
QUOTES_PER_THEME = 3
MAX_QUOTES = 8


@dataclass(frozen=True)
class Selection:
    """Which themes a draft is about: all of them, some (by key), or those under one frame."""

    kind: str = "all"
    keys: tuple[str, ...] = ()
    frame: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("all", "themes", "frame"):
            raise ValueError("a selection is 'all', 'themes' or 'frame'")
        if self.kind == "themes" and not self.keys:
            raise ValueError("choose at least one theme")
        if self.kind == "frame" and not self.frame:
            raise ValueError("choose a frame")

    def pick(self, result: SynthesisResult) -> list[Theme]:
        if self.kind == "themes":
            return [t for t in result.themes if t.key in self.keys]
        if self.kind == "frame":
            return [t for t in result.themes if t.frame == self.frame]
        return list(result.themes)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "keys": list(self.keys), "frame": self.frame}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Selection:
        return cls(data.get("kind", "all"), tuple(data.get("keys", ())), data.get("frame"))


ALL = Selection()


@dataclass
class Support:
    """How many notes back a point, from which tables and rounds (small groups not named)."""

    note_ids: list[int]
    tables: list[tuple[str, int]]
    other_tables: int
    rounds: list[tuple[int, int]]
    other_rounds: int

    @property
    def n(self) -> int:
        return len(self.note_ids)


@dataclass
class KeyPoint:
    text: str
    theme_key: str
    support: Support


@dataclass
class Quote:
    note_id: int
    text: str
    attribution: str
    theme_key: str


@dataclass
class ThemeInfo:
    key: str
    label: str
    n_notes: int
    word_weights: dict[str, float]


@dataclass
class Evidence:
    event: str
    date: str
    questions: list[tuple[int, str]]
    participants: int
    writers: int
    notes_total: int
    notes_in_briefing: int
    quotable: int
    paraphrase: int
    not_quoted: int
    k: int
    params: dict[str, Any]
    method: str = ""


@dataclass
class Briefing:
    title: str
    summary: str
    points: list[KeyPoint]
    quotes: list[Quote]
    paraphrases: list[str]
    questions: list[str]
    evidence: Evidence
    themes: list[ThemeInfo] = field(default_factory=list)
    points_note: str = ""


def _clean(text: str, names=()) -> str:
    """Redact personal details and fold every run of white space (newlines too) into one space."""
    return " ".join(redact(text, names).split())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def support(source: EventSource, notes: list[NoteRecord]) -> Support:
    """Count notes per table and round, naming only groups where at least k people wrote."""
    ids = [n.id for n in notes]

    def split(key, label):
        writers = source.writers(notes, key)
        shown = suppress_small_groups(writers, source.k, protect_total=True)
        named = []
        for group in sorted(writers):
            if shown[group]:
                named.append((label(group), sum(1 for n in notes if key(n) == group)))
        return named, len(notes) - sum(c for _, c in named)

    tables, other_tables = split(lambda n: n.table, source.table_name)
    rounds, other_rounds = split(lambda n: n.round, lambda r: r)
    return Support(ids, tables, other_tables, rounds, other_rounds)


@dataclass(frozen=True)
class Places:
    """Which tables and rounds may be named for the notes of one theme (or one group of notes)."""

    tables: frozenset
    rounds: frozenset

    def of(self, note: NoteRecord) -> tuple[bool, bool]:
        """Say whether this note's table and its round may be named."""
        return note.table in self.tables, note.round in self.rounds


def places(source: EventSource, notes: list[NoteRecord]) -> Places:
    """Return the tables and rounds that every export may name for these notes (one theme).

    The rule of `support`, which the briefing's evidence shows: a table or round is named only
    where at least k people wrote in this theme, and not when one hidden group could be worked out
    from the total. A note's table and round together say more than each alone: if some table
    (with the round as it would show) were shared by fewer than k people, no table is named at
    all in this theme, so nobody can be singled out by combining the two.
    """
    k = source.k

    def shown(key) -> set:
        counts = suppress_small_groups(source.writers(notes, key), k, protect_total=True)
        return {group for group, n in counts.items() if n}

    tables, rounds = shown(lambda n: n.table), shown(lambda n: n.round)
    pairs = source.writers(notes, lambda n: (n.table if n.table in tables else None,
                                             n.round if n.round in rounds else None))
    if any(0 < count < k for (table, _), count in pairs.items() if table is not None):
        tables = set()
    return Places(frozenset(tables), frozenset(rounds))


def attribution(source: EventSource, note: NoteRecord, where: Places) -> str:
    """Say where a quote came from only as precisely as k people in its theme allow."""
    table, rnd = where.of(note)
    if table and rnd:
        return f"Table {source.table_name(note.table)}, round {note.round}"
    if table:
        return f"Table {source.table_name(note.table)}"
    if rnd:
        return f"Round {note.round}"
    return "A participant"


def _mentions(phrase: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()), text.lower()) is not None


def generate(source: EventSource, result: SynthesisResult,
             selection: Selection = ALL) -> Briefing:
    """Make a draft briefing about the selected themes."""
    names = source.names
    themes = selection.pick(result)
    by_id = {n.id: n for n in source.notes}

    def members(theme: Theme) -> list[NoteRecord]:
        return [by_id[i] for i in theme.note_ids if i in by_id and by_id[i].usable]

    label = {t.key: _clean(t.label, names) for t in themes}
    infos = [ThemeInfo(t.key, label[t.key], len(members(t)), dict(t.word_weights)) for t in themes]

    points: list[KeyPoint] = []
    points_note = ""
    if len(themes) >= MIN_POINTS:
        # Every theme is a key point: a theme left out would look as if nobody had raised it.
        for theme in themes[:THEME_POINTS]:
            points.append(KeyPoint(_cap(label[theme.key]), theme.key, support(source, members(theme))))
        left = themes[THEME_POINTS:]
        if left:
            points_note = (
                f"{len(left)} more theme{'s' if len(left) != 1 else ''}, left out of this list to "
                f"keep it short: {_and([label[t.key] for t in left])}."
            )
    else:
        seen: set[str] = set()
        for theme in themes:
            notes = members(theme)
            for phrase in theme.key_phrases:
                phrase = _clean(phrase, names)
                backing = [n for n in notes if _mentions(phrase, n.text)]
                low = phrase.lower()
                if len(backing) < 2 or any(low in other or other in low for other in seen):
                    continue
                seen.add(phrase.lower())
                points.append(KeyPoint(_cap(phrase), theme.key, support(source, backing)))
        points = sorted(points, key=lambda p: -p.support.n)[:MAX_POINTS]
        if len(points) < MIN_POINTS:
            for theme in themes:
                if not any(p.text.lower() == label[theme.key].lower() for p in points):
                    points.append(KeyPoint(_cap(label[theme.key]), theme.key,
                                           support(source, members(theme))))

    quotes: list[Quote] = []
    for theme in themes:
        notes = members(theme)
        where = places(source, notes)
        order = [i for i in theme.representative_ids] + [n.id for n in notes]
        taken = 0
        for note_id in dict.fromkeys(order):
            note = by_id.get(note_id)
            if note is None or not note.quotable or note_id not in theme.note_ids:
                continue
            text = _clean(note.text, names)
            if not text or any(q.text == text for q in quotes):
                continue
            quotes.append(Quote(note.id, text, attribution(source, note, where), theme.key))
            taken += 1
            if taken >= QUOTES_PER_THEME or len(quotes) >= MAX_QUOTES:
                break
        if len(quotes) >= MAX_QUOTES:
            break

    paraphrases = []
    for theme in themes:
        only = [n for n in members(theme) if n.consent == "paraphrase"]
        if not only:
            continue
        counted = []
        for phrase in theme.key_phrases:
            phrase = _clean(phrase, names)
            n = sum(1 for note in only if _mentions(phrase, note.text))
            if n:
                counted.append((n, phrase))
        counted.sort(key=lambda c: -c[0])
        one = len(only) == 1
        notes_word, mention, are = ("note", "mentions", "is") if one else ("notes", "mention", "are")
        if counted:
            listed = _and([f"{p} ({n})" for n, p in counted[:3]])
            paraphrases.append(
                f"{len(only)} {notes_word} on “{label[theme.key]}” shared for paraphrase only "
                f"mostly {mention} {listed}."
            )
        else:
            paraphrases.append(
                f"{len(only)} {notes_word} on “{label[theme.key]}” shared for paraphrase only "
                f"{are} counted above and not quoted."
            )

    labels = [label[t.key] for t in themes]
    if selection.kind == "frame" and selection.frame:
        title = _cap(_clean(selection.frame, names))
    elif len(themes) == 1:
        title = _cap(labels[0])
    else:
        title = f"{source.title} – what participants said"

    usable = [n for n in source.notes if n.usable]
    in_briefing = sorted({n.id for t in themes for n in members(t)})
    chosen = [by_id[i] for i in in_briefing]
    writers = len({n.writer if n.writer is not None else ("?", n.id) for n in usable})
    summary = _summary(source, themes, labels, members, usable, chosen, quotes, writers, names)

    questions = []
    for theme in themes[:3]:
        questions.append(f"What would it take for services to act on {label[theme.key].lower()}?")
    for theme in themes[:2]:
        phrases = [_clean(p, names) for p in theme.key_phrases[1:2]]
        if phrases:
            questions.append(f"Whose experience of {phrases[0]} did we not hear at this café?")
    questions.append("Which of these points should go to commissioners first, and who will take them?")
    if not themes:
        questions.insert(0, "Which themes should this briefing be about? Run synthesis and regenerate.")

    evidence = Evidence(
        event=source.title, date=source.date,
        questions=[(r.number, r.question) for r in source.rounds],
        participants=source.participants, writers=writers, notes_total=len(usable),
        notes_in_briefing=len(chosen),
        quotable=sum(1 for n in chosen if n.consent == "quote"),
        paraphrase=sum(1 for n in chosen if n.consent == "paraphrase"),
        not_quoted=sum(1 for n in chosen if n.consent == "none"),
        k=source.k, params=dict(result.params), method=method(result),
    )
    return Briefing(title, summary, points, quotes, paraphrases, questions, evidence, infos,
                    points_note)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def method(result: SynthesisResult) -> str:
    """Say in one plain sentence how the themes were made (the settings stay in the JSON export)."""
    return method_text(result.params, len({i for t in result.themes for i in t.note_ids}),
                       len(result.themes))


def method_text(params: dict[str, Any], notes: int, themes: int) -> str:
    """Say how themes were made from a run's parameters (`notes`: if they do not say)."""
    if isinstance(params.get("n_notes"), int):
        notes = params["n_notes"]
    how = ("with sentence embeddings" if params.get("vectorizer") == "embeddings"
           else "by the words the notes share")
    text = (f"Themes made on this computer by Café from {notes} note{'s' if notes != 1 else ''}, "
            f"{themes} theme{'s' if themes != 1 else ''}, {how}")
    edits = params.get("edits")
    if isinstance(edits, int) and edits:
        text += f", then changed by staff {edits} time{'s' if edits != 1 else ''}"
    stamp = str(params.get("run_finished_at") or "")
    if re.match(r"\d{4}-\d{2}-\d{2}", stamp):
        year, month, day = (int(x) for x in stamp[:10].split("-"))
        if 1 <= month <= 12:
            text += f", on {day} {MONTHS[month - 1]} {year}"
    return text + "."


def _summary(source, themes, labels, members, usable, chosen, quotes, writers, names) -> str:
    rounds = len(source.rounds)
    parts = [
        f"At {source.title} on {source.date}, {writers} participants wrote {len(usable)} notes "
        f"over {rounds} round{'s' if rounds != 1 else ''}."
    ]
    if not themes:
        parts.append("No themes have been found yet, so this draft has no points.")
        return " ".join(parts)
    listed = _and([f"{lbl} ({len(members(t))} notes)" for lbl, t in zip(labels, themes, strict=True)][:5])
    more = f" and {len(themes) - 5} more" if len(themes) > 5 else ""
    parts.append(
        f"This briefing draws on the {len(chosen)} notes grouped under "
        f"{'this theme' if len(themes) == 1 else 'these themes'}: {listed}{more}."
    )
    phrases = []
    for theme in themes:
        for phrase in theme.key_phrases[:2]:
            phrase = _clean(phrase, names)
            if phrase and phrase.lower() not in (p.lower() for p in phrases):
                phrases.append(phrase)
    if phrases:
        parts.append(f"People returned again and again to {_and(phrases[:4])}.")
    if quotes:
        parts.append("Participants who agreed to be quoted are quoted with personal details removed.")
    return " ".join(parts)
