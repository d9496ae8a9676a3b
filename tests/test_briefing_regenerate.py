"""Regenerate merges: what the themes changed comes in, what staff wrote stays, conflicts chosen."""

from __future__ import annotations

import html
import re

import pytest
from test_briefing_web import DRAFTS, _markdown, _save, _shown, made  # noqa: F401 (a fixture)

from cafe.db import reading
from conftest import rows


@pytest.fixture
def stored(app, made):  # noqa: F811 (the fixture imported above)
    """Themes from a synthesis run stored as the workspace makes it, a draft of them made through
    the page, and `rename(label)` renaming the biggest theme as staff do in the workspace."""
    from cafe.actions.synthesis.edits import do_rename_theme
    from cafe.actions.synthesis.result import current_result
    from cafe.actions.synthesis.runs import do_start_run
    from cafe.actions.synthesis.worker import run_foreground
    from cafe.db import get_writer

    event = made["event"]
    with app.app_context():
        run = do_start_run(event, "staffer", n_themes=3)
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda fraction, message: None)
            theme = max(current_result(db, event["id"]).themes, key=lambda t: len(t.note_ids))
    created = made["http"].post(f"{DRAFTS}/drafts", data={"kind": "all",
                                                         "csrf_token": made["csrf"]})
    assert created.status_code == 303
    draft_id = int(created.headers["Location"].rsplit("/", 1)[1])

    def rename(label):
        with app.app_context():
            do_rename_theme(event, "staffer", theme.id, label)

    text = _markdown(app, draft_id)
    # The theme's row in the evidence (the key point itself is a participant's sentence).
    point = next(line for line in text.split("\n")
                 if re.match(rf"\| \d+\. {re.escape(theme.label)} \|", line))
    return {**made, "draft": draft_id, "label": theme.label, "rename": rename, "text": text,
            "point": point}


def _row(label, text):
    """Find the theme's row in the evidence table of a draft."""
    return re.search(rf"^\| \d+\. {re.escape(label)} \|", text, re.M) is not None


def _page(stored):
    page = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}/regenerate")
    assert page.status_code == 200
    return page.text


def _accept(stored, fields, **extra):
    return stored["http"].post(f"{DRAFTS}/drafts/{stored['draft']}/regenerate",
                               data={**fields, "csrf_token": stored["csrf"], **extra})


def _versions(db_path, draft_id):
    return rows(db_path, "SELECT reason FROM briefing_versions WHERE draft_id = ? ORDER BY number",
                (draft_id,))


def test_regenerate_keeps_the_staff_paragraph_and_takes_the_new_theme_name(app, db_path, stored):
    text = stored["text"]
    questions = next(line for line in text.split("\n") if line.startswith("- Which of these"))
    edited = text.replace("## Key points", "Our own paragraph, written by staff.\n\n## Key points"
                          ).replace(questions, questions + " Staff edit.")
    assert _save(stored, edited, 1).status_code == 200
    page = _page(stored)
    assert "The themes have not changed since this draft was last generated" in page
    assert 'id="merge-form"' not in page  # nothing to take in: only replacing is offered

    stored["rename"]("Renamed by staff")
    page = _page(stored)
    summary = html.unescape(re.search(r'id="regenerate-summary">(.*?)</ul>', page, re.S)[1])
    assert re.search(r"\d+ updated parts come in from the themes\.", summary)
    assert "Your own edits are kept." in summary and "choose below" not in summary
    assert "<fieldset" not in page
    assert re.search(r'class="diff-add">\+ \| \d+\. Renamed by staff \|', page)
    assert "− Our own paragraph" not in page.split("<details")[0]  # kept, not removed
    accepted = _accept(stored, _shown(page), mode="merge")
    assert accepted.status_code == 303
    merged = _markdown(app, stored["draft"])
    assert "Our own paragraph, written by staff.\n" in merged
    assert questions + " Staff edit.\n" in merged
    assert _row("Renamed by staff", merged) and stored["point"] not in merged
    assert _versions(db_path, stored["draft"]) == [("generated",), ("edited",), ("regenerated",)]
    assert rows(db_path, "SELECT markdown FROM briefing_versions WHERE draft_id = ? AND number = 3",
                (stored["draft"],)) == [(merged,)]
    # The next regenerate merges from the text just generated: nothing new to take in.
    (generated,) = rows(db_path, "SELECT generated_markdown FROM briefing_drafts WHERE id = ?",
                        (stored["draft"],))[0]
    assert "Renamed by staff" in generated and "Our own paragraph" not in generated
    assert merged == generated.replace(
        "## Key points", "Our own paragraph, written by staff.\n\n## Key points"
    ).replace(questions, questions + " Staff edit.")
    history = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}").text
    assert "regenerated" in history
    # The editor says once what happened and where the text before is.
    assert ("Updated from the current themes, with your edits kept: version 3 in the History; "
            "your text before is version 2.") in history
    assert "Updated from the current themes" not in stored["http"].get(
        f"{DRAFTS}/drafts/{stored['draft']}").text
    assert "The themes have not changed" in _page(stored)


