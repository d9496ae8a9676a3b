"""The new-event form in real Chromium: checked as you type, a warning for a missing language, and
an event a phone can join, its question in the phone's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import LAPTOP, PHONE, log_in

pytestmark = pytest.mark.e2e


def test_the_form_makes_an_event_a_phone_joins_in_its_language(browser, server):
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server.url, "fac")
    page.goto(f"{server.url}/events/new")
    form = page.locator("#event-form")

    # Checked as you go, in plain words, beside the field.
    form.get_by_label("Title").focus()
    form.get_by_label("Number of tables").focus()
    expect(page.locator("#f-title-error")).to_have_text("Give the café a title.")
    form.get_by_label("Title").fill("Evening café")
    expect(page.locator("#f-title-error")).to_be_hidden()
    form.get_by_label("Number of tables").fill("0")
    form.get_by_label("Seats at each table").focus()
    expect(page.locator("#f-tables-error")).to_have_text("Type a whole number from 1 to 50.")
    form.get_by_label("Number of tables").fill("2")
    expect(page.locator("#f-tables-error")).to_be_hidden()

    # A question without a language the phones offer: a warning, not a refusal.
    page.locator("#f-q1").fill("What would make evenings safer?")
    page.locator("#f-ur1").fill("شام کو کیا چیز زیادہ محفوظ بنائے گی؟")
    warning = page.locator("[data-round]").first.locator("[data-missing]")
    expect(warning).to_contain_text("No বাংলা, Polski text")
    page.locator("#f-pl1").fill("Co sprawiłoby, że wieczory byłyby bezpieczniejsze?")
    expect(warning).to_contain_text("No বাংলা text")
    page.get_by_role("button", name="Add a round").click()
    expect(page.locator("#f-q4")).to_be_focused()
    form.get_by_label("Helpline (name and number)").fill("Helpline 0808 2000 247")
    page.locator("#f-lead").fill("Amal, at the door")
    form.get_by_role("button", name="Create event").click()
    expect(page.locator(".flash")).to_contain_text("Event created: Evening café")
    assert page.url.endswith("/console/evening-cafe")
    context.close()

    phone = browser.new_context(**PHONE, locale="ur").new_page()
    phone.goto(f"{server.url}/e/evening-cafe/?lang=ur")
    expect(phone.locator("#notice")).to_contain_text("Amal, at the door")
    phone.click("#continue")
    phone.get_by_role("button").filter(has_text="Table 1").click()
    expect(phone.locator("#question")).to_have_text("شام کو کیا چیز زیادہ محفوظ بنائے گی؟")
    phone.context.close()
    assert not errors, errors
