"""Briefing drafts and exports as pure functions: golden Markdown, every format's safety."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from pathlib import Path

import docx
import pytest
from briefing_data import PERSONAL, SECRETS, result, source

from cafe.briefing.draft import generate
from cafe.briefing.export import FORMATS, render
from cafe.briefing.export_input import Cloud, ExportInput, event_export
from cafe.briefing.markdown import md_escape, render_markdown, to_html
from cafe.briefing.note_rows import note_rows
from cafe.briefing.notes_file import neutralise, to_csv
from cafe.briefing.opaque import opaque_id
from cafe.briefing.parts import ALL, Selection
from cafe.briefing.stored_draft import scrub
from cafe.briefing.word_file import to_docx, xml_safe

GOLDEN = Path(__file__).parent / "data" / "golden" / "briefing.md"
PNG = Path(__file__).parent / "data" / "golden" / "cloud.png"


def _export(selection: Selection = ALL):
    return event_export(source(), result(), selection,
                        stored_clouds={t.key: PNG.read_bytes() for t in result().themes})


def _all_text(data: bytes, fmt: str) -> str:
    """Return every piece of text a file holds (for a DOCX or zip: every part, XML included)."""
    if fmt in ("docx", "zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = []
            for name in archive.namelist():
                blob = archive.read(name)
                if name.endswith(".docx"):
                    parts.append(_all_text(blob, "docx"))
                elif not name.endswith((".png", ".jpeg")):
                    parts.append(blob.decode("utf-8"))
            return "\n".join(parts)
    return data.decode("utf-8")


def test_markdown_matches_the_golden_file():
    briefing, inp = _export()
    if os.environ.get("CAFE_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(inp.markdown, encoding="utf-8")
    assert inp.markdown == GOLDEN.read_text(encoding="utf-8")
    # The same inputs give the same draft.
    assert _export()[1].markdown == inp.markdown
    # One key point per theme, each a sentence a participant who allowed quoting wrote.
    assert len(briefing.points) == len(result().themes)
    assert all(p.text.endswith(".") and len(p.text.split()) >= 4 for p in briefing.points)


def test_draft_has_every_section_and_the_evidence():
    _, inp = _export()
    md = inp.markdown
    for heading in ("# ", "## Key points", "## What participants said",
                    "## Questions for further conversation", "## Evidence",
                    "### Supporting notes per point"):
        assert f"\n{heading}" in "\n" + md, heading
    assert "What helps survivors get interpreters?" in md
    # One plain line on how the themes were made; the engine's settings go only to the JSON.
    assert "- Themes made on this computer by Café from 11 notes, 2 themes, by the words" in md
    for setting in ("Pipeline", "random", "TfidfLsa", "n\\_components", "min\\_theme"):
        assert setting not in md, setting
    assert "| 1. Interpreters and waiting lists | 6 | Oak (3), Ash (3) |" in md


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_unquotable_or_personal_text_in_any_format(fmt):
    _, inp = _export()
    text = _all_text(render(inp, fmt), fmt)
    for secret in SECRETS + PERSONAL:
        assert secret not in text, (fmt, secret)
    assert "phone removed" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_small_tables_are_never_named(fmt):
    _, inp = _export()
    # Table Elm has one writer (k = 3): no format may attribute anything to it.
    assert "Elm" not in _all_text(render(inp, fmt), fmt).replace("Elm only", "")


def test_quotes_come_only_from_notes_that_allow_quoting():
    briefing = generate(source().with_themes(result()), result())
    allowed = {n.id for n in source().notes if n.quotable}
    assert briefing.quotes and {q.note_id for q in briefing.quotes} <= allowed
    # Paraphrase-only notes are summarised in words of the engine, never quoted.
    assert any("paraphrase only" in line for line in briefing.paraphrases)


def test_note_rows_keep_provenance_and_drop_what_may_not_appear():
    s = source().with_themes(result())
    rows = {r["note_id"]: r for r in note_rows(s, {n.id: n.theme_label for n in s.notes})}
    # Every row here hides a table or round, so none carries its sequential id (issue 19).
    assert set(rows) == {opaque_id(i) for i in (1, 2, 3, 5, 6, 7, 8, 9, 12)}  # no 'none',
    rows = {i: rows[opaque_id(i)] for i in (1, 2, 3, 5, 6, 7, 8, 9, 12)}  # withdrawn, disclosure
    assert rows[3]["text"] is None and rows[3]["consent"] == "paraphrase"
    # Interpreters: Oak and Ash have 3 writers each in the theme; round 2 has 2 and round 1 (the
    # smallest shown) is hidden with it, or round 2 could be worked out from the total.
    assert rows[1]["table"] == "Oak" and rows[5]["table"] == "Ash"
    assert rows[1]["round"] is None and rows[1]["question"] is None
    assert rows[1]["hidden"] == "round hidden: fewer than 3 people"
    assert rows[1]["theme"] == "Interpreters and waiting lists"
    assert rows[5]["text"] == "Call [name removed] on [phone removed] about interpreters, or email [email removed]"


def test_a_small_theme_never_says_where_its_notes_came_from():
    """Trust in police: 4 writers over three tables and two rounds, none of them k = 3 strong.

    Across the event, Oak in round 2 has 3 writers, so the old rule signed these quotes "Table Oak,
    round 2" and listed the table and round in the notes, while the evidence said "not named".
    """
    _, inp = _export()
    small = {opaque_id(i) for i in (7, 8, 9, 12)}
    for row in inp.rows:
        if row["note_id"] in small:
            assert row["table"] is None and row["round"] is None and row["question"] is None
            assert row["hidden"] == "table and round hidden: fewer than 3 people"
    for fmt in FORMATS:
        text = _all_text(render(inp, fmt), fmt)
        assert "round 2" not in text and "Round 2" not in text, fmt
    briefing = generate(source().with_themes(result()), result())
    signed = {q.note_id: q.attribution for q in briefing.quotes}
    assert {signed[i] for i in {7, 8, 9, 12} & set(signed)} == {"A participant"}
    assert signed[2] == "Table Oak"
    # The CSV says so in its own column.
    table = list(csv.DictReader(io.StringIO(to_csv(inp.rows))))
    assert {r["hidden"] for r in table if r["note_id"] in small} == {
        "table and round hidden: fewer than 3 people"}


def test_a_table_is_not_named_when_with_its_round_it_would_single_someone_out():
    """Oak, Ash and both rounds each have k writers or more in the theme; Oak in round 2 has one."""
    from cafe.briefing.parts import places
    from cafe.briefing.source import NoteRecord

    def note(i, writer, table, rnd):
        return NoteRecord(id=i, text="x", table=table, round=rnd, consent="quote",
                          status="saved", flags=(), writer=writer)

    s = source()
    notes = [note(1, 1, 1, 1), note(2, 2, 1, 1), note(3, 3, 1, 1), note(4, 4, 1, 2)]
    notes += [note(i, i, 2, 1 + i % 2) for i in range(5, 11)]
    where = places(s, notes)
    assert where.rounds == {1, 2}
    assert not where.tables  # "Oak, round 2" would be a group of one
    fine = places(s, notes[:3] + notes[4:])
    assert fine.tables == {1, 2} and fine.rounds == {1, 2}


def test_csv_cells_cannot_run_as_formulas():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(bad).startswith("'"), bad
    assert neutralise("fine =1") == "fine =1"
    _, inp = _export()
    table = list(csv.DictReader(io.StringIO(to_csv(inp.rows))))
    by_id = {row["note_id"]: row for row in table}
    assert by_id[opaque_id(6)]["text"].startswith("'=HYPERLINK")
    assert by_id[opaque_id(12)]["text"].startswith("'-2+3")
    for row in table:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_markdown_injection_in_note_text_stays_text():
    for attack in ("[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "![t](http://e/t.png)",
                   "<http://evil.example>", "<script>alert(1)</script>", "`code` *em* _u_",
                   "| a | b |", "&lt;b&gt;", "# heading", "1. list", "- item", "> quote"):
        html = to_html(f"> “{md_escape(attack)}”")
        assert "<a " not in html and "<img" not in html and "<script" not in html, attack
        assert "<em>" not in html and "<code>" not in html and "<h1>" not in html, attack
        assert "<table>" not in html and "<li>" not in html, attack
        assert html.count("<blockquote>") == 1
    _, inp = _export()
    html = to_html(inp.markdown)
    assert "<img" not in html and "<a " not in html and "javascript:" not in html.replace(
        "javascript:alert", "") or "href" not in html


def test_staff_markdown_preview_is_sanitised():
    html = to_html("[ok](https://example.org) [bad](javascript:alert(1)) ![i](https://x/y.png) "
                   "<b onclick=x>raw</b>")
    assert '<a rel="noopener noreferrer nofollow" href="https://example.org">ok</a>' in html
    assert "javascript:" not in re.sub(r"\[bad\]\(javascript:alert\(1\)\)", "", html)
    assert "<img" not in html and "<b " not in html
    # Aligned table columns would need inline styles, which the CSP refuses.
    assert "style=" not in to_html("| a | b |\n| :-: | --: |\n| 1 | 2 |\n")


def test_control_characters_are_removed_from_docx_and_markdown():
    assert xml_safe("a\x00b\x07c\x0bd\ufffe") == "abcd"
    _, inp = _export()
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", inp.markdown)
    nasty = ExportInput("x", "T\x01itle", "# T\x01itle\n\nA\x07b\x1bc \ud800 done\n", [], [])
    document = docx.Document(io.BytesIO(to_docx(nasty)))
    assert document.paragraphs[0].text == "Title"
    assert "Abc  done" in document.paragraphs[1].text


def test_docx_has_real_headings_the_clouds_and_an_evidence_table():
    _, inp = _export()
    document = docx.Document(io.BytesIO(render(inp, "docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Test café – what participants said")
    assert ("Heading 2", "Key points") in headings
    assert ("Heading 2", "Evidence") in headings
    assert ("Heading 3", "Supporting notes per point") in headings
    # One word cloud per theme (two to a row, in a grid table), each a real PNG.
    assert len(document.element.body.xpath(".//w:drawing")) == 2
    images = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert images and images[0].target_part.blob[:8] == b"\x89PNG\r\n\x1a\n"
    captions = [p.text for t in document.tables for c in t._cells for p in c.paragraphs
                if p.style.name == "Caption"]
    assert captions == ["Word cloud: Interpreters and waiting lists", "Word cloud: Trust in police"]
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Point")
    assert [c.text for c in table.rows[0].cells] == ["Point", "Notes", "Tables", "Rounds", "Note ids"]
    assert table.rows[1].cells[0].text == "1. Interpreters and waiting lists"
    assert any(p.style.name == "Quote" for p in document.paragraphs)
    assert document.core_properties.title == "Test café – what participants said"


def test_zip_holds_every_format_and_the_clouds():
    _, inp = _export()
    with zipfile.ZipFile(io.BytesIO(render(inp, "zip"))) as archive:
        names = sorted(archive.namelist())
    assert names == sorted([
        "test-cafe-briefing.md", "test-cafe-briefing.docx", "test-cafe-briefing.html",
        "test-cafe-notes.csv", "test-cafe-notes.json",
        "clouds/01-interpreters-and-waiting-lists.png", "clouds/02-trust-in-police.png",
    ])


def test_json_carries_provenance():
    _, inp = _export()
    data = json.loads(render(inp, "json"))
    note = next(n for n in data["notes"] if n["note_id"] == opaque_id(1))
    assert note == {
        "note_id": opaque_id(1), "event": "Test café", "round": None, "question": None, "table": "Oak",
        "hidden": "round hidden: fewer than 3 people",
        "theme": "Interpreters and waiting lists", "consent": "quote", "flags": [],
        "text": "Interpreters should be booked by the service, not by the survivor's child.",
    }
    assert data["event"]["k"] == 3
    # The engine's settings, left out of the briefing itself, are kept here in full.
    assert data["synthesis"]["groups"][0]["vectorizer"]["step"] == "TfidfLsaVectorizer"
    assert data["synthesis"]["random_state"] == 0


def test_html_export_is_a_standalone_print_document():
    _, inp = _export()
    html = render(inp, "html").decode()
    assert "@page { size: A4" in html
    assert html.count('<img src="data:image/png;base64,') == 2
    assert "<script" not in html


def test_one_theme_or_a_frame_makes_a_focused_draft():
    one = generate(source().with_themes(result()), result(), Selection("themes", ("latin:theme:1",)))
    assert one.title == "Trust in police"
    assert {q.theme_key for q in one.quotes} == {"latin:theme:1"}
    _, inp = _export(Selection("themes", ("latin:theme:1",)))
    assert {r["note_id"] for r in inp.rows} == {opaque_id(i) for i in (7, 8, 9, 12)}
    with pytest.raises(ValueError):
        Selection("frame")


def test_scrub_removes_quotes_withdrawn_since_and_pasted_unquotable_text():
    s = source()
    md = ("# T\n\n> “Trust in police grows when officers listen”\n\n"
          "pasted: DONOTQUOTE-SECRET my caseworker said waiting lists for interpreters are normal\n")
    # Note 8 was quoted when the draft was made; pretend it has been withdrawn since.
    withdrawn = s.__class__(**{**s.__dict__, "notes": tuple(n for n in s.notes if n.id != 8)})
    cleaned = scrub(md, withdrawn, {8: "Trust in police grows when officers listen"})
    assert "officers listen" not in cleaned and "DONOTQUOTE" not in cleaned
    assert "[quote removed: no longer available]" in cleaned


def test_empty_themes_still_make_a_draft():
    from cafe.synthesis.types import SynthesisResult

    empty = SynthesisResult([], [], {})
    md = render_markdown(generate(source(), empty))
    assert "No key points yet." in md and "Run synthesis" in md


def test_cloud_render_fallback_gives_png():
    from cafe.briefing.export_input import cloud_png

    assert cloud_png({"trust": 1.0, "police": 0.5})[:4] == b"\x89PNG"


def test_export_input_without_clouds_still_renders_docx():
    inp = ExportInput("x", "T", "# T\n\n## A\n\ntext\n", [Cloud("k", "L", PNG.read_bytes())], [])
    document = docx.Document(io.BytesIO(to_docx(inp)))
    assert len(document.inline_shapes) == 1


def test_every_theme_of_an_all_themes_draft_is_a_key_point():
    from cafe.synthesis.types import SynthesisResult, Theme

    def themes(n):
        return SynthesisResult(themes=[
            Theme(key=f"t{i}", label=f"Topic number {i}", key_phrases=[f"topic {i}"],
                  note_ids=[1, 2, 3, 5, 6, 8, 9, 12], representative_ids=[1],
                  counts_by_table={}, counts_by_round={}, frame=None, word_weights={"x": 1.0})
            for i in range(n)], unthemed=[], params={})

    eleven = generate(source(), themes(11))
    assert [p.title for p in eleven.points] == [f"Topic number {i}" for i in range(11)]
    # Each is a sentence from a note that allows quoting (notes 1, 2, 5, 6, 8, 9, 12 here).
    quotable = {n.id for n in source().notes if n.quotable}
    assert all(p.text.endswith(".") and p.note_id in quotable for p in eleven.points)
    assert not eleven.points_note
    many = generate(source(), themes(17))
    assert len(many.points) == 15
    md = render_markdown(many)
    assert "2 more findings, left out of this list to keep it short, on: Topic number 15 and " \
           "Topic number 16." in md


def test_a_draft_made_before_loses_its_pipeline_list_on_export():
    from cafe.briefing.stored_draft import drop_pipeline

    old = ("# T\n\n## Evidence\n\n- **Date:** 2026\n\n### Pipeline\n\n- groups:\n  - 1:\n"
           "    - k: 4\n    - vectorizer:\n      - step: TfidfLsaVectorizer\n- n\\_notes: 11\n"
           "- random\\_state: 0\n")
    params = {"n_notes": 11, "groups": [{"k": 4}, {"k": 1}], "vectorizer": "embeddings"}
    new = drop_pipeline(old, params)
    assert new == ("# T\n\n## Evidence\n\n- **Date:** 2026\n\nThemes made on this computer by "
                   "Café from 11 notes, 5 themes, with sentence embeddings.\n")
    # Staff text after the list stays.
    assert drop_pipeline(old + "\nOur own closing words.\n", params) == new + "\nOur own closing words.\n"
    assert drop_pipeline("# T\n\nNo list here.\n", params) == "# T\n\nNo list here.\n"
