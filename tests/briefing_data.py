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


def insert_notes(app, slug: str = "test-cafe") -> dict:
    """Store NOTES in an event of a real database (table 3 becomes table 2: the plan has two)."""
    import json as _json

    from cafe import queries
    from cafe.actions import now
    from cafe.db import get_writer, reading

    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, slug)

        def fill(db) -> dict[int, int]:
            plan = {**_json.loads(event["plan_json"]), "names": ["Amina Begum"]}
            db.execute("UPDATE events SET plan_json = ? WHERE id = ?",
                       [_json.dumps(plan), event["id"]])
            people, ids = {}, {}
            for note_id, writer, table, rnd, consent, status, flags, text in NOTES:
                table = min(table, 2)
                if writer not in people:
                    people[writer] = db.execute(
                        "INSERT INTO participants (event_id, token_hash, pseudonym, table_no, "
                        "created_at) VALUES (?,?,?,?,?)",
                        [event["id"], f"hash-{slug}-{writer}", f"Guest {writer}", table, now()],
                    ).lastrowid
                ids[note_id] = db.execute(
                    "INSERT INTO notes (event_id, client_id, participant_id, table_no, round_no, "
                    "text, consent, status, flags_json, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [event["id"], f"c-{note_id}", people[writer], table, rnd, text, consent,
                     status, _json.dumps(list(flags)), now(), now()],
                ).lastrowid
            return ids

        ids = get_writer().write(fill)
        with reading() as db:
            event = queries.event_by_slug(db, slug)
    return {"event": event, "ids": ids}


def pipeline_result(app, slug: str = "test-cafe"):
    """Theme an event's notes with the real synthesis engine (as the staff workspace will)."""
    from cafe import queries
    from cafe.briefing.source import note_inputs
    from cafe.briefing_reads import load_source
    from cafe.db import reading
    from cafe.safety import redact
    from cafe.synthesis import SynthesisPipeline

    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, slug)
        src = load_source(db, event)
    return SynthesisPipeline(n_themes=2, redact=lambda t: redact(t, src.names)).run(
        note_inputs(src)), src
