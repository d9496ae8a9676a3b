"""Keyboard alone with a visible focus, text at 200 %, and a countdown screen readers hear politely."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from conftest import rows
from e2e.test_phone import EXITED, join_at_table

pytestmark = pytest.mark.e2e

FOCUS_STYLE = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return {what: el.outerHTML.slice(0, 80), visible: outline || style.boxShadow !== "none"};
}"""


def tab_to(page: Page, target: Locator, limit: int = 40, key: str = "Tab") -> None:
    """Press Tab until `target` has the focus; every stop on the way must show where focus is."""
    for _ in range(limit):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS_STYLE)
        if focus["what"].startswith("<body"):
            continue  # past the last element: the focus is in the browser's own toolbar
        assert focus["visible"], f"no visible focus on {focus['what']}"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached in {limit} presses of {key}")


def test_every_participant_action_by_keyboard_with_a_visible_focus(browser, server, db_path):
    # A keyboard (or switch) user: a desktop-style context with a phone-sized window.
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    code = rows(db_path, "SELECT code FROM events WHERE slug = 'test-cafe'")[0][0]
    page.goto(f"{server.url}/")
    tab_to(page, page.locator("#code"))
    page.keyboard.type(code)
    page.keyboard.press("Enter")  # join by code

    continue_button = page.locator("#continue")
    expect(continue_button).to_be_enabled()
    tab_to(page, continue_button)
    page.keyboard.press("Space")  # the notice: consent to take part
    tab_to(page, page.get_by_role("button", name="2 · Ash"))
    page.keyboard.press("Enter")  # choose a table
    expect(page.locator("#where-table")).to_have_text("Table 2 · Ash")

    tab_to(page, page.locator("#note-text"))
    page.keyboard.type("Allies listen first")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowUp")  # consent: "may be quoted"
    expect(page.locator("input[value=quote]")).to_be_checked()
    tab_to(page, page.locator("#note-form button[type=submit]"))
    page.keyboard.press("Enter")  # submit
    expect(page.locator("#mine .badge.saved")).to_have_count(1)

    tab_to(page, page.get_by_role("button", name="Edit"))
    page.keyboard.press("Enter")
    expect(page.locator("#mine textarea")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Allies listen first and act second")
    tab_to(page, page.get_by_role("button", name="Save", exact=True))
    page.keyboard.press("Enter")  # edit
    expect(page.locator("#mine .note-text")).to_have_text("Allies listen first and act second")

    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, page.get_by_role("button", name="Withdraw"))
    page.keyboard.press("Enter")  # withdraw
    expect(page.locator("#mine .note-text")).to_contain_text("Withdrawn")
    assert rows(db_path, "SELECT status FROM notes") == [("withdrawn",)]

    # Back up the page to the language switcher: Shift+Tab shows the focus as well.
    tab_to(page, page.get_by_role("link", name="اردو"), key="Shift+Tab")
    page.keyboard.press("Enter")  # switch language
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#mine .badge")).to_have_count(1)

    exit_link = page.locator("a[data-exit]")
    tab_to(page, exit_link)
    page.keyboard.press("Enter")  # exit this page
    expect(page).to_have_url(EXITED)
    expect(page).to_have_title("New tab")
    page.context.close()


def test_three_presses_of_shift_leave_the_page(phone_page, server):
    join_at_table(phone_page, server)
    for _ in range(3):
        phone_page.keyboard.press("Shift")
    expect(phone_page).to_have_url(EXITED)
    expect(phone_page).to_have_title("New tab")


