"""Briefing drafts over HTTP: editor, autosave, history, restore, regenerate, every download."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import docx
import pytest
from briefing_data import SECRETS, insert_notes, pipeline_result
from hypothesis import given
from test_fuzz import FUZZ, JSON

from cafe import queries
from cafe.actions.briefing import do_create_draft
from cafe.briefing import Selection
from cafe.briefing.opaque import opaque_id
from cafe.db import get_writer, reading
from conftest import csrf_from, login, rows

DRAFTS = "/briefings/test-cafe"


@pytest.fixture
def made(app):
    """An event with awkward notes and a draft made from real themes; a logged-in staff client."""
    stored = insert_notes(app)
    result, source = pipeline_result(app)
    with app.app_context():
        draft_id = do_create_draft(stored["event"], source, result, Selection(), "staffer")
    http = app.test_client()
    assert login(http, "staffer").status_code == 303
    page = http.get(f"{DRAFTS}/drafts/{draft_id}")
    assert page.status_code == 200
    return {"http": http, "draft": draft_id, "csrf": csrf_from(page.text), "result": result,
            **stored}


def _save(made, markdown, revision):
    return made["http"].post(
        f"{DRAFTS}/drafts/{made['draft']}/save", json={"markdown": markdown, "revision": revision},
        headers={"X-CSRFToken": made["csrf"]},
    )


def _markdown(app, draft_id):
    with app.app_context(), reading() as db:
        return db.execute("SELECT markdown FROM briefing_drafts WHERE id = ?", [draft_id]
                          ).fetchone()[0]


def test_autosave_history_and_restore(app, db_path, made):
    original = _markdown(app, made["draft"])
    first = _save(made, original + "\nMy first edit.\n", 1)
    assert first.status_code == 200 and first.get_json()["revision"] == 2
    # A second autosave by the same person moments later updates the same version.
    second = _save(made, original + "\nMy first edit, improved.\n", 2)
    assert second.get_json() == {**second.get_json(), "revision": 3, "version": 2}
    assert rows(db_path, "SELECT number, reason FROM briefing_versions ORDER BY number") == [
        (1, "generated"), (2, "edited")]
    # Saving on top of an old revision (another tab) is refused, not silently overwritten.
    stale = _save(made, "# Other tab\n", 2)
    assert stale.status_code == 409 and stale.get_json()["code"] == "conflict"
    assert "improved" in _markdown(app, made["draft"])
    # The history page and a version's page show what restoring would change.
    editor = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}").text
    assert "Version 2" in editor and "Version 1" in editor and "improved" in editor
    version = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/versions/1")
    assert version.status_code == 200 and "improved" in version.text  # in the diff
    restored = made["http"].post(
        f"{DRAFTS}/drafts/{made['draft']}/restore",
        data={"number": 1, "revision": 3, "csrf_token": made["csrf"]},
    )
    assert restored.status_code == 303
    assert _markdown(app, made["draft"]) == original
    assert rows(db_path, "SELECT number, reason FROM briefing_versions ORDER BY number") == [
        (1, "generated"), (2, "edited"), (3, "restored")]
    # Nothing was lost: the edit can be restored again.
    assert made["http"].post(
        f"{DRAFTS}/drafts/{made['draft']}/restore",
        data={"number": 2, "revision": 4, "csrf_token": made["csrf"]},
    ).status_code == 303
    assert "improved" in _markdown(app, made["draft"])


def test_bad_saves_are_refused_with_nothing_written(app, db_path, made):
    url = f"{DRAFTS}/drafts/{made['draft']}/save"
    no_csrf = made["http"].post(url, json={"markdown": "x", "revision": 1})
    assert no_csrf.status_code == 400
    assert _save(made, 5, 1).status_code == 400
    assert _save(made, "x", "1").status_code == 400
    assert _save(made, "x" * 100_001, 1).status_code == 413
    assert made["http"].post(f"{DRAFTS}/drafts/999/save", json={"markdown": "x", "revision": 1},
                             headers={"X-CSRFToken": made["csrf"]}).status_code == 404
    assert rows(db_path, "SELECT COUNT(*) FROM briefing_versions") == [(1,)]


def test_other_roles_cannot_post(app, made):
    fac = app.test_client()
    login(fac, "fac")
    token = csrf_from(fac.get("/console/").text)
    for path in ("save", "preview", "restore", "regenerate", "delete"):
        response = fac.post(f"{DRAFTS}/drafts/{made['draft']}/{path}", json={},
                            headers={"X-CSRFToken": token})
        assert response.status_code == 403, path
    assert fac.post(f"{DRAFTS}/drafts", data={"csrf_token": token}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.post(f"{DRAFTS}/drafts/{made['draft']}/save").status_code in (302, 400)


def test_preview_is_rendered_safely(made):
    response = made["http"].post(
        f"{DRAFTS}/drafts/{made['draft']}/preview",
        json={"markdown": "# T\n\n<script>alert(1)</script> [x](javascript:alert(1)) ![i](/x.png)"},
        headers={"X-CSRFToken": made["csrf"]},
    )
    html = response.get_json()["html"]
    assert "<h1>T</h1>" in html and "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html


@pytest.mark.parametrize("fmt", ["md", "docx", "html", "csv", "json", "zip"])
def test_every_download_honours_consent(made, fmt):
    response = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/export.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    if fmt in ("docx", "zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
            if fmt == "zip":
                assert any(n.startswith("clouds/") and n.endswith(".png") for n in archive.namelist())
                inner = next(n for n in archive.namelist() if n.endswith(".docx"))
                with zipfile.ZipFile(io.BytesIO(archive.read(inner))) as nested:
                    text += "".join(nested.read(n).decode("utf-8", "replace")
                                    for n in nested.namelist())
    else:
        text = data.decode("utf-8")
    for secret in (*SECRETS, "07700", "Amina Begum", "a@b.org"):
        assert secret not in text, (fmt, secret)
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        assert document.paragraphs[0].style.name == "Heading 1"
        assert len(document.element.body.xpath(".//w:drawing")) == len(made["result"].themes)


def test_print_view_is_served_under_the_csp_without_inline_styles(made):
    response = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/print")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<style" not in response.text and "style=" not in response.text
    assert "css/briefing.css" in response.text
    # A main landmark, and a Print button its external script shows (hidden without scripts).
    assert re.search(r"<main>\s*<article class=\"briefing\">", response.text)
    assert '<button type="button" id="print-button" hidden>Print or save as PDF</button>' in \
        response.text
    assert "js/print.js" in response.text and "<script>" not in response.text


def test_a_quote_withdrawn_after_the_draft_was_made_leaves_every_export(app, made):
    from cafe.actions import do_withdraw_note

    md = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/export.md").text
    quoted = [i for i, text in ((1, "booked by the service"), (8, "officers listen"),
                                (9, "services in the room")) if text in md]
    assert quoted, md
    local = quoted[0]
    note_id = made["ids"][local]
    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, "test-cafe")
        note = queries.note(db, note_id)
        participant = queries.participant(db, note["participant_id"])
    with app.app_context():
        do_withdraw_note(event, participant, note_id)
    after = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/export.md").text
    snippet = {1: "booked by the service", 8: "officers listen", 9: "services in the room"}[local]
    # Quoted, or taken as a key point (a sentence of it): gone from the text either way.
    assert snippet not in after
    assert ("[quote removed: no longer available]" in after
            or "[point removed: its note is no longer available]" in after)
    rows_json = json.loads(made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/export.json").data)
    assert not {note_id, opaque_id(note_id)} & {r["note_id"] for r in rows_json["notes"]}


def test_without_themes_the_pages_say_run_synthesis_first(made):
    page = made["http"].get(DRAFTS)
    assert page.status_code == 200 and "Run synthesis first" in page.text
    workspace_link = 'href="/workspace/test-cafe">Open the synthesis workspace</a>'
    assert workspace_link in page.text
    assert 'href="/workspace/test-cafe">Synthesis workspace</a>' in page.text
    created = made["http"].post(f"{DRAFTS}/drafts", data={"csrf_token": made["csrf"]})
    assert created.status_code == 400 and "Run synthesis first" in created.text
    regen = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/regenerate")
    assert regen.status_code == 200 and "Run synthesis first" in regen.text
    assert workspace_link in regen.text


@pytest.fixture
def workspace(app, made):
    """The staff workspace for real: a synthesis run stored in the database, then staff rename the
    first theme; return the themes as drafts and exports will now read them."""
    from cafe.actions.synthesis.edits import do_rename_theme
    from cafe.actions.synthesis.result import current_result
    from cafe.actions.synthesis.runs import do_start_run
    from cafe.actions.synthesis.worker import run_foreground
    from cafe.db import get_writer

    with app.app_context():
        event = made["event"]
        run = do_start_run(event, "staffer", n_themes=3)
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda fraction, message: None)
            themes = current_result(db, event["id"]).themes
        assert len(themes) >= 2
        do_rename_theme(event, "staffer", themes[0].id, "Renamed by staff")
        with reading() as db:
            return current_result(db, event["id"])


def _shown(page_text):
    """Return the form fields a regenerate page carries: revision and the regenerated text's
    digest."""
    return {"revision": re.search(r'name="revision" value="(\d+)"', page_text).group(1),
            "shown": re.search(r'name="shown" value="([0-9a-f]+)"', page_text).group(1)}


def test_replacing_everything_keeps_the_edits_in_history(app, db_path, made, workspace):
    original = _markdown(app, made["draft"])
    assert _save(made, original + "\nStaff paragraph.\n", 1).status_code == 200
    page = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/regenerate")
    assert page.status_code == 200
    assert re.search(r'class="diff-del">− Staff paragraph\.', page.text)
    assert re.search(r'class="diff-add">\+ .*Renamed by staff', page.text)
    assert "Replace everything with the regenerated text" in page.text
    accepted = made["http"].post(f"{DRAFTS}/drafts/{made['draft']}/regenerate", data={
        **_shown(page.text), "mode": "replace", "csrf_token": made["csrf"]})
    assert accepted.status_code == 303
    text = _markdown(app, made["draft"])
    assert "Renamed by staff" in text and "Staff paragraph." not in text
    assert rows(db_path, "SELECT reason FROM briefing_versions ORDER BY number") == [
        ("generated",), ("edited",), ("regenerated",)]
    assert "Staff paragraph." in rows(
        db_path, "SELECT markdown FROM briefing_versions WHERE number = 2")[0][0]
    assert rows(db_path, "SELECT generated_markdown FROM briefing_drafts") == [(text,)]


def test_new_draft_from_one_theme(app, made, workspace):
    theme = workspace.themes[1]
    page = made["http"].get(DRAFTS)
    assert theme.label in page.text
    created = made["http"].post(f"{DRAFTS}/drafts", data={
        "kind": "themes", "theme": theme.key, "csrf_token": made["csrf"]})
    assert created.status_code == 303
    draft_id = int(created.headers["Location"].rsplit("/", 1)[1])
    assert _markdown(app, draft_id).startswith("# ")
    bad = made["http"].post(f"{DRAFTS}/drafts", data={"kind": "themes",
                                                      "csrf_token": made["csrf"]})
    assert bad.status_code == 400 and "Choose at least one theme." in bad.text


def test_cli_export_without_themes_says_run_synthesis_first(app, db_path, monkeypatch):
    from click.testing import CliRunner

    from cafe.cli import cli

    monkeypatch.setenv("CAFE_DB", str(db_path))
    out = CliRunner().invoke(cli, ["export", "test-cafe", "--format", "md", "--output",
                                   str(db_path.with_name("x.md"))])
    assert out.exit_code == 1 and "Run synthesis first" in out.output
    assert not db_path.with_name("x.md").exists()
    missing = CliRunner().invoke(cli, ["export", "nope", "--format", "md", "-o", "y.md"])
    assert missing.exit_code == 1 and "no event 'nope'" in missing.output


@pytest.mark.parametrize("fmt", ["md", "docx", "html", "csv", "json", "zip"])
def test_cli_exports_every_format(app, db_path, made, workspace, monkeypatch, fmt):
    from click.testing import CliRunner

    from cafe.cli import cli

    monkeypatch.setenv("CAFE_DB", str(db_path))
    target = db_path.parent / "out" / f"briefing.{fmt}"
    out = CliRunner().invoke(cli, ["export", "test-cafe", "--format", fmt, "--output",
                                   str(target)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = target.read_bytes()
    assert data and not target.with_name(target.name + ".part").exists()
    if fmt == "docx":
        assert docx.Document(io.BytesIO(data)).paragraphs[0].style.name == "Heading 1"
    if fmt in ("md", "html", "csv", "json"):
        text = data.decode("utf-8")
        assert not any(secret in text for secret in (*SECRETS, "07700", "Amina Begum"))


def test_cli_export_stops_at_notes_the_screen_flags_now_or_cannot_read(
    app, db_path, made, workspace, monkeypatch
):
    from click.testing import CliRunner

    from cafe.actions import NoteDraft, do_join_event, do_submit_note
    from cafe.cli import cli

    somali = "Waxaan rabnaa turjubaan haweeney ah oo ka shaqeeya xafiiska"
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        writer = do_join_event(event, table_no=1)[0]
        note, _ = do_submit_note(event, writer, NoteDraft("cli-check-01", somali, "quote"))
    assert "unscreened" in note["flags_json"]
    monkeypatch.setenv("CAFE_DB", str(db_path))
    target = db_path.parent / "checked.md"
    refused = CliRunner().invoke(cli, ["export", "test-cafe", "--format", "md", "-o", str(target)])
    assert refused.exit_code == 1 and f"{note['id']} (unscreened)" in refused.output
    assert "/safety-check/test-cafe" in refused.output and somali not in refused.output
    assert not target.exists()
    done = CliRunner().invoke(cli, ["export", "test-cafe", "--format", "md", "-o", str(target),
                                    "--checked"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert somali not in target.read_text(encoding="utf-8")  # unscreened: in no theme, no quote


def test_autosave_drops_characters_that_cannot_be_stored(app, made):
    response = made["http"].post(
        f"{DRAFTS}/drafts/{made['draft']}/save",
        data='{"markdown": "# Odd \\ud800 text\\u0007\\r\\nline", "revision": 1}',
        content_type="application/json", headers={"X-CSRFToken": made["csrf"]},
    )
    assert response.status_code == 200, response.text
    assert _markdown(app, made["draft"]) == "# Odd  text\nline"


@FUZZ
@given(body=JSON)
def test_save_and_preview_survive_any_json(made, db_path, body):
    for path in ("save", "preview"):
        reply = made["http"].post(f"{DRAFTS}/drafts/{made['draft']}/{path}", json=body,
                                  headers={"X-CSRFToken": made["csrf"]})
        assert reply.status_code in (200, 400, 409, 413), (path, reply.status_code)
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts")[0][0]
    assert isinstance(stored, str) and stored


def _signatures(document) -> dict[str, str]:
    """Return each quote of a reopened DOCX with the line that signs it."""
    paras = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    return {paras[i].strip("“”"): paras[i + 1].removeprefix("— ")
            for i in range(len(paras) - 1) if paras[i + 1].startswith("— ")}


def test_exports_never_name_a_table_or_round_the_briefing_hides(app, made):
    """Real files from a real draft: the DOCX's quote signatures, the CSV and the JSON agree, and a
    draft made before this rule (signed "Table Oak, round 1") is signed again when exported."""
    draft = made["draft"]
    with app.app_context():
        old = _markdown(app, draft)
        quote = re.search(r"> “(.+)”\n>\n> — (.+)\n", old)
        assert quote, old
        legacy = old.replace(f"> — {quote.group(2)}\n", "> — Table Oak, round 1\n", 1)
        get_writer().write(lambda db: db.execute(
            "UPDATE briefing_drafts SET markdown = ? WHERE id = ?", [legacy, draft]))
    http = made["http"]
    document = docx.Document(io.BytesIO(http.get(f"{DRAFTS}/drafts/{draft}/export.docx").data))
    signed = _signatures(document)
    assert signed and "Table Oak, round 1" not in signed.values()
    table = list(csv.DictReader(io.StringIO(
        http.get(f"{DRAFTS}/drafts/{draft}/export.csv").data.decode("utf-8-sig"))))
    data = json.loads(http.get(f"{DRAFTS}/drafts/{draft}/export.json").data)
    assert [str(r["note_id"]) for r in data["notes"]] == [r["note_id"] for r in table]
    for row, note in zip(table, data["notes"], strict=True):
        assert (row["table"] or None) == note["table"] and row["hidden"] == note["hidden"]
        if row["hidden"]:
            assert row["hidden"].endswith("hidden: fewer than 3 people")
            if row["hidden"].startswith("table"):
                assert not row["table"]
            if "round hidden" in row["hidden"]:
                assert not row["round"] and not row["question"]
    by_text = {r["text"]: r for r in data["notes"] if r["text"]}
    for text, signature in signed.items():
        row = by_text[text]  # every quote is a note that may be quoted
        if signature.startswith("Table"):
            assert row["table"] and signature.startswith(f"Table {row['table']}")
        if "round" in signature.lower():
            assert row["round"] and signature.endswith(f"ound {row['round']}")
    # Everything with fewer than k writers in its theme: the notes say why the cell is blank.
    assert any(r["hidden"] for r in table)
    # The engine's settings are in the JSON, not in the document.
    assert "groups" in data["synthesis"]
    words = "\n".join(p.text for p in document.paragraphs)
    assert "Themes made on this computer by Café" in words
    assert "random_state" not in words and "vectorizer" not in words


def test_deleting_a_draft_asks_first_naming_it_then_says_it_is_gone(app, db_path, made):
    http, draft = made["http"], made["draft"]
    title = rows(db_path, "SELECT title FROM briefing_drafts WHERE id = ?", (draft,))[0][0]
    editor = http.get(f"{DRAFTS}/drafts/{draft}").text
    assert f'href="{DRAFTS}/drafts/{draft}/delete"' in editor
    page = http.get(f"{DRAFTS}/drafts/{draft}/delete")
    assert page.status_code == 200
    assert f"Delete “{title}”?" in page.text and "1 version" in page.text
    assert "cannot be undone" in page.text and "Keep the draft" in page.text
    # A bare POST (a stale page, a mistaken click) only leads to the question.
    bare = http.post(f"{DRAFTS}/drafts/{draft}/delete", data={"csrf_token": made["csrf"]})
    assert bare.status_code == 303 and bare.headers["Location"].endswith(f"/drafts/{draft}/delete")
    assert rows(db_path, "SELECT COUNT(*) FROM briefing_drafts") == [(1,)]
    done = http.post(f"{DRAFTS}/drafts/{draft}/delete",
                     data={"csrf_token": made["csrf"], "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith(DRAFTS)
    listing = http.get(DRAFTS).text
    assert f"Draft “{title}” deleted." in listing and "No drafts yet." in listing
    assert rows(db_path, "SELECT COUNT(*) FROM briefing_drafts") == [(0,)]
    assert rows(db_path, "SELECT COUNT(*) FROM briefing_versions") == [(0,)]
    assert f"Draft “{title}” deleted." not in http.get(DRAFTS).text  # said once
    assert http.get(f"{DRAFTS}/drafts/{draft}/delete").status_code == 404


def test_ticked_themes_with_all_themes_chosen_are_refused_not_ignored(app, db_path, made,
                                                                     workspace):
    theme = workspace.themes[1]
    before = rows(db_path, "SELECT COUNT(*) FROM briefing_drafts")
    refused = made["http"].post(f"{DRAFTS}/drafts", data={
        "kind": "all", "theme": theme.key, "csrf_token": made["csrf"]})
    assert refused.status_code == 400
    assert "Themes are ticked, but “The themes ticked below” is not chosen." in refused.text
    assert rows(db_path, "SELECT COUNT(*) FROM briefing_drafts") == before
    # The form is still there, with the tick kept.
    assert re.search(rf'name="theme" value="{re.escape(theme.key)}" checked', refused.text)
    assert re.search(r'name="kind" value="all" checked', refused.text)
    assert "js/briefings.js" in refused.text


def test_downloads_have_plain_names_and_new_drafts_distinct_titles(app, db_path, made, workspace):
    http = made["http"]
    editor = http.get(f"{DRAFTS}/drafts/{made['draft']}").text
    for fmt, name in (("docx", "Word document"), ("csv", "Spreadsheet of notes (CSV)"),
                      ("zip", "All of these in one zip file")):
        assert re.search(rf'id="download-{fmt}">{re.escape(name)}</a>', editor), fmt
    assert ">DOCX<" not in editor and ">CSV<" not in http.get(DRAFTS).text
    first = rows(db_path, "SELECT title FROM briefing_drafts")[0][0]
    made_ids = []
    for _ in range(2):
        created = http.post(f"{DRAFTS}/drafts", data={"kind": "all", "csrf_token": made["csrf"]})
        assert created.status_code == 303
        made_ids.append(int(created.headers["Location"].rsplit("/", 1)[1]))
    titles = [t for (t,) in rows(db_path, "SELECT title FROM briefing_drafts ORDER BY id")]
    assert titles == [first, f"{first} (2)", f"{first} (3)"]
    assert _markdown(app, made_ids[0]).startswith(f"# {first} (2)\n")
    # Regenerating keeps the number.
    page = http.get(f"{DRAFTS}/drafts/{made_ids[0]}/regenerate").text
    assert f"− # {first} (2)" not in page
    accepted = http.post(f"{DRAFTS}/drafts/{made_ids[0]}/regenerate",
                         data={**_shown(page), "csrf_token": made["csrf"]})
    assert accepted.status_code == 303
    assert rows(db_path, "SELECT title FROM briefing_drafts WHERE id = ?",
                (made_ids[0],))[0][0] == f"{first} (2)"
