"""A note in each script arrives exactly as written: socket, database, console, CSV, DOCX, Markdown."""

from __future__ import annotations

import csv
import io
import unicodedata

import docx

from cafe import queries
from cafe.briefing.export import render
from cafe.briefing.export_input import event_export
from cafe.briefing_reads import load_source
from cafe.db import reading
from cafe.synthesis.types import SynthesisResult, Theme
from conftest import rows

# Each with what breaks naive handling: combining marks, joiners, right-to-left text, emoji
# sequences, characters outside the Basic Multilingual Plane.
NOTES = {
    "latin": "Allies listen first, naïve café 👩🏽‍🤝‍👩🏿 ✊🏾",
    "urdu": "ہم سب کو پہلے سننا چاہیے، پھر بولنا",
    "bengali": "আমাদের আগে শোনা উচিত, তারপর কথা বলা",
    "polish": "Sojusznicy najpierw słuchają, zażółć gęślą jaźń",
    "arabic": "الاستماع أولاً يبني الثقة",
    "chinese": "先倾听，再发言 𠀋",
}


def _submit_all(phone, console) -> dict[str, int]:
    ids = {}
    for i, (script, text) in enumerate(NOTES.items()):
        ack = phone.emit("submit_note", {"client_id": f"script-{i:06d}", "text": text,
                                         "consent": "quote"}, namespace="/participant",
                         callback=True)
        assert ack["ok"], ack
        assert ack["note"]["text"] == text
        ids[script] = ack["note"]["id"]
    return ids


def _one_theme_per_script(ids: dict[str, int]) -> SynthesisResult:
    themes = [
        Theme(key=f"{script}:0", label=script.title(), key_phrases=[script], note_ids=[note_id],
              representative_ids=[note_id], counts_by_table={1: 1}, counts_by_round={1: 1},
              frame=None, word_weights={script: 1.0}, quotes={note_id: NOTES[script]})
        for script, note_id in ids.items()
    ]
    return SynthesisResult(themes=themes, unthemed=[], params={"test": "one theme per script"})


def test_a_note_in_each_script_round_trips_unchanged(app, db_path, phone, console):
    console.get_received("/console")
    ids = _submit_all(phone, console)
    # The database holds exactly what was written (no normalisation, no lost code points).
    stored = dict(rows(db_path, "SELECT id, text FROM notes"))
    for script, note_id in ids.items():
        assert stored[note_id] == NOTES[script]
        assert unicodedata.is_normalized("NFC", stored[note_id]) == unicodedata.is_normalized(
            "NFC", NOTES[script])
    # The console gets each note as written.
    arrived = {m["args"][0]["note"]["id"]: m["args"][0]["note"]["text"]
               for m in console.get_received("/console") if m["name"] == "note_added"}
    assert {note_id: arrived[note_id] for note_id in ids.values()} == {
        ids[s]: t for s, t in NOTES.items()}

    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, "test-cafe")
        source = load_source(db, event)
    _, inp = event_export(source, _one_theme_per_script(ids))

    markdown = render(inp, "md").decode("utf-8")
    table = list(csv.DictReader(io.StringIO(render(inp, "csv").decode("utf-8-sig"))))
    document = docx.Document(io.BytesIO(render(inp, "docx")))
    docx_text = "\n".join(p.text for p in document.paragraphs)
    docx_text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    csv_texts = {row["text"] for row in table}
    for script, text in NOTES.items():
        assert text in markdown, f"{script} changed in Markdown"
        assert text in csv_texts, f"{script} changed in CSV"
        assert text in docx_text, f"{script} changed in DOCX"
