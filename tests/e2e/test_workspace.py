"""Staff run a synthesis and curate the themes in real Chromium against a real `cafe serve`."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_workspace import event  # noqa: F401 - fixture

from conftest import LiveServer, free_port
from e2e.conftest import LAPTOP, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(app, event, db_path):  # noqa: F811
    """Serve the test event, its notes already written."""
    live = LiveServer(db_path, free_port()).start()
    yield live
    live.stop()


def open_workspace(browser, base: str):
    """Log a staff member in on a laptop-sized page and open the test event's workspace; return
    the context, the page and the list its script errors go to."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "staffer")
    page.goto(f"{base}/workspace/test-cafe")
    return context, page, errors


def test_staff_run_synthesis_rename_and_merge(browser, served):
    context, page, errors = open_workspace(browser, served.url)
    expect(page.locator("#no-themes")).to_be_visible()

    page.get_by_role("button", name="Run synthesis").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    # The page polls the run and reloads itself when it is done.
    cards = page.locator(".theme-card [id^=theme-title-]")  # h4 under a question, else h3
    expect(cards.first).to_be_visible(timeout=180_000)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    count = cards.count()
    assert count >= 2

    cloud = page.locator("img.cloud").first
    assert cloud.get_attribute("alt").startswith("Word cloud of ")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=cloud.element_handle()
    )
    assert cloud.evaluate("img => img.naturalWidth") > 0

    first = page.locator(".theme-card").first
    first.locator("summary").click()
    # The server not answering (its status address fails): nothing is sent, the page stays with
    # the typed name, and says why; once it answers, the same button renames.
    page.route("**/run.json", lambda route: route.abort())
    first.get_by_label("Name").fill("Safe housing after refuge")
    first.get_by_role("button", name="Rename").click()
    expect(page.locator("#server-down")).to_contain_text("server is not answering")
    expect(page.locator("#flash")).to_be_focused()
    expect(first.get_by_label("Name")).to_have_value("Safe housing after refuge")
    page.unroute("**/run.json")
    first.get_by_role("button", name="Rename").click()
    expect(page.locator("#flash")).to_contain_text("Theme renamed.")
    expect(cards.first).to_have_text("Safe housing after refuge")

    boxes = page.get_by_role("checkbox", name="Merge")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Merge the ticked themes").click()
    expect(page.locator("#flash")).to_contain_text("Merged 2 themes")
    expect(cards).to_have_count(count - 1)

    page.get_by_role("link", name="Change log").click()
    expect(page.locator("table.audit tbody tr")).to_have_count(3)
    expect(page.locator("table.audit")).to_contain_text("Merged themes")
    context.close()
    assert not errors, errors


def test_staff_watch_a_slow_run_cancel_it_and_run_again(browser, app, event, db_path,  # noqa: F811
                                                         monkeypatch):
    from cafe.actions.synthesis.worker import SLOW_ENV

    monkeypatch.setenv(SLOW_ENV, "60")  # a deliberately slow real worker
    live = LiveServer(db_path, free_port()).start()
    try:
        context, page, errors = open_workspace(browser, live.url)
        page.get_by_role("button", name="Run synthesis").click()
        # Running: the step and percentage from the worker itself, the run button disabled.
        expect(page.locator("#run-message")).to_contain_text("%)", timeout=120_000)
        expect(page.locator("#run-button")).to_be_disabled()
        page.get_by_role("button", name="Cancel this synthesis run").click()
        expect(page.locator("#flash")).to_contain_text("Synthesis cancelled.")
        expect(page.locator("#run-message")).to_contain_text("was cancelled by staffer")
        expect(page.locator("#cancel-form")).to_have_count(0)
        expect(page.locator("#no-themes")).to_be_visible()
        page.get_by_role("button", name="Run again").click()
        expect(page.locator("#cancel-form")).to_be_visible()
        context.close()
        assert not errors, errors
    finally:
        live.stop()


