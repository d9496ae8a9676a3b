"""The facilitator runs rounds from the console; every phone's countdown follows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE
from e2e.test_phone import join_at_table, write

pytestmark = pytest.mark.e2e


def test_start_pause_extend_and_every_phone_follows(browser, server, console_page, phone_page):
    second = browser.new_context(**PHONE).new_page()
    join_at_table(phone_page, server, table=1)
    join_at_table(second, server, table=2)
    for phone in (phone_page, second):
        expect(phone.locator("#timer")).to_have_text("Starting soon")

    console_page.get_by_role("button", name="Start round 1").click()
    for page in (phone_page, second, console_page):
        expect(page.locator("#timer")).to_have_text(re.compile(r"^(20:00|19:5\d) left$"))

    console_page.get_by_role("button", name="Pause", exact=True).click()
    for page in (phone_page, second):
        expect(page.locator("#timer")).to_have_text(re.compile(r"^Paused · (20:00|19:5\d) left$"))

    console_page.get_by_role("button", name="+5 min").click()
    for page in (phone_page, second, console_page):
        expect(page.locator("#timer")).to_have_text(
            re.compile(r"^(Paused · )?(25:00|24:5\d) left$")
        )

    console_page.get_by_role("button", name="Resume").click()
    console_page.get_by_role("button", name="End round").click()
    for page in (phone_page, second):
        expect(page.locator("#timer")).to_have_text("Time to move")
        expect(page.locator("#move")).to_be_visible()
    # Illegal moves are not offered: the console disables them.
    expect(console_page.get_by_role("button", name="Pause", exact=True)).to_be_disabled()
    second.context.close()


def test_pause_everyone_puts_a_calm_screen_on_phones(server, console_page, phone_page):
    join_at_table(phone_page, server)
    console_page.fill("#hold-message", "Let's take a breath together.")
    console_page.get_by_role("button", name="Pause everyone").click()
    expect(phone_page.locator("#hold")).to_be_visible()
    expect(phone_page.locator("#hold-text")).to_have_text("Let's take a breath together.")
    expect(phone_page.get_by_role("link", name="Exit this page")).to_be_visible()
    console_page.get_by_role("button", name="Lift the pause").click()
    expect(phone_page.locator("#hold")).to_be_hidden()


def test_message_reaches_the_phone(server, console_page, phone_page):
    join_at_table(phone_page, server)
    console_page.fill("#message-text", "Tea is in the next room")
    console_page.get_by_role("button", name="Send").click()
    expect(phone_page.locator("#message-text")).to_have_text("Tea is in the next room")


def test_console_marks_tables_that_have_gone_quiet(app, server, console_page, phone_page):
    from cafe.db import get_writer

    console_page.get_by_role("button", name="Start round 1").click()
    # Wait until the round has started, or the clock moved back below may be overwritten by it.
    expect(console_page.locator("#timer")).to_contain_text("left")
    expect(console_page.locator('[data-quiet="1"]')).to_be_hidden()
    # The round began eleven minutes ago and nobody at either table has written since.
    with app.app_context():
        get_writer().write(lambda db: db.execute(
            "UPDATE events SET started_at = started_at - 660000"))
    console_page.reload()
    expect(console_page.locator('[data-quiet="1"]')).to_have_text("Quiet for 11 minutes")
    join_at_table(phone_page, server, table=2)
    write(phone_page, "We need shared budgets")
    expect(console_page.locator('[data-quiet="2"]')).to_be_hidden()
    expect(console_page.locator('[data-quiet="1"]')).to_be_visible()


def test_the_default_pause_says_its_heading_once_in_the_phones_language(
    browser, server, console_page, phone_page
):
    from e2e.conftest import wall_url

    join_at_table(phone_page, server)
    phone_page.get_by_role("link", name="اردو").click()
    expect(phone_page.locator("html")).to_have_attribute("lang", "ur")
    wall = browser.new_page(viewport={"width": 1280, "height": 720})
    wall.goto(server.url + wall_url(console_page.content()))
    # The console offers its default words untouched: each screen says its own heading instead.
    console_page.get_by_role("button", name="Pause everyone").click()
    expect(phone_page.locator("#hold")).to_be_visible()
    expect(phone_page.locator("#hold-title")).not_to_have_text("Let's pause for a moment")
    expect(phone_page.locator("#hold-text")).to_have_text("")
    expect(wall.locator("#hold-text")).to_have_text("Let's pause for a moment")
    console_page.get_by_role("button", name="Lift the pause").click()
    expect(phone_page.locator("#hold")).to_be_hidden()
    wall.close()
