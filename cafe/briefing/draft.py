"""A first draft of a briefing, made on this machine from an event's notes and its themes.

Extractive: each finding is one sentence a participant wrote (a note whose writer allowed quoting,
personal details removed, lightly tidied) that sums up its theme (`cafe.synthesis.key_points`),
with the notes and tables behind it; quotes are the writers' own words; asks come from notes
phrased as asks; everything else is fixed sentences with counts filled in, counted afresh from the
notes every time a draft is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from cafe.briefing.source import EventSource, NoteRecord
from cafe.safety import redact, suppress_small_groups
from cafe.synthesis.key_points import ThemeKeyPoints, key_points_for, sentences
from cafe.synthesis.types import SynthesisResult, Theme

THEME_POINTS = 15  # one finding per theme (and side of a disagreement)
QUOTES_PER_THEME = 3
MAX_QUOTES = 8
QUOTE_WORDS = 40  # a quote longer than this is trimmed, with an ellipsis
MAX_ASKS = 6


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
    n_tables: int = 0  # how many tables the notes came from (a count; small ones are not named)

    @property
    def n(self) -> int:
        return len(self.note_ids)


@dataclass
class KeyPoint:
    text: str
    theme_key: str
    support: Support
    title: str = ""
    note_id: int | None = None  # the note whose sentence this is


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
    audience: str = ""
    disagreements: list = field(default_factory=list)
    asks: list = field(default_factory=list)
    how: str = ""


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
    n_tables = len({n.table for n in notes if n.table is not None})
    return Support(ids, tables, other_tables, rounds, other_rounds, n_tables)


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


def _lc(title: str) -> str:
    """Lower a title's first letter for use inside a sentence (not an acronym's: "NHS")."""
    return title[:1].lower() + title[1:] if title[1:2].islower() or len(title) == 1 else title


def _stop(sentence: str) -> str:
    """Drop a sentence's final full stop, to set it inside another sentence."""
    return sentence[:-1] if sentence.endswith(".") else sentence


def trim_quote(text: str, limit: int = QUOTE_WORDS) -> str:
    """Shorten a quote to about `limit` words, honestly: whole sentences if they fit, else the
    first `limit` words and an ellipsis (…)."""
    words = text.split()
    if len(words) <= limit + 5:
        return text
    kept = []
    for sentence in sentences(text):
        if len(" ".join(kept + [sentence]).split()) > limit:
            break
        kept.append(sentence)
    if kept and len(" ".join(kept).split()) >= limit // 2:
        return " ".join(kept) + " …"
    return " ".join(words[:limit]).rstrip(",;:-–—") + " …"


@dataclass
class Disagreement:
    """A theme whose notes hold opposite views: the larger view and the other, each with support."""

    theme_key: str
    title: str
    main: str
    other: str
    main_support: Support
    other_support: Support


@dataclass
class Ask:
    """A recommendation drawn from notes phrased as asks, and who should act if the notes say."""

    text: str
    who: str
    theme_key: str
    support: Support
    note_id: int | None = None


def speakable(note: NoteRecord) -> bool:
    """Say whether a key point or ask may be built from this note's words."""
    return note.quotable and "unscreened" not in note.flags


def _theme_points(source: EventSource, result: SynthesisResult, usable: list[NoteRecord],
                  names, texts: list[str] | None = None, only=None) -> dict[str, ThemeKeyPoints]:
    """Find each theme's key point from the notes as they are now (staff edits included)."""
    index = {t.key: c for c, t in enumerate(result.themes)}
    theme_of: dict[int, int] = {}
    for theme in result.themes:
        for note_id in theme.note_ids:
            theme_of.setdefault(note_id, index[theme.key])
    labels = [theme_of.get(n.id, -1) for n in usable]
    if not any(c >= 0 for c in labels):
        return {}
    texts = texts if texts is not None else [_clean(n.text, names) for n in usable]
    eligible = [speakable(n) and (only is None or only(n)) for n in usable]
    found = key_points_for(texts, labels, eligible=eligible, match_outside=only is None)
    keys = [t.key for t in result.themes]
    out = {keys[f.theme]: f for f in found if f.point is not None and f.point.text}
    at = {n.id: i for i, n in enumerate(usable)}
    for theme in result.themes:
        # A theme whose notes another theme holds too: its point from its own notes alone.
        rows = [at[i] for i in theme.note_ids if i in at]
        if theme.key in out or not any(eligible[r] for r in rows):
            continue
        alone = key_points_for([texts[r] for r in rows], [0] * len(rows),
                               eligible=[eligible[r] for r in rows], match_outside=False)
        if alone and alone[0].point is not None and alone[0].point.text:
            out[theme.key] = _reindex(alone[0], rows)
    return out


