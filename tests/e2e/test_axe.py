"""axe-core on every screen: no serious or critical violation, phone and laptop, English and Urdu.

axe-core is vendored from the npm registry in tests/e2e/vendor/axe-core/. Our pages forbid inline
and injected scripts (CSP `script-src 'self'`), so only the contexts made here, which exist to run
axe, are opened with Playwright's `bypass_csp=True`; every other browser test keeps the real CSP.

A new screen is one more line in SCREENS; a screen in a live state of the café (a rotation, a
host's briefing, the harvest, themes and briefing drafts) is one more line in LIVE_SCREENS, whose
café is set up once for the module with the real server actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PLAN, LiveServer, free_port
from e2e.conftest import log_in, wall_url

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


def _ask_to_leave(page: Page) -> None:
    _write_a_note(page)
    page.click("#leave")


def _leave(page: Page) -> None:
    _ask_to_leave(page)
    page.click("#leave-yes")


@dataclass(frozen=True)
class Screen:
    """One screen to check: where it is, who may see it, and what shows it has settled."""

    name: str
    path: str  # "{wall}" stands for the wall's tokened URL
    role: str | None = None  # a user name from the fixtures, logged in first
    ready: str = "main"  # a selector that is visible once the screen has settled
    act: Callable[[Page], None] | None = None  # steps to reach the state to check
    has_text: bool = True  # False for the blank exit page: no text, so no contrast to check
    participant: str | None = None  # the live café's participant whose phone this is


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
    Screen("phone-leave-confirm", "/e/test-cafe/t/1", ready="#leave-yes", act=_ask_to_leave),
    Screen("phone-goodbye", "/e/test-cafe/t/1", ready="#come-back", act=_leave),
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
    Screen("new-event", "/events/new", role="fac", ready="#from-own"),
    Screen("accounts", "/accounts", role="boss", ready="table.list"),
]


@contextmanager
def served_cafe(directory: Path, fill: Callable[[Any], Any]) -> Iterator[tuple[LiveServer, Any]]:
    """Make a database with the test event, a facilitator and a staff member, let `fill(app)` set
    the scene with the real actions, then serve it with `cafe serve`; yield the server and what
    `fill` returned. The screens share it: one server and setup per module keeps the file fast."""
    from cafe import create_app
    from cafe.actions import do_create_event, do_create_user
    from cafe.db import close_app
    from cafe.plans import load_plan

    db_path = directory / "cafe.db"
    app = create_app(
        {"CAFE_DATABASE": str(db_path), "SECRET_KEY": "test-secret", "CAFE_ASYNC_MODE": "threading"}
    )
    try:
        with app.app_context():
            do_create_event(load_plan(PLAN))
            do_create_user("fac", PASSWORD, "facilitator")
            do_create_user("staffer", PASSWORD, "staff")
            filled = fill(app)
        server = LiveServer(db_path, free_port()).start()
        try:
            yield server, filled
        finally:
            server.stop()
    finally:
        close_app(app)


def _seed(app) -> None:
    """Give every screen something to show: a wall note, a note awaiting approval, a disclosure."""
    from cafe.actions import do_create_user, do_join_event, do_set_wall, do_submit_note
    from cafe.actions.common import NoteDraft

    do_create_user("lead", PASSWORD, "safeguarding")
    do_create_user("boss", PASSWORD, "admin")
    event = _event("test-cafe")
    participant, _token = do_join_event(event, 2)
    texts = [
        ("a", "Funding should follow the community"),
        ("b", "Share the agenda before the meeting"),
        ("c", "My husband hit me last night and I am scared to go home"),
    ]
    notes = [do_submit_note(event, participant, NoteDraft(cid, text, "quote"))[0]
             for cid, text in texts]
    do_set_wall(event, notes[0]["id"], "approved")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One `cafe serve` for the SCREENS, seeded once."""
    with served_cafe(tmp_path_factory.mktemp("axe"), _seed) as (server, _):
        yield server


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


def check_screen(browser, base: str, screen: Screen, path: str,
                 cookies: list[dict] | None = None) -> list[str]:
    """Run axe on one screen at each size and language; return what blocks, readably."""
    failures = []
    for size, options in SIZES.items():
        for lang, locale in LANGUAGES.items():
            context = browser.new_context(**options, locale=locale, bypass_csp=True)
            try:
                if cookies:
                    context.add_cookies(cookies)
                page = context.new_page()
                if screen.role:
                    log_in(page, base, screen.role)
                page.goto(base + path)
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
    return failures


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_no_serious_accessibility_violation(browser, seeded, screen):
    server, path = seeded, screen.path
    if "{wall}" in path:  # the console links the wall with its token
        context = browser.new_context()
        page = context.new_page()
        log_in(page, server.url, "fac")
        page.goto(f"{server.url}/console/test-cafe")
        path = wall_url(page.content())
        context.close()
    failures = check_screen(browser, server.url, screen, path)
    assert not failures, "axe-core found serious or critical problems:\n" + "\n".join(failures)


