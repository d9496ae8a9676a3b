"""Real Chromium (Debian's package, driven by Playwright) against a real `cafe serve` on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import PASSWORD, LiveServer, free_port

CHROMIUM = os.environ.get("CAFE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 900}}


def _require_browser() -> None:
    missing = None
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Playwright is not installed (pip install playwright)"
    if missing:
        if os.environ.get("CAFE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CAFE_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture(scope="session")
def browser():
    """Launch one headless Chromium for the session."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    # These tests check what the pages do, not how fast: on a loaded 2-core machine a form's
    # round trip (the status check, the POST, the page it returns) can pass Playwright's 5 s.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(app, db_path):
    """Serve the test event (made by the `app` fixture) with a real `cafe serve`."""
    live = LiveServer(db_path, free_port()).start()
    yield live
    live.stop()


@pytest.fixture
def phone_page(browser, server):
    """Return a fresh phone-sized page (its own cookies and storage)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def accept_dialog(dialog) -> None:
    """Say yes to the console's questions ("End round 1 now?"); a test of the question removes it."""
    dialog.accept()


@pytest.fixture
def console_page(browser, server):
    """Return a laptop-sized page logged in as the facilitator, on the test event's console."""
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    page.on("dialog", accept_dialog)
    log_in(page, server.url, "fac")
    page.goto(f"{server.url}/console/test-cafe")
    yield page
    context.close()


def log_in(page, base: str, username: str) -> None:
    """Log in through the real login form as one of the test users, and wait until it has."""
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#username")).to_have_count(0)


def wall_url(page_html: str) -> str:
    return re.search(r'href="(/wall/[^"]+)"', page_html).group(1).replace("&amp;", "&")
