"""The briefing editor in real Chromium: type, see the preview, see "Saved", download the DOCX."""

from __future__ import annotations

import io
import re

import docx
import pytest
from briefing_data import insert_notes, pipeline_result
from playwright.sync_api import expect

from cafe.actions.briefing import do_create_draft
from cafe.briefing import Selection
from conftest import rows
from e2e.conftest import LAPTOP, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft_id(app):
    stored = insert_notes(app)
    result, source = pipeline_result(app)
    with app.app_context():
        return do_create_draft(stored["event"], source, result, Selection(), "staffer")


def test_edit_preview_autosave_and_download_docx(browser, server, draft_id, db_path, tmp_path):
    context = browser.new_context(**LAPTOP, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, server.url, "staffer")
    page.goto(f"{server.url}/briefings/test-cafe")
    page.get_by_role("link", name="Test café – what participants said", exact=True).click()

    state = page.locator("#save-state")
    expect(state).to_have_text("Saved")
    area = page.get_by_label("Draft text")
    area.press("Control+End")
    area.type("\n\n## Calls for change\n\n- Fund **interpreters** <b>now</b>\n")
    preview = page.locator("#preview")
    expect(preview.locator("h2", has_text="Calls for change")).to_be_visible()
    # Exactly the word typed: a theme's label ("Waiting lists for interpreters") is bold too.
    expect(preview.locator("strong", has_text=re.compile(r"^interpreters$"))).to_be_visible()
    expect(preview).to_contain_text("<b>now</b>")  # raw HTML shown as text
    expect(state).to_have_text("Saved")
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts WHERE id = ?", (draft_id,))
    assert "## Calls for change" in stored[0][0]

    # The network drops: the page says so and keeps the text; it saves once the network is back.
    page.route("**/save", lambda route: route.abort())
    area.type("Offline line.")
    expect(state).to_have_text("Not saved — retrying")
    page.unroute("**/save")
    expect(state).to_have_text("Saved", timeout=20_000)
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts WHERE id = ?", (draft_id,))
    assert stored[0][0].endswith("Offline line.")
    errors[:] = [e for e in errors if "Failed to load resource" not in e]

    with page.expect_download() as info:
        page.locator("#download-docx").click()
    target = tmp_path / "draft.docx"
    info.value.save_as(target)
    document = docx.Document(io.BytesIO(target.read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert "Calls for change" in headings and "Evidence" in headings
    assert len(document.element.body.xpath(".//w:drawing")) >= 1  # the word clouds
    context.close()
    assert not errors, errors


def test_a_late_preview_answer_never_overwrites_a_newer_one(browser, server, draft_id):
    """Answers to preview requests can come back out of order on a busy laptop: the newest wins."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    log_in(page, server.url, "staffer")
    page.goto(f"{server.url}/briefings/test-cafe/drafts/{draft_id}")
    held: list = []

    def hold_first(route):
        if not held:
            held.append(route)  # answered only after the next preview has painted
        else:
            route.continue_()

    page.route("**/preview", hold_first)
    area = page.get_by_label("Draft text")
    original = area.input_value()
    area.fill(original + "\n\n## Older heading\n")
    preview = page.locator("#preview")
    expect(preview).to_have_attribute("aria-busy", "true")
    area.fill(original + "\n\n## Newer heading\n")
    expect(preview.locator("h2", has_text="Newer heading")).to_be_visible(timeout=20_000)
    with page.expect_response("**/preview") as late:
        held[0].continue_()
    late.value.finished()
    page.wait_for_timeout(300)  # let the page's promise chain run on the late answer
    expect(preview.locator("h2", has_text="Newer heading")).to_be_visible()
    expect(preview.locator("h2", has_text="Older heading")).to_have_count(0)
    context.close()


def test_logged_out_while_editing_says_so_and_saves_after_logging_in_again(
        browser, server, draft_id, db_path):
    """Log out in another tab, type, log in again there: the draft says so, then saves the text."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    log_in(page, server.url, "staffer")
    page.goto(f"{server.url}/briefings/test-cafe/drafts/{draft_id}")
    state = page.locator("#save-state")
    expect(state).to_have_text("Saved")

    other = context.new_page()
    other.goto(f"{server.url}/briefings/test-cafe")
    other.get_by_role("button", name="Log out").click()
    expect(other.locator("#username")).to_be_visible()

    page.bring_to_front()
    area = page.get_by_label("Draft text")
    area.press("Control+End")
    area.type("\n\nWritten while logged out.")
    expect(state).to_have_text(
        "You have been logged out. Log in again in another tab; your text is kept here and will "
        "be saved.")
    login_link = page.get_by_role("link", name="Log in again (opens in a new tab)")
    expect(login_link).to_be_visible()
    assert area.input_value().endswith("Written while logged out.")
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts WHERE id = ?", (draft_id,))
    assert "Written while logged out." not in stored[0][0]

    log_in(other, server.url, "staffer")  # a new session: the page's old CSRF token is void
    page.bring_to_front()
    expect(state).to_have_text("Saved", timeout=20_000)
    expect(login_link).to_be_hidden()
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts WHERE id = ?", (draft_id,))
    assert stored[0][0].endswith("Written while logged out.")
    # Typing goes on saving with the new token.
    area.type(" And after.")
    expect(state).to_have_text("Saved", timeout=20_000)
    stored = rows(db_path, "SELECT markdown FROM briefing_drafts WHERE id = ?", (draft_id,))
    assert stored[0][0].endswith("Written while logged out. And after.")
    context.close()


@pytest.fixture
def themed(app):
    """Notes and a synthesis run stored as the staff workspace stores it."""
    from cafe.actions.synthesis.result import current_result
    from cafe.actions.synthesis.runs import do_start_run
    from cafe.actions.synthesis.worker import run_foreground
    from cafe.db import get_writer, reading

    stored = insert_notes(app)
    with app.app_context():
        run = do_start_run(stored["event"], "staffer", n_themes=3)
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda fraction, message: None)
            return current_result(db, stored["event"]["id"])


def test_ticking_a_theme_chooses_the_ticked_themes(browser, server, themed, db_path):
    """With "All themes" chosen, a tick used to be ignored: now it chooses "the themes ticked"."""
    theme = themed.themes[-1]
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    log_in(page, server.url, "staffer")
    page.goto(f"{server.url}/briefings/test-cafe")
    every = page.get_by_role("radio", name=re.compile(r"^All themes"))
    expect(every).to_be_checked()
    page.locator(f'input[name="theme"][value="{theme.key}"]').check()
    expect(page.get_by_role("radio", name="The themes ticked below")).to_be_checked()
    expect(every).not_to_be_checked()
    page.get_by_role("button", name="Make a draft").click()
    expect(page.locator("#save-state")).to_have_text("Saved")
    selection = rows(db_path, "SELECT selection_json FROM briefing_drafts")
    assert len(selection) == 1 and f'"{theme.key}"' in selection[0][0]
    assert '"kind": "themes"' in selection[0][0]
    context.close()