# ---- screens in the café's live states ----------------------------------------------------------


def _visible(*selectors: str) -> Callable[[Page], None]:
    """Wait until each selector shows, besides the screen's `ready` one."""

    def act(page: Page) -> None:
        for selector in selectors:
            expect(page.locator(selector).first).to_be_visible()

    return act


def _cloud_loaded(page: Page) -> None:
    expect(page.locator("img.cloud").first).to_be_visible()
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth)")


LIVE_SCREENS = [
    # The facilitator ended round 1: a traveller is told where to go; the host stays and is
    # briefed with the table's earlier notes and shares insights.
    Screen("phone-move", "/e/move-cafe/", participant="traveller", ready="#move-confirm",
           act=_visible("#move-name")),
    Screen("phone-host", "/e/move-cafe/", participant="host", ready="#recap li",
           act=_visible("#host-insights li", "#insight-form", "#move-title")),
    # The harvest: the wall's word cloud and insights with their dots; a phone voting.
    Screen("wall-harvest", "{harvest_wall}", ready="#wall-insights li",
           act=_visible("#cloud li", ".insight-dots")),
    Screen("phone-harvest", "/e/harvest-cafe/", participant="voter", ready="#vote-list li",
           act=_visible("#dots-left")),
    # Staff after a synthesis run: themes as cards with word clouds, a theme, the unthemed notes.
    Screen("workspace-themes", "/workspace/test-cafe", role="staffer", ready=".theme-card h3",
           act=_cloud_loaded),
    Screen("workspace-theme", "/workspace/test-cafe/theme/{theme}", role="staffer",
           ready=".ws-notes li"),
    Screen("workspace-unthemed", "/workspace/test-cafe/unthemed", role="staffer",
           ready=".ws-notes li"),
    # A briefing draft made from those themes, then edited.
    Screen("briefing-editor", "/briefings/test-cafe/drafts/{draft}", role="staffer",
           ready="#preview h2"),
    Screen("briefing-version", "/briefings/test-cafe/drafts/{draft}/versions/1", role="staffer",
           ready=".diff"),
    Screen("briefing-regenerate", "/briefings/test-cafe/drafts/{draft}/regenerate",
           role="staffer", ready="fieldset.conflict"),
    Screen("briefing-print", "/briefings/test-cafe/drafts/{draft}/print", role="staffer",
           ready="#print-button"),
    Screen("briefing-delete", "/briefings/test-cafe/drafts/{draft}/delete", role="staffer",
           ready="#confirm-delete"),
]


def _event(slug: str) -> dict:
    from cafe import queries
    from cafe.db import reading

    with reading() as db:
        return queries.event_by_slug(db, slug)


def _person(participant: dict) -> dict:
    from cafe import queries
    from cafe.db import reading

    with reading() as db:
        return queries.participant(db, participant["id"])


def _round(slug: str, *steps: str) -> None:
    """Move a café on as the console's buttons do."""
    from cafe.actions import do_change_round

    for action in steps:
        do_change_round(_event(slug), action, {})


def _rotation_cafe(tokens: dict[str, str]) -> None:
    """Round 1 ended at 'move-cafe': a traveller is to move to table 2, table 1's host stays."""
    from cafe.actions import do_create_event, do_join_event, do_set_wall, do_submit_note
    from cafe.actions.common import NoteDraft
    from cafe.actions.hosts import do_set_host
    from cafe.actions.insights import do_submit_insight
    from cafe.plans import load_plan

    event = do_create_event(load_plan(PLAN), slug="move-cafe")
    host, tokens["host"] = do_join_event(event, 1)
    traveller, tokens["traveller"] = do_join_event(event, 1)
    do_join_event(event, 2)
    do_set_host(event, host["id"], 1)
    _round("move-cafe", "start_round")
    event = _event("move-cafe")
    for n, text in enumerate(["We need shared budgets", "Listen before you advise"]):
        note, _new = do_submit_note(event, traveller, NoteDraft(f"move-{n}", text, "quote"))
        do_set_wall(event, note["id"], "approved")  # the host's recap holds approved notes only
    do_submit_insight(event, _person(host), "insight-1", "Budgets should be shared openly")
    _round("move-cafe", "end_round")


