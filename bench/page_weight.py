"""Participant page weight: the phone page and every same-origin file it loads, as served.

Fetches the phone page (`/e/<slug>/`) with `Accept-Encoding: gzip`, finds what it loads (scripts,
style sheets, images, icons, `url(...)` in style sheets and the service worker phone.js registers),
fetches each the same way and adds up the bytes on the wire (bodies as served: static files
gzipped by the server, the page itself uncompressed because it carries a CSRF token). Anything
loaded from another host is reported and fails the check. Target: under 60 KB on first load.

    .venv/bin/python bench/page_weight.py                  # starts `cafe serve` on the demo event
    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:5000 --slug demo
    .venv/bin/python bench/page_weight.py --slow-3g         # also loads it in Chromium on slow 3G
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_BYTES = 60 * 1024
# Chrome DevTools' "Slow 3G" preset: 400 kbit/s each way, 400 ms × 5 = 2 s latency.
SLOW_3G = {"latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


class _Loads(HTMLParser):
    """Collect the URLs a page makes the browser load (not links it merely shows)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            rel = set(a.get("rel", "").lower().split())
            if rel & {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}:
                self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
SW_REGISTER = re.compile(r"""serviceWorker\.register\(\s*['"]([^'"]+)['"]""")


@dataclass
class Item:
    """One file the page loads."""

    url: str
    status: int
    encoding: str
    wire_bytes: int
    raw_bytes: int
    gzip_bytes: int


def page_loads(html: str) -> list[str]:
    """Return the URLs an HTML page loads."""
    parser = _Loads()
    parser.feed(html)
    return parser.urls


def asset_loads(url: str, text: str) -> list[str]:
    """Return the URLs a style sheet or script loads in turn."""
    if url.split("?")[0].endswith(".css"):
        return [a or b for a, b in CSS_URL.findall(text)]
    if url.split("?")[0].endswith(".js"):
        return SW_REGISTER.findall(text)
    return []


Fetch = Callable[[str], tuple[int, dict[str, str], bytes]]


def weigh(page_url: str, fetch: Fetch) -> dict:
    """Fetch a page and everything it loads with `fetch(url) -> (status, headers, body)`."""
    origin = urllib.parse.urlsplit(page_url)
    items: list[Item] = []
    other_hosts: list[str] = []
    queue, seen = [page_url], set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = fetch(url)
        encoding = headers.get("content-encoding", "")
        raw = gzip.decompress(body) if encoding == "gzip" else body
        items.append(
            Item(url, status, encoding or "identity", len(body), len(raw), len(gzip.compress(raw, 9)))
        )
        text = raw.decode("utf-8", errors="replace")
        found = page_loads(text) if url == page_url else asset_loads(url, text)
        for ref in found:
            if ref.startswith("data:"):
                continue
            absolute = urllib.parse.urljoin(url, ref)
            parts = urllib.parse.urlsplit(absolute)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                other_hosts.append(absolute)
                continue
            queue.append(absolute)
    total = sum(i.wire_bytes for i in items)
    return {
        "page": page_url,
        "files": [asdict(i) for i in items],
        "total_wire_bytes": total,
        "total_gzip_bytes": sum(i.gzip_bytes for i in items),
        "total_raw_bytes": sum(i.raw_bytes for i in items),
        "other_hosts": other_hosts,
        "target_bytes": TARGET_BYTES,
        "ok": total < TARGET_BYTES and not other_hosts and all(i.status == 200 for i in items),
    }


def http_fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """Fetch as a browser would ask (gzip accepted), without decompressing."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def slow_3g(page_url: str) -> dict:
    """Load the page in Chromium with slow-3G network emulation; return the timings (ms)."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CAFE_CHROMIUM", "/usr/bin/chromium"), args=args
        )
        page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **SLOW_3G})
        received = []
        cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
        started = time.monotonic()
        page.goto(page_url, wait_until="load", timeout=120_000)
        loaded = (time.monotonic() - started) * 1000
        page.wait_for_selector("#notice-title", state="visible", timeout=60_000)
        timing = page.evaluate(
            "() => { const t = performance.getEntriesByType('navigation')[0];"
            " return {dcl: t.domContentLoadedEventEnd, load: t.loadEventEnd}; }"
        )
        browser.close()
    return {
        "profile": SLOW_3G,
        "dom_content_loaded_ms": round(timing["dcl"]),
        "load_ms": round(timing["load"] or loaded),
        "bytes_received_cdp": sum(received),
    }


def start_demo_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start `cafe serve --demo` on a fresh database; return it and its base URL."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CAFE_DB": str(workdir / "cafe.db"), "PYTHONUNBUFFERED": "1"}
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cafe", "serve", "--demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / "server.log").read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("cafe serve did not start")


def show(result: dict) -> None:
    print(f"{'file':<60} {'status':>6} {'encoding':>9} {'on wire':>8} {'raw':>8} {'gzip -9':>8}")
    for f in result["files"]:
        path = urllib.parse.urlsplit(f["url"]).path
        print(
            f"{path:<60} {f['status']:>6} {f['encoding']:>9} {f['wire_bytes']:>8} "
            f"{f['raw_bytes']:>8} {f['gzip_bytes']:>8}"
        )
    print(
        f"total on the wire {result['total_wire_bytes'] / 1024:.1f} KB (all gzipped: "
        f"{result['total_gzip_bytes'] / 1024:.1f} KB, raw {result['total_raw_bytes'] / 1024:.1f} KB); "
        f"target under {TARGET_BYTES // 1024} KB; other hosts: {result['other_hosts'] or 'none'}"
    )
    if "slow_3g" in result:
        s = result["slow_3g"]
        print(
            f"Chromium, slow 3G ({s['profile']['downloadThroughput'] * 8 // 1000} kbit/s, "
            f"{s['profile']['latency']} ms): DOMContentLoaded {s['dom_content_loaded_ms']} ms, "
            f"load {s['load_ms']} ms, {s['bytes_received_cdp']} bytes received"
        )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="", help="a running server (default: start one on the demo)")
    p.add_argument("--slug", default="demo")
    p.add_argument("--slow-3g", action="store_true", help="also load it in Chromium on slow 3G")
    p.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    opts = p.parse_args(argv)
    process = None
    with tempfile.TemporaryDirectory(prefix="cafe-weight-") as tmp:
        try:
            base = opts.url.rstrip("/")
            if not base:
                process, base = start_demo_server(Path(tmp))
            page = f"{base}/e/{opts.slug}/"
            result = weigh(page, http_fetch)
            if opts.slow_3g:
                result["slow_3g"] = slow_3g(page)
        finally:
            if process is not None:
                process.terminate()
                process.wait(20)
    show(result)
    if opts.json:
        print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