def _reindex(found: ThemeKeyPoints, rows: list[int]) -> ThemeKeyPoints:
    """Map a theme's key points found among a subset of notes back to the notes' indices."""
    def point(p):
        if p is None:
            return None
        return replace(p, source=rows[p.source] if p.source is not None else None,
                       matched=tuple(rows[i] for i in p.matched))
    return ThemeKeyPoints(found.theme, point(found.point), point(found.other),
                          {rows[i]: side for i, side in found.stance.items()})


_ASK = re.compile(
    r"\b(?:should|must|need to|needs to|have to|has to|ought to|we ask|ask(?:ing)? for|"
    r"call on|calling on|please|it would help if|we want|we need|fund|stop)\b", re.IGNORECASE)
_WHO = re.compile(
    r"^(?P<who>(?:[A-Za-z][\w'’-]*)(?:\s+(?:and\s+)?[A-Za-z][\w'’-]*){0,3})\s+"
    r"(?:should|must|need to|needs to|have to|has to|ought to)\b")
_NOT_WHO = {"we", "i", "you", "they", "it", "this", "that", "there", "people", "everyone",
            "someone", "he", "she", "one", "these", "those", "what", "which", "who"}


def who_acts(sentence: str) -> str:
    """Return who a sentence says should act ("Funders should ..." -> "Funders"), or ""."""
    found = _WHO.match(sentence)
    if not found:
        return ""
    who = found.group("who")
    rest = sentence[found.end():].lstrip().lower()
    if who.split()[0].lower() in _NOT_WHO or rest.startswith(("be ", "not be ", "been ")):
        return ""
    return _cap(who)


