"""Create an event from the events list in real Chromium, with the keyboard-reachable form: first a
pasted plan with a mistake (the problem is named, the text stays), then fixed, then its console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PLAN, rows
from e2e.conftest import LAPTOP, log_in

pytestmark = pytest.mark.e2e


def test_create_an_event_from_the_events_list(browser, server, db_path):
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "fac")
    page.goto(f"{server.url}/console/")
    page.get_by_role("link", name="New event").click()
    expect(page.get_by_role("heading", name="New event", level=1)).to_be_visible()
    expect(page.get_by_label("Working together: a partnership café")).to_be_visible()

    # A pasted plan with one mistake: the problem is named with its line, the text is kept.
    plan = PLAN.read_text(encoding="utf-8").replace('slug = "test-cafe"', 'slug = "browser-cafe"')
    wrong = plan.replace("capacity = 5", "capacity = 50", 1)
    box = page.get_by_label("Or paste the plan here")
    box.fill(wrong)
    page.locator("#from-own button[type=submit]").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("table 1.capacity: must be between 2 and 20, not 50")
    expect(alert).to_contain_text("Line ")
    expect(box).to_have_value(wrong.replace("\r\n", "\n"))
    assert rows(db_path, "SELECT slug FROM events WHERE slug = 'browser-cafe'") == []

    # Fixed in place, it makes the event and opens its console with the news.
    box.fill(box.input_value().replace("capacity = 50", "capacity = 6"))
    page.locator("#from-own button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/console/browser-cafe")
    expect(page.locator(".flash")).to_contain_text("Event created: Test café. Join code")
    expect(page.locator("#status")).not_to_have_text("Connecting…")
    (capacity,) = rows(db_path, "SELECT capacity FROM tables t JOIN events e ON e.id = t.event_id "
                                "WHERE e.slug = 'browser-cafe' AND t.number = 1")[0]
    assert capacity == 6

    # And from the list of ready-made plans, by its title.
    page.goto(f"{server.url}/events/new")
    page.get_by_label("Working together: a partnership café").check()
    page.locator("#from-list button[type=submit]").click()
    expect(page).to_have_url(f"{server.url}/console/demo")
    page.goto(f"{server.url}/console/")
    expect(page.locator("table.list")).to_contain_text("Working together: a partnership café")
    context.close()
    assert not errors, errors
