"""The language-model panel of the briefing editor in real Chromium, against a real `cafe serve`
(gevent) and a real OpenAI-compatible server on 127.0.0.1: start, see the progress bar, cancel;
start again and see the reworded draft."""

from __future__ import annotations

import pytest
from briefing_data import insert_notes
from playwright.sync_api import expect
from test_llm_server import FakeModel

from cafe.actions.briefing import do_create_draft
from cafe.actions.synthesis.runs import do_start_run
from cafe.actions.synthesis.worker import run_foreground
from cafe.briefing import Selection
from cafe.briefing_reads import load_result, load_source
from cafe.db import get_writer, reading
from conftest import LiveServer, free_port
from e2e.conftest import LAPTOP, log_in
from e2e.test_axe import BLOCKING, run_axe, summarise

pytestmark = pytest.mark.e2e


@pytest.fixture
def llm_server(app, db_path, monkeypatch):
    """A draft of stored themes, a slow fake model, and `cafe serve` pointed at it."""
    stored = insert_notes(app)
    with app.app_context():
        run = do_start_run(stored["event"], "staffer", n_themes=2)
        with reading() as db:
            run_foreground(get_writer(), db, run["id"], lambda fraction, message: None)
            result, source = load_result(db, stored["event"]["id"]), load_source(db,
                                                                                  stored["event"])
        draft_id = do_create_draft(stored["event"], source, result, Selection(), "staffer")
    model = FakeModel(delay=4.0)
    monkeypatch.setenv("CAFE_LLM_URL", model.url)
    live = LiveServer(db_path, free_port()).start()
    yield live, model, draft_id
    live.stop()
    model.close()


def _accessible(page) -> None:
    """No serious or critical axe-core violation on the page (as tests/e2e/test_axe.py checks)."""
    blocking = [v for v in run_axe(page)["violations"] if v["impact"] in BLOCKING]
    assert not blocking, summarise(blocking)


def test_start_follow_cancel_and_rerun_from_the_editor(browser, llm_server):
    server, model, draft_id = llm_server
    context = browser.new_context(**LAPTOP, bypass_csp=True)  # for axe-core, as test_axe does
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "staffer")
    page.goto(f"{server.url}/briefings/test-cafe/drafts/{draft_id}")

    page.get_by_role("button", name="Reword with the language model").click()
    expect(page.locator("#llm-progress")).to_be_visible()
    expect(page.locator("#llm-message")).to_contain_text("Asking the model", timeout=30_000)
    assert page.locator("#llm-bar").evaluate("bar => bar.value") > 0
    expect(page.get_by_role("button", name="Reword with the language model")).to_be_disabled()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#llm-outcome")).to_have_text("Cancelled")
    expect(page.locator("#llm-progress")).to_be_hidden()

    model.delay = 0.0
    page.get_by_role("button", name="Reword with the language model").click()
    # Done: the page reloads with the new version, and says what the pass did.
    expect(page.locator("#llm-last")).to_be_visible(timeout=60_000)
    expect(page.locator(".versions li").first).to_contain_text("Version 2")
    _accessible(page)
    page.get_by_role("link", name="Every sentence and why").click()
    expect(page.locator("#llm-sentences tbody tr").first).to_be_visible()
    _accessible(page)
    context.close()
    assert not errors, errors
