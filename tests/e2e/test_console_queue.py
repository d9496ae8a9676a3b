"""The facilitator's moderation queue in real Chromium: first on the screen, by keyboard, in bulk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import rows
from e2e.conftest import accept_dialog, log_in

pytestmark = pytest.mark.e2e

LAPTOP_SMALL = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def waiting(app, server):
    """100 notes awaiting approval at both tables: most quotable, some paraphrase-only, 2 flagged."""
    from cafe import queries
    from cafe.actions import do_join_event, do_submit_note
    from cafe.actions.common import NoteDraft
    from cafe.db import reading

    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        people = [do_join_event(event, table)[0] for table in (1, 2)]
        for i in range(100):
            text = f"Waiting note {i:03d} about shared budgets"
            if i in (1, 50):
                text = f"Call Sam on 07700 900{i:03d} about it"
            consent = "paraphrase" if i % 5 == 4 else "quote"
            do_submit_note(event, people[i % 2], NoteDraft(f"w{i}", text, consent))
    return server


@pytest.fixture
def facilitator(browser, waiting):
    context = browser.new_context(**LAPTOP_SMALL)
    page = context.new_page()
    page.on("dialog", accept_dialog)
    log_in(page, waiting.url, "fac")
    page.goto(f"{waiting.url}/console/test-cafe")
    expect(page.locator("#status")).to_have_text("Connection: live")
    yield page
    context.close()


def _wall(db_path, text: str) -> str:
    return rows(db_path, "SELECT wall FROM notes WHERE text = ?", (text,))[0][0]


def test_the_oldest_waiting_note_can_be_approved_without_scrolling(facilitator, db_path):
    page = facilitator
    expect(page.locator("#queue-count")).to_have_text("100")
    first = page.locator("#queue-list .q-item").first
    expect(first).to_contain_text("Waiting note 000")  # oldest first, across tables
    approve = first.get_by_role("button", name="Approve")
    expect(approve).to_be_in_viewport(ratio=1)
    assert page.evaluate("window.scrollY") == 0
    # Consent and flags are beside each note; a flagged note has no Approve at all.
    expect(first).to_contain_text("Table 1 · round 1")
    expect(first).to_contain_text("may be quoted")
    flagged = page.locator("#queue-list .q-item.flagged").first
    expect(flagged).to_contain_text("Call Sam")
    expect(flagged.get_by_role("button", name="Approve")).to_have_count(0)
    approve.click()
    expect(page.locator("#queue-count")).to_have_text("99")
    assert _wall(db_path, "Waiting note 000 about shared budgets") == "approved"


def test_keyboard_approves_hides_and_moves_through_the_queue(facilitator, db_path):
    page = facilitator
    items = page.locator("#queue-list .q-item")
    items.first.focus()
    page.keyboard.press("a")  # approve the oldest; the focus goes on to the next one
    expect(page.locator("#queue-count")).to_have_text("99")
    expect(items.first).to_be_focused()
    expect(items.first).to_contain_text("Call Sam on 07700 900001")
    page.keyboard.press("a")  # flagged: never on the wall, nothing happens
    page.keyboard.press("j")
    expect(items.nth(1)).to_be_focused()
    expect(items.nth(1)).to_contain_text("Waiting note 002")
    page.keyboard.press("h")
    expect(page.locator("#queue-count")).to_have_text("98")
    expect(items.nth(1)).to_be_focused()
    expect(items.nth(1)).to_contain_text("Waiting note 003")
    page.keyboard.press("k")
    expect(items.first).to_be_focused()
    assert _wall(db_path, "Waiting note 000 about shared budgets") == "approved"
    assert _wall(db_path, "Call Sam on 07700 900001 about it") == "pending"
    assert _wall(db_path, "Waiting note 002 about shared budgets") == "hidden"
    expect(page.locator("#queue-say")).to_have_text("Hidden: Waiting note 002 about shared budgets")


def test_bulk_approval_takes_only_unflagged_quotable_notes(facilitator, db_path):
    page = facilitator
    bulk = page.locator("#bulk-approve")
    expect(bulk).to_have_text("Put all 78 quotable, unflagged notes on the wall")
    bulk.click()
    expect(page.locator("#done")).to_have_text("78 notes put on the wall.", timeout=30_000)
    expect(page.locator("#queue-count")).to_have_text("22")
    states = dict(rows(db_path, "SELECT wall, COUNT(*) FROM notes GROUP BY wall"))
    assert states == {"approved": 78, "pending": 22}
    still = rows(db_path, "SELECT consent, flags_json FROM notes WHERE wall = 'pending'")
    assert all(consent != "quote" or flags != "[]" for consent, flags in still)
    expect(bulk).to_be_disabled()


def test_closing_the_cafe_is_apart_and_asks_first(facilitator):
    page = facilitator
    group = page.get_by_role("group", name="Round")
    expect(group.get_by_role("button", name="Start that round")).to_be_visible()
    expect(group.get_by_role("button", name="Close café")).to_have_count(0)
    close = page.locator(".danger-zone").get_by_role("button", name="Close café")
    page.remove_listener("dialog", accept_dialog)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    close.click()
    expect(page.locator("#round-line")).not_to_have_text("The café is closed.")
    assert asked and "close" in asked[0].lower()
