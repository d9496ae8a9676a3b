"""A phone set to another language shows the event's own words and the round's warning in it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cafe.actions.setup import do_create_event
from cafe.plans import parse_plan
from e2e.conftest import LAPTOP, PHONE, log_in

pytestmark = pytest.mark.e2e

PLAN = """
title = "A café"
slug = "warned"
helpline = "Helpline 0808 2000 247"
[[tables]]
name = "Oak"
[[rounds]]
question = "What does good allyship look like?"
content_warning = "This round discusses forced marriage."
translations = { ur = { question = "اچھی حمایت کیسی نظر آتی ہے؟", content_warning = "اس دور میں جبری شادی پر بات ہوگی۔" }, pl = "Jak wygląda dobre sojusznictwo?" }
[translations.ur]
title = "ایک کیفے"
helpline = "ہیلپ لائن 0808 2000 247"
"""


def test_an_urdu_phone_reads_the_plans_urdu_words(app, browser, server):
    with app.app_context():
        do_create_event(parse_plan(PLAN))
    console = browser.new_context(**LAPTOP).new_page()
    log_in(console, server.url, "fac")
    console.goto(f"{server.url}/console/warned")
    console.get_by_role("button", name="Start round 1").click()

    urdu = browser.new_context(**PHONE).new_page()
    urdu.goto(f"{server.url}/e/warned/t/1?lang=ur")
    expect(urdu.locator("#notice-title")).to_have_text("ایک کیفے")
    expect(urdu.locator("#notice")).to_contain_text("ہیلپ لائن 0808 2000 247")
    urdu.click("#continue")
    expect(urdu.locator("#question")).to_have_text("اچھی حمایت کیسی نظر آتی ہے؟")
    expect(urdu.locator("#round-warning")).to_contain_text("اس دور میں جبری شادی پر بات ہوگی۔")

    polish = browser.new_context(**PHONE).new_page()  # a question but no warning in Polish
    polish.goto(f"{server.url}/e/warned/t/1?lang=pl")
    polish.click("#continue")
    expect(polish.locator("#question")).to_have_text("Jak wygląda dobre sojusznictwo?")
    expect(polish.locator("#round-warning")).to_contain_text("This round discusses forced marriage.")
    for page in (console, urdu, polish):
        page.context.close()
