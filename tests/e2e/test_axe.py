"""axe-core on every screen: no serious or critical violation, phone and laptop, English and Urdu.

axe-core is vendored from the npm registry in tests/e2e/vendor/axe-core/. Our pages forbid inline
and injected scripts (CSP `script-src 'self'`), so only the contexts made here, which exist to run
axe, are opened with Playwright's `bypass_csp=True`; every other browser test keeps the real CSP.

A new screen is one more line in SCREENS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from e2e.conftest import wall_url

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SIZES = {
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}
LANGUAGES = {"en": "en-GB", "ur": "ur"}  # the browser's language picks the page's (Urdu is rtl)
BLOCKING = ("serious", "critical")


def _write_a_note(page: Page) -> None:
    page.click("#continue")
    page.fill("#note-text", "Allies listen first")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#mine .badge.saved")).to_have_count(1)


@dataclass(frozen=True)
class Screen:
    """One screen to check: where it is, who may see it, and what shows it has settled."""

    name: str
    path: str  # "{wall}" stands for the wall's tokened URL
    role: str | None = None  # a user name from the fixtures, logged in first
    ready: str = "main"  # a selector that is visible once the screen has settled
    act: Callable[[Page], None] | None = None  # steps to reach the state to check
    has_text: bool = True  # False for the blank exit page: no text, so no contrast to check


SCREENS = [
    Screen("join", "/"),
    Screen("join-wrong-code", "/join?code=NOPE", ready="#code-error"),
    Screen("join-link-expired", "/j/NOPE", ready="#code-error"),
    Screen("not-found", "/e/no-such-cafe/"),
    Screen("forbidden", "/safeguarding/test-cafe", role="staffer"),
    Screen("bad-request", "/console/test-cafe/print/seats?people=many", role="fac"),
    Screen("phone-notice", "/e/test-cafe/", ready="#continue:enabled"),
    Screen("phone-tables", "/e/test-cafe/", ready="#table-list button",
           act=lambda page: page.click("#continue")),
    Screen("phone-notes", "/e/test-cafe/t/1", ready="#mine li", act=_write_a_note),
    Screen("exit", "/exit", has_text=False),
    Screen("login", "/login", ready="#username"),
    Screen("events", "/console/", role="fac", ready="table.list"),
    Screen("console", "/console/test-cafe", role="fac", ready=".note"),
    Screen("wall", "{wall}", ready="#wall-notes li"),
    Screen("safeguarding", "/safeguarding/test-cafe", role="lead", ready="#items li"),
    Screen("print-table-cards", "/console/test-cafe/print/tables", role="fac", ready=".table-card"),
    Screen("print-seat-cards", "/console/test-cafe/print/seats", role="fac", ready=".seat-card"),
    Screen("workspace", "/workspace/test-cafe", role="staffer", ready="h1"),
    Screen("workspace-audit", "/workspace/test-cafe/audit", role="staffer", ready="h1"),
    Screen("briefings", "/briefings/test-cafe", role="staffer", ready="h1"),
]


@pytest.fixture
def seeded(app):
    """Give every screen something to show: a wall note, a note awaiting approval, a disclosure."""
    from cafe import queries
    from cafe.actions import do_create_user, do_join_event, do_set_wall, do_submit_note
    from cafe.actions.common import NoteDraft
    from cafe.db import reading

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        participant, _token = do_join_event(event, 2)
        texts = [
            ("a", "Funding should follow the community"),
            ("b", "Share the agenda before the meeting"),
            ("c", "My husband hit me last night and I am scared to go home"),
        ]
        notes = [do_submit_note(event, participant, NoteDraft(cid, text, "quote"))[0]
                 for cid, text in texts]
        do_set_wall(event, notes[0]["id"], "approved")
    return app


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#username")).to_have_count(0)


def run_axe(page: Page) -> dict:
    """Inject axe-core into the page and return its results for WCAG 2.x A and AA and best practice."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "wcag22aa", "best-practice"]},
            resultTypes: ["violations"]
        })"""
    )


def summarise(violations: list[dict]) -> str:
    """Return a readable account of axe violations: rule, impact, what to fix and where."""
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"      at {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"      … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_no_serious_accessibility_violation(browser, server, seeded, screen):
    failures = []
    for size, options in SIZES.items():
        for lang, locale in LANGUAGES.items():
            context = browser.new_context(**options, locale=locale, bypass_csp=True)
            try:
                page = context.new_page()
                if screen.role:
                    _log_in(page, server.url, screen.role)
                path = screen.path
                if "{wall}" in path:  # the console links the wall with its token
                    _log_in(page, server.url, "fac")
                    page.goto(f"{server.url}/console/test-cafe")
                    path = wall_url(page.content())
                page.goto(server.url + path)
                if screen.act:
                    screen.act(page)
                expect(page.locator(screen.ready).first).to_be_visible()
                results = run_axe(page)
            finally:
                context.close()
            ran = {r["id"] for kind in ("passes", "violations", "incomplete") for r in results[kind]}
            assert "color-contrast" in ran or not screen.has_text, f"axe did not check contrast on {screen.name}"
            blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
            if blocking:
                failures.append(f"{screen.name} at {size} size in {lang}:\n{summarise(blocking)}")
    assert not failures, "axe-core found serious or critical problems:\n" + "\n".join(failures)