def test_a_runs_counts_are_said_every_few_seconds_and_each_new_step_at_once(
        browser, app, event, db_path):  # noqa: F811
    import json
    import os

    from cafe.actions.synthesis.runs import do_start_run

    with app.app_context():
        do_start_run(event, "boss", pid=os.getpid())  # a run under way: the page follows it
    # The worker's progress, as run.json would report it, one answer per poll (the last repeats).
    answers = [("Encoding the notes: 8 of 100", 0.10), ("Encoding the notes: 16 of 100", 0.12)]
    answers += [("Encoding the notes: 24 of 100", 0.14)] * 10 + [("Grouping notes into themes", 0.3)]

    def answer(route):
        text, progress = answers.pop(0) if len(answers) > 1 else answers[0]
        route.fulfill(content_type="application/json", body=json.dumps(
            {"run": {"status": "running", "progress": progress, "message": text}}))

    live = LiveServer(db_path, free_port()).start()
    try:
        context = browser.new_context(**LAPTOP)
        context.route("**/workspace/test-cafe/run.json*", answer)
        page = context.new_page()
        log_in(page, live.url, "staffer")
        page.goto(f"{live.url}/workspace/test-cafe")
        message, bar = page.locator("#run-message"), page.get_by_role("progressbar")
        expect(message).to_contain_text("Encoding the notes: 8 of 100")
        # The next count moves the bar at once, but the live region keeps its words for now.
        expect(bar).to_have_attribute("aria-valuenow", "12")
        expect(message).to_contain_text("Encoding the notes: 8 of 100")
        expect(bar).to_have_attribute("aria-valuenow", "14")
        expect(message).to_contain_text("Encoding the notes: 8 of 100")
        # A few seconds on, the count is said; a new step is said as soon as it comes.
        expect(message).to_contain_text("Encoding the notes: 24 of 100", timeout=10_000)
        expect(message).to_contain_text("Grouping notes into themes", timeout=15_000)
        context.close()
    finally:
        live.stop()


def test_after_exclude_by_keyboard_the_focus_is_on_the_next_note_and_the_message_is_said(
        browser, app, event, db_path):  # noqa: F811
    from test_workspace import result, synthesize

    synthesize(app, event, n_themes=1)
    theme = max(result(app, event).themes, key=lambda t: len(t.note_ids))
    live = LiveServer(db_path, free_port()).start()
    try:
        context, page, errors = open_workspace(browser, live.url)
        page.goto(f"{live.url}/workspace/test-cafe/theme/{theme.key}")
        notes = page.locator("li.ws-note")
        ids = [notes.nth(i).get_attribute("id") for i in range(3)]
        notes.nth(1).get_by_role("button", name="Exclude").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#flash")).to_contain_text("Note excluded.")
        page.wait_for_function("id => document.activeElement.id === id", arg=ids[2])
        assert page.evaluate("window.scrollY") > 0
        # The next Tab goes on from that note, not from the top of the page.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('li.ws-note').id") == ids[2]
        expect(page.locator(f"#{ids[1]}")).to_have_count(0)
        context.close()
        assert not errors, errors
    finally:
        live.stop()


def test_themes_grouped_by_question_and_all_questions_together(browser, served):
    from e2e.test_hosts import no_axe_violation

    context, page, errors = open_workspace(browser, served.url)
    page.get_by_role("button", name="Run synthesis").click()
    # By default each question's notes are themed on their own, shown under the question.
    groups = page.locator("section.question-group")
    expect(groups.first).to_be_visible(timeout=180_000)
    expect(groups).to_have_count(2)
    first = groups.nth(0).get_by_role("heading", level=3)
    expect(first).to_contain_text("Question 1:")
    expect(groups.nth(1).get_by_role("heading", level=3)).to_contain_text("Question 2:")
    # A theme is a level-4 heading inside its question's region (named by the question).
    region = page.get_by_role("region", name="Question 1:", exact=False)
    expect(region.get_by_role("heading", level=4).first).to_be_visible()
    expect(page.locator("#grouping-now")).to_contain_text("Themes within each question.")
    no_axe_violation(browser, served.url, "/workspace/test-cafe", "section.question-group",
                     login="staffer")

    # "All questions together", from the keyboard: one run, then the cards without questions.
    toggle = page.get_by_role("button", name="Theme all questions together")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#grouping-now")).to_contain_text("All questions together.",
                                                          timeout=180_000)
    expect(groups).to_have_count(0)
    expect(page.locator(".theme-card h3[id^=theme-title-]").first).to_be_visible()
    no_axe_violation(browser, served.url, "/workspace/test-cafe", ".theme-card h3",
                     login="staffer")

    # And back: each question on its own again.
    page.get_by_role("button", name="Theme each question on its own").click()
    expect(groups.first).to_be_visible(timeout=180_000)
    expect(page.locator("#grouping-now")).to_contain_text("Themes within each question.")
    context.close()
    assert not errors, errors


