"""The briefing's sentences around the findings: asks and who should act, questions for further
conversation, the method note and the summary paragraph."""

from __future__ import annotations

import re
from typing import Any

from cafe.briefing.parts import (
    MAX_ASKS,
    Ask,
    Evidence,
    KeyPoint,
    Support,
    _cap,
    _lc,
    _stop,
    _theme_points,
    support,
)
from cafe.briefing.source import EventSource
from cafe.synthesis.key_points import sentences
from cafe.synthesis.titles import written_case
from cafe.synthesis.types import SynthesisResult

# A sentence phrased as an ask: a modal or a request anywhere, or a bare imperative at its start
# ("Fund by and for services", "Stop ..."; not "because they fund us").
_ASK = re.compile(
    r"\b(?:should|must|need to|needs to|have to|has to|ought to|we ask|ask(?:ing)? for|"
    r"call on|calling on|please|it would help if|we want|we need)\b|"
    r"^\W*(?:fund|stop|start|pay|give|listen|ask|invest|include|involve|commission)\b",
    re.IGNORECASE)
_WHO = re.compile(
    r"^(?P<who>(?:[A-Za-z][\w'’-]*)(?:\s+(?:and\s+)?[A-Za-z][\w'’-]*){0,3})\s+"
    r"(?:should|must|need to|needs to|have to|has to|ought to)\b")
_NOT_WHO = {"we", "i", "you", "they", "it", "this", "that", "there", "people", "everyone",
            "someone", "he", "she", "one", "these", "those", "what", "which", "who"}


def is_ask(sentence: str) -> bool:
    """Whether a sentence is phrased as an ask ("Funders should ...", "Fund by and for ...")."""
    return bool(_ASK.search(sentence))


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


def _asks(source, result, themes, usable, texts, names, label) -> list[Ask]:
    """Draw asks from notes phrased as asks: the most central one per theme, with its support."""
    ask_texts = [" ".join(s for s in sentences(t) if is_ask(s)) for t in texts]
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
    cased = written_case([n.text for t in themes for n in members(t)],
                         {x.title.split(" ", 1)[0].lower() for x in [*disagreements, *points]})
    for d in disagreements[:2]:
        questions.append(f"People disagreed about {_lc(d.title, cased)}: what would each side "
                         "need to hear from the other?")
    for point in points[:2]:
        questions.append(f"What would it take to act on {_lc(point.title, cased)}, and who "
                         "should lead?")
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


def said_most(points: list[KeyPoint], n: int = 3) -> list[KeyPoint]:
    """Return the `n` points made by the most notes: a loose theme's finding counts as the points
    made within it, each with its own notes, not as one point its notes all made."""
    said = [q for p in points for q in (p.parts or [p]) if q.support.n]
    return sorted(said, key=lambda q: -q.support.n)[:n]


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
    top = said_most(points)
    if top:
        said = [f"{_stop(p.text)} ({finding_support(p.support)})" for p in top]
        lead = "The point made most often was" if len(said) == 1 else \
            "The points made most often were"
        parts.append(f"{lead}: {'; '.join(said[:-1]) + '; and ' + said[-1] if len(said) > 1 else said[0]}.")
    if disagreements:
        d = disagreements[0]
        cased = written_case([n.text for n in usable], {d.title.split(" ", 1)[0].lower()})
        parts.append(f"Views were split on {_lc(d.title, cased)}: {d.other_support.n} "
                     f"note{'s' if d.other_support.n != 1 else ''} disagreed with the rest.")
    return " ".join(parts)
