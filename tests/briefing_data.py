"""A small event with every awkward kind of note, and themes over it, for the briefing tests."""

from __future__ import annotations

from cafe.briefing.source import EventSource, NoteRecord, RoundInfo, TableInfo
from cafe.synthesis.types import SynthesisResult, Theme

SECRETS = ("DONOTQUOTE-SECRET", "PARAPHRASE-SECRET", "DISCLOSURE-SECRET")
PERSONAL = ("07700", "900123", "Amina", "Begum", "a@b.org")
QUESTIONS = ("What helps survivors get interpreters?", "What builds trust in the police?")

# (id, writer, table, round, consent, status, flags, text)
NOTES = [
    (1, 1, 1, 1, "quote", "saved", (), "Interpreters should be booked by the service, not by the survivor's child."),
    (2, 2, 1, 1, "quote", "saved", (), "Waiting lists for interpreters are months long [click](javascript:alert(1)) <img src=x onerror=alert(1)> ![pic](http://tracker.example/p.png)"),
    (3, 3, 1, 2, "paraphrase", "saved", (), "PARAPHRASE-SECRET waiting lists for interpreters push women back home"),
    (4, 4, 2, 1, "none", "saved", (), "DONOTQUOTE-SECRET my caseworker said waiting lists for interpreters are normal"),
    (5, 5, 2, 2, "quote", "saved", ("personal:phone", "personal:email", "personal:name"), "Call Amina Begum on 07700 900123 about interpreters, or email a@b.org"),
    (6, 6, 2, 1, "quote", "saved", (), '=HYPERLINK("http://evil.example","waiting lists") for interpreters'),
    (7, 7, 3, 2, "quote", "saved", (), "Elm only: trust in police is low\x07 and\x0bthat is that\x00"),
    (8, 1, 1, 2, "quote", "saved", (), "Trust in police grows when officers listen"),
    (9, 2, 1, 2, "quote", "saved", (), "Trust in police needs *by and for* services in the room\n# not a heading"),
    (10, 8, 2, 2, "quote", "saved", ("disclosure",), "DISCLOSURE-SECRET he hurts me at home, trust in police is gone"),
    (11, 3, 1, 1, "quote", "withdrawn", (), ""),
    (12, 5, 2, 1, "quote", "saved", (), "-2+3 trust in police =cmd|' /C calc'!A0"),
]


def source() -> EventSource:
    return EventSource(
        event_id=1, slug="test-cafe", title="Test café", date="2026-11-21", k=3,
        names=("Amina Begum",),
        rounds=(RoundInfo(1, QUESTIONS[0]), RoundInfo(2, QUESTIONS[1])),
        tables=(TableInfo(1, "Oak"), TableInfo(2, "Ash"), TableInfo(3, "Elm")),
        participants=9,
        notes=tuple(
            NoteRecord(id=i, text=text, table=t, round=r, consent=c, status=s, flags=f, writer=w)
            for i, w, t, r, c, s, f, text in NOTES
        ),
    )


def result() -> SynthesisResult:
    return SynthesisResult(
        themes=[
            Theme(
                key="latin:theme:0", label="Interpreters and waiting lists",
                key_phrases=["interpreters", "waiting lists", "booked"],
                note_ids=[1, 2, 3, 4, 5, 6], representative_ids=[2, 1, 5],
                counts_by_table={1: 3, 2: 3}, counts_by_round={1: 4, 2: 2}, frame=None,
                word_weights={"interpreters": 1.0, "waiting": 0.6, "lists": 0.5, "booked": 0.3},
            ),
            Theme(
                key="latin:theme:1", label="Trust in police",
                key_phrases=["trust in police", "police", "listen"],
                note_ids=[7, 8, 9, 10, 12], representative_ids=[8, 9],
                counts_by_table={1: 2, 2: 2, 3: 1}, counts_by_round={1: 1, 2: 4}, frame=None,
                word_weights={"trust": 1.0, "police": 0.9, "listen": 0.4},
            ),
        ],
        unthemed=[],
        params={"n_notes": 11, "random_state": 0, "min_theme_size": 2,
                "groups": [{"script": "latin", "n": 11, "k": 2,
                            "vectorizer": {"step": "TfidfLsaVectorizer", "n_components": 100}}]},
    )