def _assert_fits(page: Page, controls: list[Locator]) -> None:
    """No sideways scrolling, and each control is shown whole inside the window's width."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths[0]}px in {widths[1]}px"
    for control in controls:
        expect(control).to_be_visible()
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= widths[1] + 0.5, (
            f"{control} is cut off: {box}"
        )


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_text_at_200_percent_loses_nothing_on_a_small_phone(browser, server, lang):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        locale="ur" if lang == "ur" else "en-GB",
    )
    page = context.new_page()
    double = "() => { document.documentElement.style.fontSize = '200%'; }"  # CSSOM: CSP allows it
    page.goto(f"{server.url}/")
    page.evaluate(double)
    _assert_fits(page, [page.locator("#code"), page.locator("button[type=submit]"),
                        page.locator("a[data-exit]")])

    page.goto(f"{server.url}/e/test-cafe/")
    page.evaluate(double)
    expect(page.locator("#continue")).to_be_enabled()
    _assert_fits(page, [page.locator("#notice-title"), page.locator("#continue"),
                        page.locator("a[data-exit]"), *page.locator("[data-lang-link]").all()])
    page.click("#continue")
    _assert_fits(page, page.get_by_role("button").filter(has_text="·").all())
    page.get_by_role("button").filter(has_text="Oak").click()
    page.fill("#note-text", "Co-production means sharing budgets, not only meetings" * 2)
    page.click("#note-form button[type=submit]")
    expect(page.locator("#mine li")).to_have_count(1)
    _assert_fits(page, [page.locator("#question"), page.locator("#timer"),
                        page.locator("#note-text"), page.locator("#note-form button[type=submit]"),
                        page.locator("input[name=consent]").first, page.locator("#mine li"),
                        *page.locator("#mine button").all(), page.locator("a[data-exit]")])
    # The tall bar scrolls away, but "Exit this page" stays on the screen wherever you are.
    expect(page.locator("body")).to_have_class("bar-tall")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    expect(page.locator("a[data-exit]")).to_be_in_viewport(ratio=1)
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
    expect(page.locator("body")).not_to_have_class("bar-tall")  # at normal size it stays on top
    context.close()


def test_the_countdown_is_announced_politely(server, console_page, phone_page):
    join_at_table(phone_page, server)
    say = phone_page.locator("#timer-say")
    expect(say).to_have_attribute("aria-live", "polite")
    # The ticking display is readable but not live: it is not announced every second.
    assert phone_page.locator("#timer").get_attribute("aria-live") is None
    assert phone_page.locator("[aria-live=assertive], [role=alert]:not([hidden])").count() == 0
    console_page.get_by_role("button", name="Start round 1").click()
    expect(say).to_have_text("20 minutes left.")
    console_page.get_by_role("button", name="Pause", exact=True).click()
    expect(say).to_have_text("Paused")
    console_page.get_by_role("button", name="Resume").click()
    expect(say).to_have_text("20 minutes left.")


def test_the_countdown_speaks_every_five_minutes_then_each_of_the_last_five(browser, server):
    """The real clock.js on the real phone page, on Playwright's clock: a 20-minute round."""
    page = browser.new_page()
    page.clock.install()
    page.goto(f"{server.url}/e/test-cafe/")  # the notice: translated strings, clock.js loaded
    expect(page.locator("#continue")).to_be_enabled()
    page.evaluate(
        """() => {
            const display = document.createElement("p"), say = document.createElement("p");
            document.body.append(display, say);
            window.said = [];
            window.ticks = 0;
            new MutationObserver(() => window.said.push(say.textContent))
                .observe(say, {childList: true, characterData: true, subtree: true});
            new MutationObserver(() => { window.ticks += 1; })
                .observe(display, {childList: true, characterData: true, subtree: true});
            const now = Date.now();
            new CafeCountdown(display, say).update({phase: "running", round: 1, started_at: now,
                paused_at: null, paused_total: 0, duration: 1200}, now);
        }"""
    )
    page.clock.run_for(20 * 60 * 1000 + 1500)
    assert page.evaluate("() => window.said") == [
        "20 minutes left.", "15 minutes left.", "10 minutes left.", "5 minutes left.",
        "4 minutes left.", "3 minutes left.", "Two minutes left in this round.",
        "One minute left.", "Time is up for this round.",
    ]
    assert page.evaluate("() => window.ticks") >= 1200  # while the display changed every second
    page.close()


CLEAR_OF_THE_NOTE = """() => {
    const a = document.getElementById("note-text").getBoundingClientRect();
    const b = document.querySelector("a[data-exit]").getBoundingClientRect();
    return a.bottom <= b.top || b.bottom <= a.top || a.right <= b.left || b.right <= a.left;
}"""


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    )


def test_at_200_percent_the_floating_exit_keeps_clear_of_the_note_being_typed(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    join_at_table(page, server)
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    expect(page.locator("body")).to_have_class("bar-tall")
    exit_link = page.locator("a[data-exit]")
    for scroll in ("start", "center", "end"):  # the box near the bottom, middle and top
        page.focus("#note-text")
        page.evaluate(
            "block => document.getElementById('note-text').scrollIntoView({block})", scroll
        )
        page.wait_for_function(CLEAR_OF_THE_NOTE)  # the button moves once the page has scrolled
        box, button = page.locator("#note-text").bounding_box(), exit_link.bounding_box()
        assert not _overlap(box, button), (scroll, box, button)
        expect(exit_link).to_be_in_viewport(ratio=1)
    context.close()


def test_the_sticky_bar_never_hides_what_has_the_focus(phone_page, server):
    join_at_table(phone_page, server)  # choosing the table moves the focus to the question
    expect(phone_page.locator("#question")).to_be_focused()
    bar = phone_page.locator("header.bar").bounding_box()
    question = phone_page.locator("#question").bounding_box()
    assert question["y"] >= bar["y"] + bar["height"], (bar, question)


def test_continue_says_joining_while_the_network_is_slow(phone_page, server):
    held = []
    phone_page.route("**/e/test-cafe/join", lambda route: held.append(route))
    phone_page.goto(f"{server.url}/e/test-cafe/t/1")
    phone_page.click("#continue")
    expect(phone_page.locator("#continue")).to_have_text("Joining…")
    expect(phone_page.locator("#continue")).to_be_disabled()
    expect(phone_page.locator("#say")).to_have_text("Joining…")
    held[0].continue_()
    expect(phone_page.locator("#where-table")).to_have_text("Table 1 · Oak")


def test_lifting_the_pause_returns_the_focus_to_the_question(server, console_page, phone_page):
    join_at_table(phone_page, server)
    console_page.get_by_role("button", name="Pause everyone").click()
    expect(phone_page.locator("#hold-title")).to_be_focused()
    console_page.get_by_role("button", name="Lift the pause").click()
    expect(phone_page.locator("#hold")).to_be_hidden()
    expect(phone_page.locator("#question")).to_be_focused()