@pytest.mark.parametrize("choice", [None, "ours", "theirs"])
def test_a_conflict_is_decided_on_the_page(app, db_path, stored, choice):
    ours_point = stored["point"].replace(stored["label"], "Our name for it")
    assert _save(stored, stored["text"].replace(stored["point"], ours_point), 1).status_code == 200
    stored["rename"]("Renamed by staff")
    page = _page(stored)
    assert "1 part was changed both by you and by the themes" in html.unescape(page)
    fieldset = re.search(r'<fieldset class="conflict">(.*?)</fieldset>', page, re.S)[1]
    assert "<legend>Part 1 of 1: changed by you and by the themes</legend>" in fieldset
    key = re.search(r'name="conflict-([0-9a-f]+-\d+)" value="ours"[^>]* checked', fieldset)[1]
    assert f'aria-describedby="ours-{key}"' in fieldset
    assert re.search(rf'id="ours-{key}">{re.escape(html.escape(ours_point, False))}<', fieldset)
    theirs_point = stored["point"].replace(stored["label"], "Renamed by staff")
    assert re.search(rf'id="theirs-{key}">{re.escape(html.escape(theirs_point, False))}<',
                     fieldset)
    assert "Keep your text" in fieldset and "Use the new text" in fieldset
    fields = _shown(page) | ({f"conflict-{key}": choice} if choice else {})
    assert _accept(stored, fields, mode="merge").status_code == 303
    merged = _markdown(app, stored["draft"])
    assert (theirs_point if choice == "theirs" else ours_point) in merged
    assert (ours_point if choice == "theirs" else theirs_point) not in merged
    # Parts only the themes changed came in either way (the questions name the theme too).
    assert "renamed by staff" in re.sub(r"\| \d+\. renamed by staff \|", "", merged.lower())


def test_a_page_shown_before_the_themes_or_the_text_changed_is_refused(app, db_path, stored):
    ours_point = stored["point"].replace(stored["label"], "Our name for it")
    assert _save(stored, stored["text"].replace(stored["point"], ours_point), 1).status_code == 200
    stored["rename"]("Renamed by staff")
    page = _page(stored)
    key = re.search(r'name="conflict-([0-9a-f]+-\d+)"', page)[1]
    before = _markdown(app, stored["draft"])

    # The themes change again while the page is open.
    stored["rename"]("Renamed again")
    refused = _accept(stored, _shown(page), mode="merge", **{f"conflict-{key}": "theirs"})
    assert refused.status_code == 409
    assert "The themes changed while this page was open" in html.unescape(refused.text)
    assert "Renamed again" in refused.text and 'id="merge-form"' in refused.text
    assert _markdown(app, stored["draft"]) == before
    assert _versions(db_path, stored["draft"]) == [("generated",), ("edited",)]

    # Someone edits the draft elsewhere while the page is open: the choice made is kept.
    page = _page(stored)
    key = re.search(r'name="conflict-([0-9a-f]+-\d+)"', page)[1]
    elsewhere = before + "\nWritten in another tab.\n"
    assert _save(stored, elsewhere, 2).status_code == 200
    refused = _accept(stored, _shown(page), mode="merge", **{f"conflict-{key}": "theirs"})
    assert refused.status_code == 409
    assert "changed elsewhere (another tab or person) while this page was open" in refused.text
    assert re.search(rf'name="conflict-{key}" value="theirs"[^>]* checked', refused.text)
    assert _markdown(app, stored["draft"]) == elsewhere
    # Accepting the page shown again works, and keeps the text written elsewhere.
    fields = _shown(refused.text) | {f"conflict-{key}": "theirs"}
    assert _accept(stored, fields, mode="merge").status_code == 303
    merged = _markdown(app, stored["draft"])
    assert "Written in another tab." in merged and _row("Renamed again", merged)


def test_bad_forms_are_refused_with_nothing_written(app, db_path, stored):
    stored["rename"]("Renamed by staff")
    fields = _shown(_page(stored))
    for bad in ({"mode": "everything"}, {"shown": ""}, {"revision": "x"},
                {"conflict-abc-1": "both"}):
        assert _accept(stored, {**fields, **bad}).status_code == 400, bad
    assert _versions(db_path, stored["draft"]) == [("generated",)]


def test_an_older_draft_without_its_generated_text_can_only_be_replaced(app, db_path, stored):
    edited = stored["text"] + "\nStaff paragraph.\n"
    assert _save(stored, edited, 1).status_code == 200
    with app.app_context():
        from cafe.db import get_writer
        get_writer().write(lambda db: db.execute(
            "UPDATE briefing_drafts SET generated_markdown = '' WHERE id = ?", [stored["draft"]]))
    stored["rename"]("Renamed by staff")
    page = _page(stored)
    assert "your edits cannot be merged" in page and 'id="merge-form"' not in page
    assert re.search(r'class="diff-del">− Staff paragraph\.', page)
    assert _accept(stored, _shown(page), mode="replace").status_code == 303
    assert ("Replaced with the regenerated text: version 3 in the History; your text before is "
            "version 2.") in stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}").text
    text = _markdown(app, stored["draft"])
    assert "Staff paragraph." not in text and _row("Renamed by staff", text)
    assert rows(db_path, "SELECT generated_markdown FROM briefing_drafts WHERE id = ?",
                (stored["draft"],)) == [(text,)]
    assert _versions(db_path, stored["draft"]) == [("generated",), ("edited",), ("regenerated",)]


def test_a_draft_never_edited_takes_the_new_text(app, db_path, stored):
    stored["rename"]("Renamed by staff")
    page = _page(stored)
    assert "You have not edited this draft, so it simply takes the new text." in page
    assert _accept(stored, _shown(page), mode="merge").status_code == 303
    (text, generated) = rows(db_path, "SELECT markdown, generated_markdown FROM briefing_drafts "
                                      "WHERE id = ?", (stored["draft"],))[0]
    assert text == generated and _row("Renamed by staff", text)
