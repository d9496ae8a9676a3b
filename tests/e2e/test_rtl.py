"""Mixed directions in real Chromium: Latin names and numbers keep their place in Urdu, and a long
Bengali legend stays in its box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_urdu_phone_keeps_the_table_number_by_the_table_and_the_round_by_its_count(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ur")
    page = context.new_page()
    page.goto(f"{server.url}/e/test-cafe/t/1?lang=ur")
    page.click("#continue")
    expect(page.locator("#where-table bdi")).to_have_count(2)
    expect(page.locator("#where-table bdi").nth(1)).to_have_text("Oak")
    # Urdu says "of 2, round 1": the count comes first, read from the right.
    expect(page.locator("#where-round bdi")).to_have_text(["2", "1"])
    boxes = page.evaluate("""() => {
        const box = e => e.getBoundingClientRect();
        const [number, name] = document.querySelectorAll('#where-table bdi');
        const [count, round] = document.querySelectorAll('#where-round bdi');
        return {number: box(number), name: box(name), count: box(count), round_no: box(round),
                table: box(document.getElementById('where-table')),
                round: box(document.getElementById('where-round'))};
    }""")
    # Right to left: the table part comes first (on the right), its number before its name, and
    # the round's words stay together after it, on the left.
    assert boxes["table"]["left"] >= boxes["round"]["right"] - 1, boxes
    assert boxes["number"]["left"] >= boxes["name"]["right"] - 1, boxes
    assert boxes["count"]["left"] >= boxes["round_no"]["right"] - 1, boxes
    context.close()


@pytest.mark.parametrize("size", [(320, 568), (390, 844)])
def test_a_bengali_consent_legend_stays_inside_its_box(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="bn")
    page = context.new_page()
    page.goto(f"{server.url}/e/test-cafe/t/1?lang=bn")
    page.click("#continue")
    expect(page.locator("#note-form legend")).to_be_visible()
    for zoom in ("", "200%"):
        page.evaluate(f"() => {{ document.documentElement.style.fontSize = '{zoom}'; }}")
        inside = page.evaluate("""() => {
            const f = document.querySelector('#note-form fieldset').getBoundingClientRect();
            const l = document.querySelector('#note-form legend').getBoundingClientRect();
            return l.left >= f.left - 0.5 && l.right <= f.right + 0.5 && l.top >= f.top - 1
                   && l.bottom <= f.bottom && document.documentElement.scrollWidth <= innerWidth;
        }""")
        assert inside, (size, zoom)
    context.close()
