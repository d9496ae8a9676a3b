"""Screenshot a briefing draft in the editor and picture the DOCX's first page (docs/screenshots/).

Makes the demo event, themes its notes with `cafe synthesize`, stores a draft from them, serves it and
drives real Chromium; then renders the draft's DOCX with LibreOffice (headless) and pdftoppm.
Needs `apt-get install -y libreoffice-writer-nogui poppler-utils` (docs only, not the tests).

Usage: .venv/bin/python bench/briefing_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from screenshots import ARGS, PASSWORD, cafe, free_port  # noqa: E402


def make_draft(db: Path) -> int:
    """Store a draft from the themes `cafe synthesize demo` left, as the staff pages do."""
    from cafe import create_app, queries
    from cafe.actions.briefing import do_create_draft
    from cafe.briefing import Selection
    from cafe.briefing_reads import load_result, load_source
    from cafe.db import close_app, reading

    app = create_app({"CAFE_DATABASE": str(db), "CAFE_ASYNC_MODE": "threading"})
    with app.app_context():
        with reading() as conn:
            event = queries.event_by_slug(conn, "demo")
            source = load_source(conn, event)
            result = load_result(conn, event["id"])
        draft_id = do_create_draft(event, source, result, Selection(), "staffer")
    close_app(app)
    return draft_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cafe-briefing-shots-"))
    env = {**os.environ, "CAFE_DB": str(work / "cafe.db")}
    cafe(env, "demo")
    cafe(env, "user", "add", "staffer", "--role", "staff", "--password", PASSWORD)
    cafe(env, "synthesize", "demo")
    draft_id = make_draft(work / "cafe.db")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "cafe", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=options.chromium, args=ARGS)
            context = browser.new_context(viewport={"width": 1366, "height": 900},
                                          accept_downloads=True)
            page = context.new_page()
            page.goto(f"{url}/login")
            page.fill("#username", "staffer")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{url}/briefings/demo/drafts/{draft_id}")
            area = page.get_by_label("Draft (Markdown)")
            area.press("Control+Home")
            area.press("End")
            area.press("Enter")
            area.press("Enter")
            area.type("Draft for the partnership briefing – check the quotes with the team.")
            expect(page.locator("#save-state")).to_have_text("Saved")
            page.screenshot(path=out / "briefing-editor.png")
            with page.expect_download() as info:
                page.locator("#download-docx").click()
            docx_path = work / "briefing.docx"
            info.value.save_as(docx_path)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice and shutil.which("pdftoppm"):
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work),
                        str(docx_path)], check=True, capture_output=True,
                       env={**os.environ, "HOME": str(work)})
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(work / "briefing.pdf"), str(out / "briefing-docx")], check=True)
    else:
        print("LibreOffice or pdftoppm missing: no picture of the DOCX "
              "(apt-get install -y libreoffice-writer-nogui poppler-utils)")
    shutil.rmtree(work, ignore_errors=True)
    print(f"Saved the briefing screenshots to {out}")


if __name__ == "__main__":
    main()