def _harvest_cafe(tokens: dict[str, str]) -> str:
    """The harvest at 'harvest-cafe': approved notes make a cloud, hosts' insights carry dots;
    return the wall's path."""
    from cafe.actions import do_create_event, do_join_event, do_set_wall, do_submit_note
    from cafe.actions.common import NoteDraft
    from cafe.actions.dots import do_set_dots
    from cafe.actions.hosts import do_set_host
    from cafe.actions.insights import do_set_insight_wall, do_submit_insight
    from cafe.plans import load_plan

    event = do_create_event(load_plan(PLAN), slug="harvest-cafe")
    people = [do_join_event(event, 1 + i % 2) for i in range(4)]
    (host, _), (voter, tokens["voter"]) = people[0], people[1]
    do_set_host(event, host["id"], 1)
    _round("harvest-cafe", "start_round")
    event = _event("harvest-cafe")
    for i, (person, _token) in enumerate(people):
        note, _new = do_submit_note(
            event, person, NoteDraft(f"h-{i}", "Shared funding keeps partnerships fair", "quote")
        )
        do_set_wall(event, note["id"], "approved")
    insights = [
        do_submit_insight(event, _person(host), f"hi-{n}", text)[0]
        for n, text in enumerate(["Fund the small groups", "Interpreters from outside"])
    ]
    for insight in insights:  # on the wall and up for votes once approved
        do_set_insight_wall(event, insight["id"], "approved")
    _round("harvest-cafe", "end_round", "start_round", "end_round", "start_harvest")
    event = _event("harvest-cafe")
    do_set_dots(event, _person(voter), insights[0]["id"], 2)
    return f"/wall/harvest-cafe?token={event['wall_token']}"


def _themed_cafe(app) -> dict[str, int]:
    """Notes at 'test-cafe' themed by a synthesis run and curated by staff, one note written
    after the run, and a briefing draft from the themes that staff then edited."""
    from test_workspace import TOPICS, synthesize

    from cafe.actions import do_join_event, do_submit_note
    from cafe.actions.briefing import do_autosave, do_create_draft
    from cafe.actions.common import NoteDraft
    from cafe.actions.synthesis.edits import (
        do_rename_theme,
        do_set_excluded,
        do_set_locked,
        do_set_pinned,
    )
    from cafe.actions.synthesis.result import current_result
    from cafe.briefing import Selection
    from cafe.briefing_reads import load_result, load_source
    from cafe.db import reading

    event = _event("test-cafe")
    writers = [do_join_event(event, 1 + i % 2)[0] for i in range(6)]
    texts = [text for topic in TOPICS.values() for text in topic]
    for n, text in enumerate(texts):
        consent = ("quote", "paraphrase", "none")[n % 3]
        do_submit_note(event, writers[n % 6], NoteDraft(f"t-{n}", text, consent, round_no=1))
    synthesize(app, event)
    do_submit_note(event, writers[0], NoteDraft("t-late", "Childcare during meetings", "quote"))
    with reading() as db:
        result = current_result(db, event["id"])
    first = result.themes[0]
    do_set_locked(event, "staffer", int(first.key), True)
    do_set_pinned(event, "staffer", first.representative_ids[-1], True)
    do_set_excluded(event, "staffer", result.themes[1].note_ids[0], True)
    with reading() as db:
        source, result = load_source(db, event), load_result(db, event["id"])
    draft = do_create_draft(event, source, result, Selection(), "staffer")
    with reading() as db:
        revision, markdown = db.execute(
            "SELECT revision, markdown FROM briefing_drafts WHERE id = ?", [draft]
        ).fetchone()
    edited = markdown.replace("\n## ", "\n## Calls for change\n\n- Fund interpreters\n\n## ", 1)
    # Staff also add to the line naming the first theme, which is then renamed: regenerating
    # brings the new name in and asks about that line (a conflict to choose), all on one page.
    named = next(line for line in edited.split("\n") if first.label in line)
    edited = edited.replace(named, named + " Staff's own words.", 1)
    do_autosave(event["id"], draft, edited, revision, "staffer")
    do_rename_theme(event, "staffer", int(first.key), "Interpreters we can trust")
    return {"theme": int(first.key), "draft": draft}


@pytest.fixture(scope="module")
def live_cafe(tmp_path_factory):
    """One `cafe serve` for every live screen, its cafés set up once."""
    tokens: dict[str, str] = {}

    def fill(app) -> dict:
        _rotation_cafe(tokens)
        return {"harvest_wall": _harvest_cafe(tokens), **_themed_cafe(app)}

    with served_cafe(tmp_path_factory.mktemp("axe-live"), fill) as (server, fields):
        yield server, fields, tokens


@pytest.mark.parametrize("screen", LIVE_SCREENS, ids=[s.name for s in LIVE_SCREENS])
def test_no_serious_accessibility_violation_in_live_states(browser, live_cafe, screen):
    server, fields, tokens = live_cafe
    cookies = None
    if screen.participant:  # the phone holds that participant's cookie, as after joining
        slug = screen.path.split("/")[2]
        cookies = [{"name": f"cafe_p_{slug}", "value": tokens[screen.participant],
                    "url": server.url}]
    failures = check_screen(browser, server.url, screen, screen.path.format(**fields), cookies)
    assert not failures, "axe-core found serious or critical problems:\n" + "\n".join(failures)
