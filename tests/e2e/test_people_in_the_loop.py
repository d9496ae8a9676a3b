"""The safeguarding lead's side of "people in the loop" (issue 18) in real Chromium: a note the rules
missed, sent by the facilitator; the lead's private message reaching the writer's phone; the return."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import rows
from e2e.conftest import log_in
from e2e.test_phone import join_at_table, write

pytestmark = pytest.mark.e2e

MISSED = "The zebrafund forms went missing again, the same as last month"  # the screen reads nothing here


def test_lead_gets_a_hand_sent_note_messages_the_writer_and_returns_it(
    app, browser, server, console_page, phone_page, db_path
):
    from cafe.actions import do_create_user
    from conftest import PASSWORD

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
    lead = browser.new_page(viewport={"width": 1280, "height": 800})
    lead.on("dialog", lambda dialog: dialog.accept())
    log_in(lead, server.url, "lead")
    lead.goto(f"{server.url}/safeguarding/test-cafe")
    expect(lead.locator("#status")).to_have_text("Live")
    expect(lead.locator("#empty")).to_be_visible()

    join_at_table(phone_page, server)
    write(phone_page, MISSED)
    pseudonym = rows(db_path, "SELECT pseudonym FROM participants")[0][0]
    note = console_page.locator('.table-col[data-table="1"] .note').first
    expect(note).to_contain_text(MISSED)
    expect(note).to_contain_text(pseudonym)
    # The writer's consent is said plainly beside Approve.
    expect(note.locator(".consent")).to_have_text("Writer says: may be quoted")

    # One action from the console: the note is held, with no pseudonym beside its placeholder.
    note.get_by_role("button", name=re.compile(r"^Send to safeguarding lead")).click()
    expect(console_page.locator("#done")).to_contain_text("Sent to the safeguarding lead")
    expect(note).to_contain_text("This note is held for the safeguarding lead.")
    expect(note).not_to_contain_text("zebrafund")
    expect(note).not_to_contain_text(pseudonym)
    expect(note.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)

    # The lead sees it in the writer's words, sent by hand by the facilitator.
    item = lead.locator("#items li").first
    expect(item).to_contain_text(MISSED)
    expect(item).to_contain_text("Sent to you by hand by fac")
    item.get_by_text("Send the writer a private message").click()
    box = item.get_by_label("Private message to the writer's phone")
    expect(box).to_have_value(
        "Grace from the support team would like a quiet word – by the main door"
    )
    box.fill("Grace from the support team would like a quiet word – by the main door, at 3")
    item.get_by_role("button", name="Send to their phone").click()
    expect(item.locator(".message-said")).to_contain_text("Only the writer's phone shows it")

    # The writer's phone shows it, until they close it.
    message = phone_page.get_by_role("alertdialog", name="A private message for you")
    expect(message).to_be_visible()
    expect(message).to_contain_text("a quiet word – by the main door, at 3")
    expect(console_page.locator("body")).not_to_contain_text("quiet word")
    message.get_by_role("button", name="Close").click()
    expect(message).to_be_hidden()

    # Not a disclosure: the lead returns it, and the facilitator moderates it as before.
    item.get_by_role("button", name="Not a disclosure – return to moderation").click()
    expect(lead.locator("#empty")).to_be_visible()
    expect(note).to_contain_text(MISSED)
    note.get_by_role("button", name=re.compile(r"^Approve\W+The zebrafund")).click()
    expect(note).to_contain_text("on the wall")
    lead.close()
