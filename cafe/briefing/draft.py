"""A first draft of a briefing, made on this machine from an event's notes and its themes.

Extractive: each finding is one sentence a participant wrote (a note whose writer allowed quoting,
personal details removed, lightly tidied) that sums up its theme (`cafe.synthesis.key_points`),
with the notes and tables behind it; quotes are the writers' own words; asks come from notes
phrased as asks; everything else is fixed sentences with counts filled in, counted afresh from the
notes every time a draft is made.
"""

from __future__ import annotations

from cafe.briefing.parts import (
    ALL,
    MAX_QUOTES,
    QUOTES_PER_THEME,
    THEME_POINTS,
    Briefing,
    Disagreement,
    Evidence,
    KeyPoint,
    Quote,
    Selection,
    ThemeInfo,
    _and,
    _cap,
    _clean,
    _stop,
    attribution,
    places,
    speakable,
    support,
    theme_key_points,
    trim_quote,
)
from cafe.briefing.source import EventSource, NoteRecord
from cafe.briefing.wording import _asks, _questions, _summary, how_made, method
from cafe.synthesis.types import SynthesisResult, Theme


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
    usable, texts, found, loose = theme_key_points(source, result)

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
        within = [KeyPoint(p.text, theme.key, support(source, notes_at(p.matched)),
                           label[theme.key], usable[p.source].id)
                  for p in (tp.parts if tp is not None else [])
                  if p.source is not None]
        points.append(KeyPoint(text, theme.key, support(source, backing), label[theme.key],
                               source_id, parts=within))
    # Most notes first; a finding that lists points by the notes of its largest one.
    points.sort(key=lambda p: -max([q.support.n for q in p.parts] or [p.support.n]))
    points_note = ""
    if len(points) > THEME_POINTS:
        left = points[THEME_POINTS:]
        points = points[:THEME_POINTS]
        points_note = (
            f"{len(left)} more finding{'s' if len(left) != 1 else ''}, left out of this list to "
            f"keep it short, on: {_and([p.title for p in left])}."
        )
    flagged = [(i, p) for i, p in enumerate(points, 1) if p.theme_key in loose]
    for listed in (True, False):
        which = [str(i) for i, p in flagged if bool(p.parts) == listed]
        if not which:
            continue
        # The workspace flags these themes too; a reader of the draft should know as well.
        one = len(which) == 1
        said = ("so it lists the points made within it" if one else
                "so each lists the points made within it") if listed else \
            ("it speaks for only some of them" if one else "each speaks for only some of them")
        points_note = " ".join(filter(None, [points_note, (
            f"Finding{'' if one else 's'} {_and(which)} "
            f"come{'s' if one else ''} from {'a theme' if one else 'themes'} whose notes say "
            f"many different things{', ' if listed else ': '}{said}.")]))

    quotes: list[Quote] = []
    used = {tp.point.source for tp in found.values() if tp.point and tp.point.source is not None}
    used_ids = {usable[i].id for i in used} | {q.note_id for p in points for q in p.parts}
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
