"""The projector wall in real Chromium: it fits the screen and shows every note of the round in time."""

from __future__ import annotations

import random
import time

import pytest
from playwright.sync_api import expect

from cafe.web.wall import CYCLE_SECONDS

pytestmark = pytest.mark.e2e

SCREENS = [(1280, 720), (1920, 1080), (3840, 2160)]
WORDS = ("community funding listen trust share agenda meeting partners voice youth housing stories "
         "respect time ideas power language support childcare transport evening").split()


def _text(rng: random.Random, i: int) -> str:
    return f"Note {i}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))


@pytest.fixture
def full_wall(app, server):
    """150 approved notes of round 1 (the current round), 5 of round 2; return the wall's base link."""
    from cafe import queries
    from cafe.actions import do_join_event, do_set_wall, do_submit_note
    from cafe.actions.clock import do_change_round
    from cafe.actions.common import NoteDraft
    from cafe.db import reading

    rng = random.Random(22)
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        people = [do_join_event(event, table)[0] for table in (1, 2)]
        texts = [_text(rng, i) for i in range(155)]
        ids = []

        def write(i: int, round_no: int) -> None:
            with reading() as db:  # the server places a note in the round that is running
                now = queries.event_by_slug(db, "test-cafe")
            note, _ = do_submit_note(now, people[i % 2],
                                     NoteDraft(f"n{i}", texts[i], "quote", None, round_no))
            do_set_wall(now, note["id"], "approved")
            ids.append(note["id"])

        do_change_round(event, "start_round", {"round": 2})  # 5 notes of another round first
        for i in range(150, 155):
            write(i, 2)
        do_change_round(event, "end_round", {})
        do_change_round(event, "start_round", {"round": 1})  # then the current round's 150
        for i in range(150):
            write(i, 1)
    return f"{server.url}/wall/test-cafe?token={event['wall_token']}", set(ids[5:])


def _look(page) -> dict:
    return page.evaluate("""() => {
        const stage = document.getElementById('stage').getBoundingClientRect();
        const cards = [...document.querySelectorAll('#wall-notes li')];
        return {
            ids: cards.map(li => Number(li.dataset.id)),
            fits: document.documentElement.scrollHeight <= innerHeight
                  && document.documentElement.scrollWidth <= innerWidth,
            inside: cards.every(li => { const r = li.getBoundingClientRect();
                                        return r.top >= stage.top - 1 && r.bottom <= stage.bottom + 1
                                               && r.left >= stage.left - 1 && r.right <= stage.right + 1; }),
            page: document.getElementById('wall').dataset.page,
        };
    }""")


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_fits_the_screen_and_turns_through_every_note(browser, full_wall, size):
    base, approved = full_wall
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(base + "&seconds=0.3")
    expect(page.locator("#wall-notes li").first).to_be_visible()
    expect(page.locator("#question")).to_have_text("What does good allyship look like?")
    pages = int(page.locator("#wall").get_attribute("data-pages"))
    assert pages > 1
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while seen != approved and time.monotonic() < deadline:
        look = _look(page)
        assert look["fits"], f"the document scrolls at {size}"
        assert look["inside"], f"a note is cut off at {size}, page {look['page']}"
        seen.update(look["ids"])
        assert seen <= approved, "a note of another round is on the wall"
        page.wait_for_timeout(100)
    assert seen == approved, f"{len(approved - seen)} notes never shown"
    # Newest first: the first page starts with the last note approved.
    page.close()


@pytest.mark.parametrize("size", [SCREENS[0], SCREENS[1]], ids=lambda s: f"{s[0]}x{s[1]}")
def test_default_pace_shows_every_page_within_two_minutes(browser, full_wall, size):
    base, _ = full_wall
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(base)
    expect(page.locator("#wall-notes li").first).to_be_visible()
    wall = page.locator("#wall")
    pages = int(wall.get_attribute("data-pages"))
    interval = float(wall.get_attribute("data-interval"))
    assert pages > 1
    assert interval <= 15
    assert interval * pages <= CYCLE_SECONDS == 120
    assert interval >= 5, "pages turn too fast to read"
    assert _look(page)["fits"]
    # Newest first, and the footer says where the wall is.
    assert page.locator("#wall-notes li").first.inner_text().startswith("Note 149:")
    expect(page.locator("#page-line")).to_contain_text(f"Page 1 of {pages}")
    expect(page.locator("#page-line")).to_contain_text("150 notes this round")
    page.close()


def test_reduced_motion_turns_pages_without_animation(browser, full_wall):
    base, _ = full_wall
    context = browser.new_context(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    page = context.new_page()
    page.goto(base + "&seconds=0.5")
    expect(page.locator("#wall-notes li").first).to_be_visible()
    duration = page.evaluate("getComputedStyle(document.getElementById('wall-notes')).transitionDuration")
    assert duration == "0s"
    expect(page.locator("#wall")).to_have_attribute("data-page", "1")
    context.close()


def test_wall_refuses_a_nonsense_pace(client, app):
    from cafe import queries
    from cafe.db import reading

    with app.app_context(), reading() as db:
        token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    assert client.get(f"/wall/test-cafe?token={token}&seconds=fast").status_code == 400
    assert client.get(f"/wall/test-cafe?token={token}&seconds=0").status_code == 400
    assert client.get(f"/wall/test-cafe?token={token}&seconds=5").status_code == 200
