"""Lighthouse (mobile emulation) on the participant page of `cafe serve --demo`, with Debian's Chromium.

Usage: .venv/bin/python bench/lighthouse.py [--runs 3] [--path /e/demo/] [--lighthouse PATH]

Lighthouse comes from the npm registry; it is not a dependency of Café. Without --lighthouse (or
$LIGHTHOUSE) it is installed once with `npm install --prefix` into a directory outside the repo
($CAFE_LIGHTHOUSE_DIR, default /tmp/cafe-lighthouse). Prints each run's performance and
accessibility scores, their medians, and the exact command, for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_lighthouse(given: str | None) -> str:
    """Return the lighthouse executable, installing it from npm outside the repo if need be."""
    if given:
        return given
    prefix = Path(os.environ.get("CAFE_LIGHTHOUSE_DIR", "/tmp/cafe-lighthouse"))
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        print(f"installing lighthouse from npm into {prefix} …", file=sys.stderr)
        subprocess.run(["npm", "install", "--no-save", "--prefix", str(prefix), "lighthouse@12"],
                       check=True, stdout=subprocess.DEVNULL)
    return str(binary)


def serve_demo(db: Path, port: int) -> subprocess.Popen:
    """Start `cafe serve --demo` on a fresh database and wait until it answers."""
    env = {**os.environ, "CAFE_DB": str(db), "PYTHONUNBUFFERED": "1"}
    log = db.with_suffix(".log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "cafe", "serve", "--demo", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"cafe serve exited:\n{db.with_suffix('.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("cafe serve did not start in 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", default="/e/demo/", help="page to audit (default: the phone page)")
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE"))
    parser.add_argument("--chromium", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    options = parser.parse_args()
    lighthouse = find_lighthouse(options.lighthouse)

    with tempfile.TemporaryDirectory(prefix="cafe-lh-") as tmp:
        port = free_port()
        server = serve_demo(Path(tmp) / "cafe.db", port)
        try:
            url = f"http://127.0.0.1:{port}{options.path}"
            report = Path(tmp) / "report.json"
            command = [lighthouse, url, "--form-factor=mobile",
                       "--only-categories=performance,accessibility", "--output=json",
                       f"--output-path={report}", "--quiet", f"--chrome-flags={CHROME_FLAGS}"]
            env = {**os.environ, "CHROME_PATH": options.chromium}
            print("command: CHROME_PATH=" + shlex.quote(options.chromium) + " "
                  + shlex.join(command).replace(str(report), "report.json"))
            performance, accessibility = [], []
            for run in range(1, options.runs + 1):
                subprocess.run(command, env=env, check=True)
                result = json.loads(report.read_text())
                perf = round(result["categories"]["performance"]["score"] * 100)
                a11y = round(result["categories"]["accessibility"]["score"] * 100)
                performance.append(perf)
                accessibility.append(a11y)
                audits = result["audits"]
                metrics = ", ".join(
                    f"{name} {audits[key]['displayValue']}"
                    for name, key in (("FCP", "first-contentful-paint"),
                                      ("LCP", "largest-contentful-paint"),
                                      ("TBT", "total-blocking-time"),
                                      ("CLS", "cumulative-layout-shift"))
                )
                failing = sorted(
                    ref["id"]
                    for ref in result["categories"]["accessibility"]["auditRefs"]
                    if ref["weight"] and audits[ref["id"]]["score"] not in (None, 1)
                )
                print(f"run {run}: performance {perf}, accessibility {a11y} ({metrics})"
                      + (f"; accessibility audits failing: {', '.join(failing)}" if failing else ""))
            print(f"median of {options.runs}: performance {statistics.median(performance):g}, "
                  f"accessibility {statistics.median(accessibility):g} "
                  f"(Lighthouse {result['lighthouseVersion']}, {result['environment']['hostUserAgent']})")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
