"""Rotation in real browsers: 'Move to table N' on phones, the host's recap, dot-voting in the
harvest with the wall following."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, wall_url
from e2e.test_phone import join_at_table, write

pytestmark = pytest.mark.e2e


def host_link(app, table: int) -> str:
    from cafe import queries
    from cafe.actions.host_briefing import host_key
    from cafe.db import reading

    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, "test-cafe")
    return f"/e/test-cafe/t/{table}?host={host_key(event, table)}"


def join_as_host(page, server, app, table: int = 1) -> None:
    page.goto(server.url + host_link(app, table))
    page.click("#continue")
    expect(page.locator("#host-title")).to_have_text(f"You host table {table} · Oak")


def test_phones_show_where_to_move_and_the_host_gets_the_recap(
    app, browser, server, console_page, phone_page
):
    host = browser.new_context(**PHONE).new_page()
    join_as_host(host, server, app)
    join_at_table(phone_page, server, table=1)
    expect(host.locator("#recap-empty")).to_be_visible()

    console_page.get_by_role("button", name="Start round 1").click()
    write(phone_page, "We need shared budgets")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    # The host's recap holds only notes the facilitator approved.
    console_page.get_by_role("button", name="Approve").first.click()
    expect(console_page.locator(".note.wall-approved")).to_have_count(1)
    console_page.get_by_role("button", name="End round").click()

    # The traveller: large "Move to table 2" with the table's name, announced politely (planning
    # may take a while on a busy machine).
    expect(phone_page.locator("#move-title")).to_have_text("Move to table 2", timeout=30_000)
    expect(phone_page.locator("#move-name")).to_have_text("Ash")
    expect(phone_page.locator("#move-say")).to_have_text("Next round: move to table 2, Ash.")
    # A note written in the break still goes to round 1, and the phone says so by "Save note".
    expect(phone_page.locator("#late-round")).to_have_text("Still adding to round 1")
    # The host stays, and is briefed with what the table said.
    expect(host.locator("#move-title")).to_have_text("Stay at table 1")
    expect(host.locator("#recap li")).to_have_count(1)
    expect(host.locator("#recap")).to_contain_text("We need shared budgets")
    # The console shows the plan: one person at each table next round.
    expect(console_page.locator("#rotation-summary")).to_contain_text("Round 2 is planned")
    expect(console_page.locator('#plan-rows tr[data-table="2"] td').nth(2)).to_contain_text(
        "(arriving)"
    )

    # Confirming the move (keyboard) seats the phone at table 2 at once.
    phone_page.locator("#move-confirm").focus()
    phone_page.keyboard.press("Enter")
    expect(phone_page.locator("#where-table")).to_have_text("Table 2 · Ash")
    # As round 2 starts and newcomers sit down, the host still has the table's round 1 notes open.
    console_page.get_by_role("button", name="Start next round").click()
    expect(phone_page.locator("#late-round")).to_be_hidden()
    expect(host.locator("#recap li").first).to_be_visible()
    expect(host.locator("#recap")).to_contain_text("We need shared budgets")
    host.context.close()


def test_a_participant_dot_votes_in_the_harvest_and_the_wall_follows(
    app, browser, server, console_page, phone_page
):
    host = browser.new_context(**PHONE).new_page()
    join_as_host(host, server, app)
    join_at_table(phone_page, server, table=2)
    console_page.get_by_role("button", name="Start round 1").click()
    host.fill("#insight-text", "Share budgets openly between partners")
    host.get_by_role("button", name="Share insight").click()
    expect(host.locator("#host-insights li")).to_contain_text(["Share budgets openly between partners"])
    expect(console_page.locator("#insight-list")).to_contain_text("Share budgets openly")
    # Nothing reaches the wall or the voting before the facilitator approves it.
    expect(host.locator("#host-insights li")).to_contain_text("waiting for the facilitator")
    console_page.locator("#insight-list").get_by_role("button", name="Approve").click()
    expect(console_page.locator("#insight-list li.wall-approved")).to_have_count(1)
    expect(host.locator("#host-insights li")).to_have_text(["Share budgets openly between partners"])

    wall = browser.new_page(viewport={"width": 1280, "height": 720})
    wall.goto(server.url + wall_url(console_page.content()))
    console_page.get_by_role("button", name="End round").click()
    console_page.get_by_role("button", name="Start next round").click()
    console_page.get_by_role("button", name="End round").click()
    console_page.get_by_role("button", name="Start harvest").click()

    expect(wall.locator("#harvest")).to_be_visible()
    expect(wall.locator("#wall-insights li")).to_have_count(1)
    expect(wall.locator(".insight-dots")).to_have_text("Dots: 0")
    expect(phone_page.locator("#dots-left")).to_have_text("You have 3 of 3 dots left.")
    add = phone_page.get_by_role("button", name="Add a dot")
    add.click()
    expect(wall.locator(".insight-dots")).to_have_text("Dots: 1")
    add.click()
    add.click()
    expect(phone_page.locator("#dots-left")).to_have_text("You have 0 of 3 dots left.")
    expect(add).to_be_disabled()
    expect(wall.locator(".insight-dots")).to_have_text("Dots: 3")
    phone_page.get_by_role("button", name="Take a dot back").click()
    expect(wall.locator(".insight-dots")).to_have_text("Dots: 2")
    wall.close()
    host.context.close()


def test_leaving_says_goodbye_and_coming_back_seats_the_phone_again(
    server, console_page, phone_page, db_path
):
    from conftest import rows

    join_at_table(phone_page, server, table=1)
    write(phone_page, "Listening comes first")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    who = console_page.locator("#people-list li")
    expect(who).to_have_count(1)
    expect(who).to_contain_text("table 1")

    # Leaving asks first; "Stay" changes nothing.
    phone_page.get_by_role("button", name="I'm leaving the café").click()
    phone_page.get_by_role("button", name="Stay").click()
    expect(phone_page.locator("#leave-confirm")).to_be_hidden()
    expect(phone_page.locator("#leave")).to_be_focused()
    phone_page.keyboard.press("Enter")
    phone_page.get_by_role("button", name="Yes, I'm leaving").click()
    # A calm goodbye, its heading focused for screen readers, with a way out and a way back.
    expect(phone_page.locator("#goodbye-title")).to_be_focused()
    expect(phone_page.locator("#write")).to_be_hidden()
    expect(phone_page.locator("#goodbye a[data-exit-link]")).to_have_text("Exit this page")
    expect(who).to_contain_text("left the café")
    expect(console_page.locator("#count-phones")).to_have_text("0")
    assert rows(db_path, "SELECT status FROM notes") == [("saved",)]

    # A reload still says goodbye; "I'm back" seats the phone again and shows its notes.
    phone_page.reload()
    expect(phone_page.locator("#goodbye-title")).to_be_visible()
    phone_page.get_by_role("button", name="I'm back").click()
    expect(phone_page.locator("#write")).to_be_visible()
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    expect(who).to_contain_text("table")
    expect(console_page.get_by_role("button", name="Mark as left")).to_be_visible()
    # The console can mark them as gone too: the phone follows.
    console_page.get_by_role("button", name="Mark as left").click()
    expect(phone_page.locator("#goodbye-title")).to_be_visible()
    expect(console_page.get_by_role("button", name="Mark as back")).to_be_focused()
    # Its "Exit this page" leaves at once, like the bar's.
    phone_page.locator("#goodbye a[data-exit-link]").click()
    expect(phone_page).to_have_url(f"{server.url}/exit")


def test_a_table_picked_in_the_break_wins_and_a_reseat_is_shown_and_said(
    browser, server, console_page, phone_page, db_path
):
    from conftest import rows

    other = browser.new_context(**PHONE).new_page()
    join_at_table(phone_page, server, table=1)
    join_at_table(other, server, table=1)
    console_page.get_by_role("button", name="Start round 1").click()
    console_page.get_by_role("button", name="End round").click()
    # Two travellers from Oak: one is sent to Ash, the other stays (planning may take a while
    # on a busy machine).
    for page in (phone_page, other):
        expect(page.locator("#move-title")).to_have_text(
            re.compile("Move to table 2|Stay at"), timeout=30_000
        )
    mover, stayer = (
        (phone_page, other)
        if phone_page.locator("#move-title").text_content() == "Move to table 2"
        else (other, phone_page)
    )
    # The one sent to Ash sits down at Oak instead and says so: that is now their seat.
    mover.locator("#change-table").click()
    mover.get_by_role("button", name="1 · Oak").click()
    expect(mover.locator("#move-title")).to_have_text("Stay at table 1")
    expect(mover.locator("#where-table")).to_have_text("Table 1 · Oak")
    # The other is told, large and out loud, to go to Ash instead.
    expect(stayer.locator("#move-title")).to_have_text("Move to table 2")
    expect(stayer.locator("#move-say")).to_have_text("Next round: move to table 2, Ash.")

    console_page.get_by_role("button", name="Start next round").click()
    expect(mover.locator("#where-round")).to_have_text("Round 2 of 2")
    expect(mover.locator("#where-table")).to_have_text("Table 1 · Oak")
    expect(mover.locator("#reseat")).to_be_hidden()
    write(mover, "Kept at the table I chose")
    expect(mover.locator("#mine .badge.saved")).to_have_count(1)
    assert rows(db_path, "SELECT table_no FROM notes") == [(1,)]
    # The one the server moved (they never confirmed) sees it and hears it: never silently.
    expect(stayer.locator("#where-table")).to_have_text("Table 2 · Ash")
    expect(stayer.locator("#reseat-title")).to_have_text("Move to table 2")
    expect(stayer.locator("#move-say")).to_have_text(
        "Your table has changed: please move to table 2, Ash."
    )
    stayer.get_by_role("button", name="I'm at table 2").click()
    expect(stayer.locator("#reseat")).to_be_hidden()

    # The last round ends: nobody moves, and no screen says "Time to move".
    wall = browser.new_page(viewport={"width": 1280, "height": 720})
    wall.goto(server.url + wall_url(console_page.content()))
    console_page.get_by_role("button", name="End round").click()
    for screen in (mover, wall):
        expect(screen.locator("#timer")).to_have_text("That was the last round – thank you")
    expect(console_page.locator("#round-line")).to_contain_text("ended – the last round")
    expect(mover.locator("#move")).to_be_hidden()
    expect(mover.locator("#cannot-move-choice")).to_be_hidden()
    # In the harvest the wall says "Harvest" once.
    console_page.get_by_role("button", name="Start harvest").click()
    expect(wall.locator("#question")).to_have_text("Harvest")
    expect(wall.locator("#timer")).to_have_text("")
    wall.close()
    other.context.close()


def test_a_host_taking_over_in_the_break_stays_and_each_round_has_its_own_insights(
    app, browser, server, console_page, phone_page
):
    host = browser.new_context(**PHONE).new_page()
    join_as_host(host, server, app)
    join_at_table(phone_page, server, table=2)
    console_page.get_by_role("button", name="Start round 1").click()
    host.fill("#insight-text", "Round one insight: trust takes time")
    host.get_by_role("button", name="Share insight").click()
    expect(host.locator("#host-insights li")).to_have_text([re.compile(r"^Round one insight")])
    console_page.get_by_role("button", name="End round").click()
    # Oak has its host, so the traveller stays at Ash (one each).
    expect(phone_page.locator("#move-title")).to_have_text("Stay at table 2", timeout=30_000)

    # Someone opens Ash's host link in the break: told at once to stay, never to move.
    newcomer = browser.new_context(**PHONE).new_page()
    newcomer.goto(server.url + host_link(app, 2))
    newcomer.click("#continue")
    expect(newcomer.locator("#host-title")).to_have_text("You host table 2 · Ash")
    expect(newcomer.locator("#move-title")).to_have_text("Stay at table 2")
    expect(newcomer.locator("#move-choose")).to_be_hidden()

    # Round 2: the first host's form is back and empty, for this round's insights.
    console_page.get_by_role("button", name="Start next round").click()
    expect(host.locator("#where-round")).to_have_text("Round 2 of 2")
    expect(host.locator("#host-insights li")).to_have_count(0)
    expect(host.locator("#insight-form")).to_be_visible()
    expect(newcomer.locator("#where-table")).to_have_text("Table 2 · Ash")
    newcomer.context.close()
    host.context.close()
