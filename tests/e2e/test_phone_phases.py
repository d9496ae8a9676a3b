"""The phone shows the one thing that matters now: per phase, in real Chromium, small screens too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE
from e2e.test_phone import join_at_table, write
from e2e.test_rotation import join_as_host

pytestmark = pytest.mark.e2e

DOUBLE = "() => { document.documentElement.style.fontSize = '200%'; }"  # CSSOM: CSP allows it
SMALL = {"viewport": {"width": 320, "height": 568}, "is_mobile": True, "has_touch": True}


def _approved_insight(app) -> None:
    """Round 1 runs; a host at table 1 shares a key insight and the facilitator approves it."""
    from cafe import queries
    from cafe.actions import do_join_event
    from cafe.actions.clock import do_change_round
    from cafe.actions.hosts import do_set_host
    from cafe.actions.insights import do_set_insight_wall, do_submit_insight
    from cafe.db import reading

    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        do_change_round(event, "start_round", {})
        host, _ = do_join_event(event, 1)
        do_set_host(event, host["id"], 1)
        insight, _ = do_submit_insight(event, host, "i1", "Share budgets openly between partners")
        do_set_insight_wall(event, insight["id"], "approved")


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_in_the_harvest_the_dots_come_first_and_old_cards_are_gone(
    app, browser, server, console_page, phone_page
):
    _approved_insight(app)
    join_at_table(phone_page, server, table=2)
    console = console_page
    console.reload()
    console.fill("#message-text", "Tea is in the hall")
    console.get_by_role("button", name="Send", exact=True).click()
    expect(phone_page.locator("#message-text")).to_have_text("Tea is in the hall")
    console.get_by_role("button", name="End round").click()
    expect(phone_page.locator("#move")).to_be_visible(timeout=30_000)
    console.get_by_role("button", name="Start next round").click()
    console.get_by_role("button", name="End round").click()
    console.get_by_role("button", name="Start harvest").click()

    # The harvest: the dots on top; the old message, the move card and the note box are gone.
    add = phone_page.get_by_role("button", name="Add a dot")
    expect(add).to_be_visible()
    expect(add).to_be_in_viewport(ratio=1)
    expect(phone_page.locator("#message")).to_be_hidden()
    expect(phone_page.locator("#move")).to_be_hidden()
    expect(phone_page.locator("#note-form")).to_be_hidden()
    expect(phone_page.locator("#question")).to_be_hidden()
    # A reload does not bring the old message back either.
    phone_page.reload()
    expect(add).to_be_in_viewport(ratio=1)
    expect(phone_page.locator("#message")).to_be_hidden()
    # A note can still be written, on request.
    phone_page.get_by_role("button", name="Write a note too").click()
    expect(phone_page.locator("#note-text")).to_be_focused()

    # A small phone with text at 200%: the dots are still on the first screen.
    context = browser.new_context(**SMALL)
    small = context.new_page()
    small.goto(f"{server.url}/e/test-cafe/t/1")
    small.click("#continue")
    expect(small.get_by_role("button", name="Add a dot")).to_be_visible()
    small.evaluate(DOUBLE)
    expect(small.locator("body")).to_have_class("bar-tall")
    small.evaluate("() => window.scrollTo(0, 0)")
    small.screenshot(path="/tmp/roomui/small.png", full_page=True)
    expect(small.get_by_role("button", name="Add a dot")).to_be_in_viewport(ratio=1)
    exit_box = small.locator("a[data-exit]").bounding_box()
    assert not _overlap(exit_box, small.locator("#harvest-title").bounding_box())
    context.close()


def test_after_the_last_round_the_host_is_thanked_not_asked_to_welcome(
    app, browser, server, console_page
):
    host = browser.new_context(**PHONE).new_page()
    join_as_host(host, server, app)
    expect(host.locator("#host-text")).to_contain_text("welcome the people who arrive")
    console = console_page
    console.get_by_role("button", name="Start round 1").click()
    console.get_by_role("button", name="End round").click()
    console.get_by_role("button", name="Start next round").click()
    console.get_by_role("button", name="End round").click()
    expect(host.locator("#host-text")).to_contain_text("thank you for hosting")
    expect(host.locator("#host-text")).not_to_contain_text("welcome")
    host.context.close()


def test_saving_a_note_says_so_beside_the_button(phone_page, server):
    join_at_table(phone_page, server)
    write(phone_page, "Budgets should be shared")
    status = phone_page.locator("#note-status")
    expect(status).to_have_text("Note saved")
    expect(status).to_be_in_viewport(ratio=1)
    save = phone_page.locator("#note-form button[type=submit]").bounding_box()
    box = status.bounding_box()
    assert 0 <= box["y"] - (save["y"] + save["height"]) < 40  # right under the button
    phone_page.fill("#note-text", "Another")
    expect(status).to_be_hidden()


def test_the_notice_fits_one_screen_and_keeps_every_fact(phone_page, server):
    phone_page.goto(f"{server.url}/e/test-cafe/")
    expect(phone_page.locator("#continue")).to_be_enabled()
    expect(phone_page.locator("#continue")).to_be_in_viewport(ratio=1)
    for essential in ("Helpline 0808 2000 247", "Grace, by the door", "Discussion of domestic abuse",
                      "Exit this page", "never ask your name"):
        expect(phone_page.locator("#notice")).to_contain_text(essential)
    more = phone_page.locator("#notice-more")
    expect(more.locator("ul.facts")).to_be_hidden()
    more.locator("summary").click()
    for fact in ("What we collect:", "You are anonymous:", "Who sees your notes:",
                 "You are in control:", "A small café for tests."):
        expect(more).to_contain_text(fact)
    expect(more.locator("ul.facts")).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_at_320_px_and_200_percent_exit_never_covers_the_question(browser, server, lang):
    context = browser.new_context(**SMALL, locale="ur" if lang == "ur" else "en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/e/test-cafe/t/1")
    page.evaluate(DOUBLE)
    page.click("#continue")
    expect(page.locator("#question")).to_be_focused()
    page.evaluate(DOUBLE)
    expect(page.locator("body")).to_have_class("bar-tall")
    exit_link = page.locator("a[data-exit]")
    for y in (0, 200, 400):
        page.evaluate(f"() => window.scrollTo(0, {y})")
        page.locator("#question").focus()  # scrolled clear of the strip when focused
        assert not _overlap(exit_link.bounding_box(), page.locator("#question").bounding_box())
    page.evaluate("() => window.scrollTo(0, 0)")
    # At the top of the page nothing at all sits under the strip.
    under = page.evaluate("""() => {
        const strip = document.querySelector('a[data-exit]').getBoundingClientRect();
        return [...document.querySelectorAll('main *')].filter(e => {
            const r = e.getBoundingClientRect();
            return e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                && r.height > 0 && r.top < strip.bottom - 1 && r.bottom > strip.top;
        }).map(e => e.tagName + '#' + e.id);
    }""")
    assert under == [], under
    # The languages are still at hand, at the foot of the page.
    expect(page.locator(".languages-foot")).to_be_visible()
    context.close()
