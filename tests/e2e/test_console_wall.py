"""The facilitator's console and the projector wall in real Chromium, fed by a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import accept_dialog, log_in, wall_url
from e2e.test_phone import join_at_table, write

pytestmark = pytest.mark.e2e


def test_console_sees_notes_live_and_wall_shows_only_approved(
    browser, server, console_page, phone_page
):
    expect(console_page.locator("#status")).to_have_text("Connection: live")
    wall = browser.new_page(viewport={"width": 1280, "height": 720})
    wall.goto(server.url + wall_url(console_page.content()))
    expect(wall.locator("#wall-empty")).to_be_visible()

    join_at_table(phone_page, server)
    expect(console_page.locator('[data-presence="1"]')).to_have_text("1 phone")
    expect(console_page.locator("#count-people")).to_have_text("1")  # live, without a reload
    write(phone_page, "Funding should follow the community")
    write(phone_page, "Keep this one off the wall")
    column = console_page.locator('.table-col[data-table="1"]')
    expect(column.locator(".note")).to_have_count(2)
    first = column.locator(".note", has_text="Funding should follow the community")
    # Each note's buttons say which note, for a screen reader.
    first.get_by_role("button", name=re.compile(r"^Approve\W+Funding should follow the")).click()
    expect(wall.locator("#wall-notes li")).to_have_text(["Funding should follow the community"])
    expect(first).to_contain_text("on the wall")

    first.get_by_role("button", name="Take down").click()
    expect(wall.locator("#wall-notes li")).to_have_count(0)
    wall.close()

    # Ending a round asks first (no: nothing happens); each action then says what it did.
    page = console_page
    expect(page.get_by_role("button", name="Start harvest")).to_be_disabled()
    page.get_by_role("button", name="Start round 1").click()
    expect(page.locator("#done")).to_have_text("Round 1 started.")
    page.remove_listener("dialog", accept_dialog)
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="End round").click()
    expect(page.locator("#round-line")).to_contain_text("(running)")
    assert questions == ["End round 1 now? Its clock stops at every table."]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End round").click()
    expect(page.locator("#done")).to_have_text("Round 1 ended.")
    page.get_by_role("button", name="Pause everyone").click()
    expect(page.locator("#done")).to_have_text("Everyone is paused.")
    expect(page.locator("#hold-state")).to_have_text("Phones are paused.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close café").click()
    expect(page.locator("#done")).to_have_text("The café is closed.")
    expect(page.locator("#round-line")).to_have_text("The café is closed.")
    expect(page.get_by_role("button", name="Pause everyone")).to_be_disabled()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_disabled()


def test_console_holds_back_disclosures(server, console_page, phone_page):
    join_at_table(phone_page, server)
    write(phone_page, "My husband hit me last night and I am scared to go home", consent="none")
    note = console_page.locator(".note").first
    expect(note).to_contain_text("held for the safeguarding lead")
    expect(note).not_to_contain_text("husband")
    expect(note.get_by_role("button", name="Approve")).to_have_count(0)


def test_safeguarding_lead_sees_the_disclosure_privately(app, browser, server, phone_page):
    from cafe.actions import do_create_user
    from conftest import PASSWORD

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
    lead = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(lead, server.url, "lead")
    lead.goto(f"{server.url}/safeguarding/test-cafe")
    expect(lead.locator("#status")).to_have_text("Live")
    join_at_table(phone_page, server, table=2)
    write(phone_page, "My husband hit me last night and I am scared to go home", consent="none")
    item = lead.locator("#items li").first
    expect(item).to_contain_text("My husband hit me last night")
    expect(item).to_contain_text("table 2")
    item.get_by_role("button", name="Acknowledge – I'm on it").click()
    expect(item).to_contain_text("acknowledged by lead")
    lead.close()


def test_seat_cards_form_remakes_the_cards_and_notices_stay_off_paper(console_page, server):
    page = console_page
    page.goto(f"{server.url}/console/test-cafe/print/seats")
    expect(page.locator(".seat-card")).to_have_count(10)  # full capacity by default
    page.get_by_label("How many people are coming?").fill("4")
    page.get_by_role("button", name="Remake the cards").click()
    expect(page.locator(".seat-card")).to_have_count(4)
    expect(page.locator(".seat-card .event").first).to_have_text("Test café")
    page.emulate_media(media="print")
    expect(page.locator("form.people-form")).to_be_hidden()
    expect(page.locator(".seat-card").first).to_be_visible()
    page.emulate_media(media="screen")
    page.goto(f"{server.url}/console/test-cafe/print/tables")
    notice = page.locator(".local-only")
    expect(notice).to_be_visible()  # the server is on 127.0.0.1
    page.emulate_media(media="print")
    expect(notice).to_be_hidden()
    expect(page.locator(".table-card").first).to_be_visible()
