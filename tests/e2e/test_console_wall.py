"""The facilitator's console and the projector wall in real Chromium, fed by a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import log_in, wall_url
from e2e.test_phone import join_at_table, write

pytestmark = pytest.mark.e2e


def test_console_sees_notes_live_and_wall_shows_only_approved(
    browser, server, console_page, phone_page
):
    expect(console_page.locator("#status")).to_have_text("Live")
    wall = browser.new_page(viewport={"width": 1280, "height": 720})
    wall.goto(server.url + wall_url(console_page.content()))
    expect(wall.locator("#wall-empty")).to_be_visible()

    join_at_table(phone_page, server)
    expect(console_page.locator('[data-presence="1"]')).to_have_text("1 phone")
    write(phone_page, "Funding should follow the community")
    write(phone_page, "Keep this one off the wall")
    column = console_page.locator('.table-col[data-table="1"]')
    expect(column.locator(".note")).to_have_count(2)
    first = column.locator(".note", has_text="Funding should follow the community")
    first.get_by_role("button", name="Approve").click()
    expect(wall.locator("#wall-notes li")).to_have_text(["Funding should follow the community"])
    expect(first).to_contain_text("on the wall")

    first.get_by_role("button", name="Take down").click()
    expect(wall.locator("#wall-notes li")).to_have_count(0)
    wall.close()


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