def test_a_cards_key_point_leads_by_keyboard_to_its_note_and_follows_a_move(
        browser, app, event, db_path):  # noqa: F811
    from test_workspace import result, synthesize

    synthesize(app, event)
    theme = result(app, event).themes[0]
    live = LiveServer(db_path, free_port()).start()
    try:
        context, page, errors = open_workspace(browser, live.url)
        card = page.locator(f"#theme-{theme.key}")
        section = card.locator(".key-point")
        expect(section.get_by_role("heading", name="Key point")).to_be_visible()
        link = section.locator("a.kp-source").first
        href = link.get_attribute("href")
        note = href.rsplit("#n-", 1)[1]
        point = section.locator(".kp-text").inner_text()
        # Keyboard only: Tab reaches the link, Enter opens the theme with that note focused.
        page.locator("body").focus()
        for _ in range(200):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == href:
                break
        else:
            raise AssertionError("the key point's link is not reachable by Tab")
        page.keyboard.press("Enter")
        page.wait_for_function("id => document.activeElement.id === id", arg=f"n-{note}")
        # Move that note to "not yet themed" from its page; the card's point is another now.
        moved = page.locator(f"#n-{note}")
        moved.get_by_label("Move to").select_option("none")
        moved.get_by_role("button", name="Move").click()
        expect(page.locator("#flash")).to_contain_text("Note moved.")
        page.goto(f"{live.url}/workspace/test-cafe")
        section = page.locator(f"#theme-{theme.key} .key-point")
        expect(section).to_be_visible()
        expect(section.locator(f'a[href$="#n-{note}"]')).to_have_count(0)
        expect(section.locator(".kp-text, .kp-empty").first).not_to_have_text(point)
        context.close()
        assert not errors, errors
    finally:
        live.stop()


def test_a_loose_theme_lists_its_points_readably_and_splits_into_them(
        browser, app, event, db_path):  # noqa: F811
    from test_workspace import result, synthesize

    from cafe.actions.synthesis.merge_split import do_merge_themes
    from e2e.test_axe import BLOCKING, run_axe, summarise

    synthesize(app, event, n_themes=3)
    ids = [int(t.key) for t in result(app, event).themes]
    with app.app_context():
        do_merge_themes(event, "staffer", ids, ids[0])  # three topics in one: a loose theme
    live = LiveServer(db_path, free_port()).start()
    try:
        context = browser.new_context(**LAPTOP, bypass_csp=True)  # to inject axe-core
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live.url, "staffer")
        page.goto(f"{live.url}/workspace/test-cafe")
        card = page.locator(f"#theme-{ids[0]}")
        expect(card.locator(".loose-hint")).to_be_visible()
        points = card.locator(".kp-parts li")
        expect(points.first).to_be_visible()
        listed = points.count()
        assert listed >= 2
        blocking = [v for v in run_axe(page)["violations"] if v["impact"] in BLOCKING]
        assert not blocking, summarise(blocking)
        cards = page.locator(".theme-card")
        before = cards.count()
        card.locator("summary").click()
        card.get_by_role("button", name="Split by the points listed").click()
        expect(page.locator("#flash")).to_contain_text(f"Split into {listed} themes.")
        expect(cards).to_have_count(before - 1 + listed)
        context.close()
        assert not errors, errors
    finally:
        live.stop()