def generate(source: EventSource, result: SynthesisResult,
             selection: Selection = ALL) -> Briefing:
    """Make a draft briefing about the selected themes."""
    names = source.names
    themes = selection.pick(result)
    by_id = {n.id: n for n in source.notes}
    usable = [n for n in source.notes if n.usable]

    def members(theme: Theme) -> list[NoteRecord]:
        return [by_id[i] for i in theme.note_ids if i in by_id and by_id[i].usable]

    label = {t.key: _clean(t.label, names) for t in themes}
    infos = [ThemeInfo(t.key, label[t.key], len(members(t)), dict(t.word_weights)) for t in themes]
    texts = [_clean(n.text, names) for n in usable]
    found = _theme_points(source, result, usable, names, texts)

    def notes_at(indices) -> list[NoteRecord]:
        return [usable[i] for i in sorted(indices)]

    points: list[KeyPoint] = []
    disagreements: list[Disagreement] = []
    for theme in themes:
        tp = found.get(theme.key)
        mine = members(theme)
        if not mine:
            continue
        if tp is None or tp.point is None or not tp.point.text:
            text = (f"{_cap(label[theme.key])} came up in these notes, but none can be quoted as "
                    "a plain sentence.")
            backing = mine
        else:
            text = tp.point.text
            backing = notes_at(tp.point.matched)
            if tp.other is not None and tp.other.text:
                other = notes_at(tp.other.matched)
                disagreements.append(Disagreement(
                    theme.key, label[theme.key], tp.point.text, tp.other.text,
                    support(source, backing), support(source, other)))
        source_id = usable[tp.point.source].id if tp is not None and tp.point is not None \
            and tp.point.source is not None and tp.point.text else None
        points.append(KeyPoint(text, theme.key, support(source, backing), label[theme.key],
                               source_id))
    points.sort(key=lambda p: -p.support.n)
    points_note = ""
    if len(points) > THEME_POINTS:
        left = points[THEME_POINTS:]
        points = points[:THEME_POINTS]
        points_note = (
            f"{len(left)} more finding{'s' if len(left) != 1 else ''}, left out of this list to "
            f"keep it short, on: {_and([p.title for p in left])}."
        )

    quotes: list[Quote] = []
    used = {tp.point.source for tp in found.values() if tp.point and tp.point.source is not None}
    used_ids = {usable[i].id for i in used}
    for theme in themes:
        notes = members(theme)
        where = places(source, notes)
        order = [i for i in theme.representative_ids] + [n.id for n in notes]
        # Notes already shown as a key point come last: the quotes should add to the findings.
        order = [i for i in order if i not in used_ids] + [i for i in order if i in used_ids]
        taken = 0
        for note_id in dict.fromkeys(order):
            note = by_id.get(note_id)
            if note is None or not note.quotable or note_id not in theme.note_ids:
                continue
            text = trim_quote(_clean(note.text, names))
            if not text or any(q.text == text for q in quotes):
                continue
            quotes.append(Quote(note.id, text, attribution(source, note, where), theme.key))
            taken += 1
            if taken >= QUOTES_PER_THEME or len(quotes) >= MAX_QUOTES:
                break
        if len(quotes) >= MAX_QUOTES:
            break

    in_briefing = sorted({n.id for t in themes for n in members(t)})
    chosen = [by_id[i] for i in in_briefing]
    paraphrases = []
    n_para = sum(1 for n in chosen if n.consent == "paraphrase")
    n_none = sum(1 for n in chosen if n.consent == "none")
    if n_para or n_none:
        parts = []
        if n_para:
            parts.append(f"{n_para} note{'s were' if n_para != 1 else ' was'} shared for "
                         "paraphrase only")
        if n_none:
            parts.append(f"{n_none} note{'s were' if n_none != 1 else ' was'} not for quoting")
        paraphrases.append(
            f"{_cap(_and(parts))}: {'they are' if n_para + n_none != 1 else 'it is'} counted in "
            "the findings above, and no finding or quote uses their words.")

    asks = _asks(source, result, themes, usable, texts, names, label)

    labels = [label[t.key] for t in themes]
    if selection.kind == "frame" and selection.frame:
        title = _cap(_clean(selection.frame, names))
    elif len(themes) == 1:
        title = _cap(labels[0])
    else:
        title = f"{source.title} – what participants said"

    writers = len({n.writer if n.writer is not None else ("?", n.id) for n in usable})
    summary = _summary(source, themes, points, disagreements, usable, chosen, writers)
    questions = _questions(themes, points, disagreements, label, members)

    evidence = Evidence(
        event=source.title, date=source.date,
        questions=[(r.number, r.question) for r in source.rounds],
        participants=source.participants, writers=writers, notes_total=len(usable),
        notes_in_briefing=len(chosen),
        quotable=sum(1 for n in chosen if n.consent == "quote"),
        paraphrase=n_para, not_quoted=n_none,
        k=source.k, params=dict(result.params), method=method(result),
    )
    return Briefing(title, summary, points, quotes, paraphrases, questions, evidence, infos,
                    points_note, audience=source.audience, disagreements=disagreements,
                    asks=asks, how=how_made(source, evidence))


def scrub_points(markdown: str, source: EventSource, points: dict[int, str]) -> str:
    """Remove from a draft the key points and asks whose note may no longer be quoted (withdrawn,
    held, or its consent changed since the draft was made)."""
    for note_id, text in points.items():
        note = source.note(note_id)
        if (note is None or not speakable(note)) and text:
            # As a finding, and inside the summary without its full stop.
            for form in (text, _stop(text)):
                if len(form) >= 12:
                    markdown = markdown.replace(
                        form, "[point removed: its note is no longer available]")
    return markdown


