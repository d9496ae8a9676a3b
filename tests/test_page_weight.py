"""The phone page loads nothing from other hosts and weighs under 60 KB as served (a size check)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from page_weight import TARGET_BYTES, asset_loads, page_loads, weigh  # noqa: E402


def _fetcher(client):
    def fetch(url: str):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        return response.status_code, {k.lower(): v for k, v in response.headers}, response.data

    return fetch


def test_phone_page_is_under_60_kb_gzipped_and_loads_only_from_its_own_host(client):
    result = weigh("http://localhost/e/test-cafe/", _fetcher(client))
    paths = [f["url"] for f in result["files"]]
    # It found what the page really loads: the socket library, the phone script, its styles.
    assert any(p.endswith("/socket.io.min.js") for p in paths)
    assert any(p.endswith("/js/phone.js") for p in paths)
    assert any(p.endswith("/css/phone.css") for p in paths)
    assert any(p.endswith("/e/sw.js") for p in paths)
    assert all(f["status"] == 200 for f in result["files"])
    assert result["other_hosts"] == []
    assert result["total_wire_bytes"] < TARGET_BYTES, result["total_wire_bytes"]


def test_static_scripts_are_served_gzipped_and_revalidate(client):
    url = "/static/vendor/socket.io/socket.io.min.js"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


def test_pages_themselves_are_not_compressed(client):
    # Pages carry a CSRF token next to text a visitor can influence (BREACH).
    page = client.get("/e/test-cafe/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_another_host_is_reported():
    html = (
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">'
        '<script src="//evil.example/x.js"></script><a href="https://help.example/">help</a>'
        '<script src="/static/js/a.js"></script>'
    )
    pages = {"http://localhost/p": html, "http://localhost/static/js/a.js": ""}

    def fetch(url: str):
        return 200, {}, pages[url].encode()

    result = weigh("http://localhost/p", fetch)
    assert sorted(result["other_hosts"]) == [
        "http://evil.example/x.js",
        "https://cdn.example.com/x.css",
    ]
    assert not result["ok"]
    assert page_loads('<a href="/x">') == []
    assert asset_loads("/s.css", "a{background:url('/i.png')}") == ["/i.png"]
