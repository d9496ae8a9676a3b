"""The parts of a briefing draft: what is chosen, who supports a point, places, quotes, asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cafe.briefing.source import EventSource, NoteRecord
from cafe.safety import redact, suppress_small_groups
from cafe.synthesis.cohesion import is_loose
from cafe.synthesis.cohesion import vectors as cohesion_vectors
from cafe.synthesis.key_points import ThemeKeyPoints, key_points_for, sentences, tfidf_embedder
from cafe.synthesis.point_vectors import KeptVectors, texts_to_keep
from cafe.synthesis.types import SynthesisResult, Theme
from cafe.synthesis.within import points_within

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
    # A loose theme (its notes say many different things): the points made within it, each with
    # its own notes; the finding lists them instead of one sentence for all its notes.
    parts: list[KeyPoint] = field(default_factory=list)


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


def _lc(title: str, cased: Mapping[str, str] | None = None) -> str:
    """Lower a title's first letter for use inside a sentence: not an acronym's ("NHS"), nor a
    word's that the notes' writers capitalise inside their sentences (`cased`, from
    `written_case`: "Black women", "Polish families")."""
    first = title.split(" ", 1)[0]
    if cased and first.lower() in cased:
        return title
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


def point_embedder(source: EventSource, result: SynthesisResult, fallback=tfidf_embedder):
    """Return how key points embed the notes: as the run did when it read them for meaning (the
    sentence vectors its worker kept, beside LSA; `cafe.synthesis.point_vectors`), else
    `fallback` (LSA of the notes' own words). Café key point soft-F1 0.47 by LSA, 0.53 by the
    run's vectors (held-out set, docs/BENCHMARKS.md, session 11)."""
    kept = source.point_vectors
    if (kept is not None and len(kept) and (result.params or {}).get("vectorizer") == "embeddings"
            and (result.params or {}).get("sentence_model") == kept.model):
        return kept.or_else(fallback)
    return fallback


def loose_themes(usable: list[NoteRecord], texts: list[str], result: SynthesisResult
                 ) -> set[str]:
    """Return the keys of themes whose notes are no more alike than any two notes of their
    question (`cafe.synthesis.cohesion`); `texts` are the `usable` notes as the briefing reads
    them. A theme's question is the round of most of its notes (a theme made across questions
    is measured against every note)."""
    if not usable:
        return set()
    X = cohesion_vectors(texts)
    at = {n.id: i for i, n in enumerate(usable)}
    everyone = list(range(len(usable)))
    by_round: dict[Any, list[int]] = {}
    for i, n in enumerate(usable):
        by_round.setdefault(n.round, []).append(i)
    out = set()
    for theme in result.themes:
        members = [at[i] for i in theme.note_ids if i in at]
        scope = everyone
        if members:
            top, count = Counter(usable[i].round for i in members).most_common(1)[0]
            if top is not None and count >= 0.8 * len(members):
                scope = by_round[top]
        if is_loose(X, members, scope):
            out.add(theme.key)
    return out


def covered(embedder, texts: list[str], labels: list[int], eligible: list[bool]):
    """Return `embedder`, or its fallback (LSA) when it is kept vectors that miss a themed note
    or one of its sentences (a note written or edited since the run): one way for every note."""
    if isinstance(embedder, KeptVectors) and not embedder.covers(
            t for i, c in enumerate(labels) if c >= 0
            for t in texts_to_keep(texts[i], eligible[i])):
        return embedder.fallback or tfidf_embedder
    return embedder


def theme_key_points(source: EventSource, result: SynthesisResult, embedder=None
                     ) -> tuple[list[NoteRecord], list[str], dict[str, ThemeKeyPoints], set[str]]:
    """Return the notes that count, their redacted texts, each theme's key point (and other
    view) by theme key, as a briefing states them, and the keys of the loose themes, whose
    points also list the points made within them (`ThemeKeyPoints.parts`); a point's note
    indices are into those notes.

    The one computation both the briefing and the staff workspace's theme cards use.
    `embedder(texts)` gives the embedding `key_points_for` uses (default: `point_embedder`);
    the workspace passes one that keeps the LSA fit while the notes' words stay the same.
    """
    usable = [n for n in source.notes if n.usable]
    texts = [_clean(n.text, source.names) for n in usable]
    loose = loose_themes(usable, texts, result)
    return usable, texts, _theme_points(source, result, usable, source.names, texts,
                                        embedder=embedder if embedder is not None
                                        else point_embedder(source, result),
                                        split=loose), loose


def _theme_points(source: EventSource, result: SynthesisResult, usable: list[NoteRecord],
                  names, texts: list[str] | None = None, only=None,
                  embedder=tfidf_embedder, split: set[str] = frozenset()
                  ) -> dict[str, ThemeKeyPoints]:
    """Find each theme's key point from the notes as they are now (staff edits included), and
    for the themes whose keys are in `split`, the points made within them."""
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
    embedder = covered(embedder, texts, labels, eligible)
    embed = embedder(texts)
    found = key_points_for(texts, labels, eligible=eligible, match_outside=only is None,
                           embed=embed)
    if split:
        points_within(found, texts, labels, [index[k] for k in split if k in index],
                      eligible=eligible, embed=embed)
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