def _asks(source, result, themes, usable, texts, names, label) -> list[Ask]:
    """Draw asks from notes phrased as asks: the most central one per theme, with its support."""
    ask_texts = [" ".join(s for s in sentences(t) if _ASK.search(s)) for t in texts]
    has_ask = [bool(a) for a in ask_texts]
    if not any(has_ask):
        return []
    asking = {u.id for u, h in zip(usable, has_ask, strict=True) if h}
    found = _theme_points(source, result, usable, names, ask_texts,
                          only=lambda n: n.id in asking)
    by_key = {t.key: t for t in themes}
    asks = []
    for key, tp in found.items():
        if key not in by_key or tp.point is None or not tp.point.text:
            continue
        members = set(by_key[key].note_ids)
        backing = [n for n, h in zip(usable, has_ask, strict=True) if h and n.id in members]
        if not backing:
            continue
        asks.append(Ask(tp.point.text, who_acts(tp.point.text), key, support(source, backing),
                        usable[tp.point.source].id if tp.point.source is not None else None))
    asks.sort(key=lambda a: -a.support.n)
    strong = [a for a in asks if a.support.n >= 2]
    return (strong or asks)[:MAX_ASKS]


def _questions(themes, points, disagreements, label, members) -> list[str]:
    """Questions for further conversation, from what the findings leave open."""
    questions = []
    for d in disagreements[:2]:
        questions.append(f"People disagreed about {_lc(d.title)}: what would each side need to "
                         "hear from the other?")
    for point in points[:2]:
        questions.append(f"What would it take to act on {_lc(point.title)}, and who should lead?")
    narrow = [p for p in points if p.support.n >= 2 and 0 < p.support.n_tables <= 1]
    if narrow:
        questions.append(f"{_cap(narrow[0].title)} came up at one table only: do people at the "
                         "other tables see it the same way?")
    questions.append("Which of these points should go to commissioners first, and who will "
                     "take them?")
    if not themes:
        questions.insert(0, "Which themes should this briefing be about? Run synthesis and "
                            "regenerate.")
    return questions


def how_made(source: EventSource, e: Evidence) -> str:
    """Say in plain English how the briefing was made."""
    rounds = len(source.rounds)
    return (
        f"Participants wrote short notes on their phones at tables over {rounds} "
        f"round{'s' if rounds != 1 else ''}. Café grouped notes that say similar things into "
        "themes on this computer, and staff checked the themes. Each finding is the sentence that "
        "best sums up its theme, taken from a note whose writer agreed to be quoted and tidied "
        "only lightly, with the number of notes and tables behind it. Notes shared for "
        "paraphrase only or not for quoting are counted but their words are never used; notes "
        "held for safeguarding are left out. Tables or rounds where fewer than "
        f"{e.k} people wrote are not named. Every number is counted again from the notes when "
        "the briefing is regenerated or exported."
    )


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


def finding_support(s: Support) -> str:
    """Say how many notes and tables back a finding: "12 notes, 4 tables"."""
    text = f"{s.n} note{'s' if s.n != 1 else ''}"
    if s.n_tables:
        text += f", {s.n_tables} table{'s' if s.n_tables != 1 else ''}"
    return text


def _summary(source, themes, points, disagreements, usable, chosen, writers) -> str:
    rounds = len(source.rounds)
    parts = [
        f"At {source.title} on {source.date}, {writers} participants wrote {len(usable)} notes "
        f"over {rounds} round{'s' if rounds != 1 else ''}."
    ]
    if not themes:
        parts.append("No themes have been found yet, so this draft has no points.")
        return " ".join(parts)
    parts.append(f"This briefing draws on {len(chosen)} of them, in {len(themes)} "
                 f"theme{'s' if len(themes) != 1 else ''}.")
    top = [p for p in points if p.support.n][:3]
    if top:
        said = [f"{_stop(p.text)} ({finding_support(p.support)})" for p in top]
        lead = "The point made most often was" if len(said) == 1 else \
            "The points made most often were"
        parts.append(f"{lead}: {'; '.join(said[:-1]) + '; and ' + said[-1] if len(said) > 1 else said[0]}.")
    if disagreements:
        d = disagreements[0]
        parts.append(f"Views were split on {_lc(d.title)}: {d.other_support.n} "
                     f"note{'s' if d.other_support.n != 1 else ''} disagreed with the rest.")
    return " ".join(parts)
