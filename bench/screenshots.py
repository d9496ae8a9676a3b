"""Drive the demo event in real Chromium and save a screenshot of every screen to docs/screenshots/.

Usage: .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "screenshots only 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cafe(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "cafe", *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cafe-shots-"))
    env = {**os.environ, "CAFE_DB": str(work / "cafe.db")}
    cafe(env, "demo")
    cafe(env, "user", "add", "fac", "--role", "facilitator", "--password", PASSWORD)
    cafe(env, "user", "add", "lead", "--role", "safeguarding", "--password", PASSWORD)
    cafe(env, "user", "add", "staff", "--role", "staff", "--password", PASSWORD)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "cafe", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # up to a minute: serve loads the safety checks first
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=options.chromium, args=ARGS)
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                        has_touch=True, device_scale_factor=2).new_page()
            phone.goto(f"{url}/e/demo/t/2")
            phone.screenshot(path=out / "phone-notice.png")
            phone.click("#continue")
            expect(phone.locator("#question")).to_be_visible()
            laptop = browser.new_context(viewport={"width": 1366, "height": 900})
            console = laptop.new_page()
            console.on("dialog", lambda dialog: dialog.accept())  # "End round 1 now?" and the like
            console.goto(f"{url}/login")
            console.fill("#username", "fac")
            console.fill("#password", PASSWORD)
            console.click("button[type=submit]")
            console.goto(f"{url}/console/demo")
            console.get_by_role("button", name=re.compile("^Start round")).click()
            expect(phone.locator("#timer")).to_contain_text("left")
            phone.fill("#note-text", "Allies should share power, not just platforms.")
            phone.check("input[value=quote]")
            phone.click("#note-form button[type=submit]")
            expect(phone.locator("#mine .badge.saved")).to_have_count(1)
            phone.screenshot(path=out / "phone-notes.png")
            phone.goto(f"{url}/e/demo/?lang=ur")
            expect(phone.locator("html")).to_have_attribute("dir", "rtl")
            expect(phone.locator("#question")).to_be_visible()
            phone.screenshot(path=out / "phone-urdu.png")
            expect(console.locator(".note").first).to_be_visible()
            console.screenshot(path=out / "console.png")
            wall_link = console.locator("a", has_text="Open the wall").get_attribute("href")
            wall = browser.new_page(viewport={"width": 1280, "height": 720})
            wall.goto(url + wall_link)
            expect(wall.locator("#wall-notes li").first).to_be_visible()
            wall.screenshot(path=out / "wall.png")
            console.goto(f"{url}/console/demo/print/tables")
            console.screenshot(path=out / "table-cards.png")
            lead = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            lead.goto(f"{url}/login")
            lead.fill("#username", "lead")
            lead.fill("#password", PASSWORD)
            lead.click("button[type=submit]")
            lead.goto(f"{url}/safeguarding/demo")
            expect(lead.locator("#items li").first).to_be_visible()
            lead.screenshot(path=out / "safeguarding.png")
            # Rotation: the move prompt, the host's briefing, then the harvest wall with dot votes.
            console.goto(f"{url}/console/demo")
            host_link = console.locator("a.host-link").first.get_attribute("href")
            host = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                       has_touch=True, device_scale_factor=2).new_page()
            host.goto(url + host_link)
            host.click("#continue")
            expect(host.locator("#host")).to_be_visible()
            # The host says how the facilitator can find them; the console's table panel names them.
            host.fill("#host-label", "Sam, blue scarf")
            host.get_by_role("button", name="Tell the facilitator").click()
            expect(console.locator(".host-now").first).to_contain_text("Sam, blue scarf")
            console.get_by_role("button", name="End round").click()
            phone.goto(f"{url}/e/demo/?lang=en")
            expect(phone.locator("#move-name")).to_be_visible(timeout=60_000)  # planning the moves takes a while on a busy machine
            phone.screenshot(path=out / "phone-move.png")
            expect(host.locator("#recap li").first).to_be_visible()
            host.fill("#insight-text", "Share power and budgets, not just platforms")
            host.get_by_role("button", name="Share insight").click()
            expect(host.locator("#host-insights li")).to_have_count(1)
            host.evaluate("window.scrollTo(0, 0)")
            host.screenshot(path=out / "phone-host.png")
            console.locator("table.plan").evaluate("e => e.scrollIntoView()")  # the hosts in view
            console.screenshot(path=out / "console-rotation.png")
            # Insights reach the wall and the voting only once the facilitator approves them.
            console.locator("#insight-list").get_by_role("button", name="Approve").first.click()
            console.get_by_role("button", name="Start harvest").click()
            phone.get_by_role("button", name="Add a dot").first.click()
            expect(phone.locator("#dots-left")).to_contain_text("2 of 3")
            wall.reload()
            expect(wall.locator("#harvest")).to_be_visible()
            expect(wall.locator(".insight-dots").first).to_have_text("Dots: 1")
            wall.screenshot(path=out / "wall-harvest.png")
            staff = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            staff.goto(f"{url}/login")
            staff.fill("#username", "staff")
            staff.fill("#password", PASSWORD)
            staff.click("button[type=submit]")
            staff.goto(f"{url}/workspace/demo")
            staff.get_by_role("button", name="Run synthesis").click()
            # Themes under the question their notes answer (the default), the toggle above them.
            expect(staff.locator(".question-group h3").first).to_be_visible(timeout=180_000)
            staff.locator("#grouping").evaluate("e => e.scrollIntoView()")
            staff.screenshot(path=out / "workspace.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"Saved {len(list(out.glob('*.png')))} screenshots to {out}")
    print("Command: .venv/bin/python bench/screenshots.py")


if __name__ == "__main__":
    main()
