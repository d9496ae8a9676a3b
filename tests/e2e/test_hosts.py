"""Hosts per table in real browsers: a phone opens a table's host link and says how to find them,
the console names that person as the table's host; at a table hosted by seat 1 (the default), the
person in seat 1 says so on their phone and the console names them. axe checks both screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE
from e2e.test_axe import run_axe, summarise
from e2e.test_phone import join_at_table
from e2e.test_rotation import host_link

pytestmark = pytest.mark.e2e


def no_axe_violation(browser, base: str, path: str, ready: str, cookies=None, login=None,
                     act=None) -> None:
    """Open a page in a context that lets axe in (only these exist to run it) and assert axe
    finds no violation at all on it."""
    from e2e.conftest import LAPTOP, log_in

    context = browser.new_context(**(PHONE if cookies is not None else LAPTOP), bypass_csp=True)
    try:
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        if login:
            log_in(page, base, login)
        page.goto(base + path)
        if act:
            act(page)
        expect(page.locator(ready).first).to_be_visible()
        violations = run_axe(page)["violations"]
    finally:
        context.close()
    assert not violations, f"axe on {path}:\n{summarise(violations)}"


def test_the_console_names_each_tables_host_as_a_person(app, browser, server, console_page):
    console = console_page
    seat_default = console.locator("#host-now-1")
    expect(seat_default).to_contain_text("No host yet. Whoever sits at seat 1 hosts")
    expect(console.locator("#host-by-1")).to_have_value("seat")

    # Table 2 is hosted by whoever opens its host link, chosen from the keyboard.
    console.locator("#host-by-2").focus()
    console.keyboard.press("End")  # the last choice: "Whoever opens the host link"
    expect(console.locator("#host-now-2")).to_contain_text("Whoever opens the host link hosts")
    expect(console.locator("#host-by-2")).to_be_focused()  # kept through the redraw

    # A phone opens table 2's host link and says how the facilitator will find them.
    host = browser.new_context(**PHONE).new_page()
    host.goto(server.url + host_link(app, 2))
    host.click("#continue")
    expect(host.locator("#host-title")).to_have_text("You host table 2 · Ash")
    expect(host.locator("#seat-host")).to_be_hidden()
    host.fill("#host-label", "Priya, green coat")
    host.get_by_role("button", name="Tell the facilitator").click()
    expect(host.locator("#host-label-status")).to_have_text(
        "The facilitator now sees: Priya, green coat"
    )
    ash = console.locator("#host-now-2")
    expect(ash).to_contain_text("“Priya, green coat”")
    expect(ash).to_contain_text("hosts: opened the host link.")

    # axe on the seat-1 offer, as a phone at table 1 sees it before anyone hosts there.
    no_axe_violation(browser, server.url, "/e/test-cafe/t/1", "#seat-host-yes", cookies=[],
                     act=lambda page: page.click("#continue"))

    # Table 1 keeps the default: the person in seat 1 says so on their phone.
    seat_one = browser.new_context(**PHONE).new_page()
    join_at_table(seat_one, server, table=1)
    neighbour = browser.new_context(**PHONE).new_page()
    join_at_table(neighbour, server, table=1)
    expect(neighbour.locator("#seat-host")).to_be_visible()
    offer = seat_one.locator("#seat-host")
    expect(offer).to_be_visible()
    seat_one.get_by_role("button", name="I am in seat 1").click()
    expect(seat_one.locator("#host-title")).to_have_text("You host table 1 · Oak")
    expect(seat_one.locator("#host-title")).to_be_focused()
    expect(offer).to_be_hidden()
    expect(neighbour.locator("#seat-host")).to_be_hidden()  # told at once: the table has a host
    # The phone shows the name the console knows them by; the console says the same.
    known = seat_one.locator("#host-known-as")
    expect(known).to_contain_text("On the facilitator's screen you are ")
    pseudonym = known.text_content().split(" you are ")[1].rstrip(".")
    expect(seat_default).to_have_text(f"{pseudonym} (the name on their phone) hosts: sits at seat 1.")
    seat_one.fill("#host-label", "Tom")
    seat_one.keyboard.press("Enter")  # the form sends on Enter
    expect(seat_default).to_contain_text("“Tom”")

    # Someone who sits down later at table 1 is not offered seat 1: it has a host.
    later = browser.new_context(**PHONE).new_page()
    join_at_table(later, server, table=1)
    expect(later.locator("#seat-host")).to_be_hidden()

    # axe: the console with its hosts, a host's phone with the words form, the seat-1 offer.
    no_axe_violation(browser, server.url, "/console/test-cafe", "#host-now-1", login="fac")
    cookie = host.context.cookies()
    no_axe_violation(browser, server.url, "/e/test-cafe/t/2", "#host-label", cookies=cookie)
    for page in (host, seat_one, later, neighbour):
        page.context.close()
