"""Staff pages fit a 400 px wide window and a long unbroken name never pushes a page sideways."""

from __future__ import annotations

import pytest
from test_workspace import event, result, synthesize  # noqa: F401 - fixture

from cafe.actions import do_create_user
from cafe.actions.synthesis.edits import do_rename_theme
from conftest import PASSWORD, LiveServer, free_port
from e2e.conftest import log_in

pytestmark = pytest.mark.e2e

LONG_NAME = "Supportandadvice" * 7 + "x" * 8  # 120 letters with nowhere to break, as a pasted link would be


def sideways(page) -> tuple[int, list[str]]:
    """Return how far the page scrolls sideways and the first elements that stick out."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const out = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1).slice(0, 5)
                .map(e => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
            return [document.documentElement.scrollWidth - width, out];
        }"""
    )


@pytest.fixture
def served(app, event, db_path):  # noqa: F811
    synthesize(app, event)
    theme = result(app, event).themes[0]
    with app.app_context():
        do_rename_theme(event, "staffer", theme.key, LONG_NAME)
        do_create_user("boss", PASSWORD, "admin")
    live = LiveServer(db_path, free_port()).start()
    yield live, theme.key
    live.stop()


@pytest.mark.parametrize("width", [400, 1366])
def test_a_long_theme_name_stays_inside_the_page(browser, served, width):
    live, key = served
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live.url, "staffer")
    for path in ("/workspace/test-cafe", f"/workspace/test-cafe/theme/{key}"):
        page.goto(live.url + path)
        assert LONG_NAME in page.content()
        overflow, widest = sideways(page)
        assert overflow <= 0, (path, width, overflow, widest)
        # And no card's content spills past the card's own edge.
        spill = page.evaluate(
            """() => Math.max(0, ...[...document.querySelectorAll('.card, .theme-card')].map(
                   card => card.scrollWidth - card.clientWidth))"""
        )
        assert spill <= 0, (path, width, spill)
    context.close()


def test_staff_lists_fit_a_narrow_window(browser, served):
    live, _ = served
    context = browser.new_context(viewport={"width": 400, "height": 900})
    page = context.new_page()
    log_in(page, live.url, "staffer")
    for path in ("/console/", "/workspace/test-cafe/audit", "/briefings/test-cafe"):
        page.goto(live.url + path)
        overflow, widest = sideways(page)
        assert overflow <= 0, (path, overflow, widest)
    context.close()
    context = browser.new_context(viewport={"width": 400, "height": 900})
    page = context.new_page()
    log_in(page, live.url, "fac")
    page.goto(live.url + "/console/test-cafe")
    overflow, widest = sideways(page)
    assert overflow <= 0, ("console", overflow, widest)
    context.close()
    context = browser.new_context(viewport={"width": 400, "height": 900})
    page = context.new_page()
    log_in(page, live.url, "boss")
    page.goto(live.url + "/accounts")  # four columns, two buttons a row
    overflow, widest = sideways(page)
    assert overflow <= 0, ("accounts", overflow, widest)
    context.close()
