"""HTTP pages: joining, the notice, login, access, headers and cookies."""

from __future__ import annotations

import re

import pytest

from conftest import csrf_from, join, login, rows


def test_join_by_code_goes_to_the_event(app, client):
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            code = queries.event_by_slug(db, "test-cafe")["code"]
    reply = client.get(f"/join?code={code.lower()[:3]} {code.lower()[3:]}")
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/e/test-cafe/")
    assert client.get(f"/j/{code}").headers["Location"].endswith("/e/test-cafe/")


@pytest.mark.parametrize("code, message", [("", "type the code"), ("ZZZZZZ", "could not find")])
def test_bad_join_code_says_what_to_do(client, code, message):
    reply = client.get(f"/join?code={code}")
    assert reply.status_code == 400 and message in reply.text


def test_notice_comes_first_and_tells_what_is_collected(client):
    page = client.get("/e/test-cafe/").text
    assert 'data-joined="no"' in page
    for words in (
        "What we collect",
        "You are anonymous",
        "Who sees your notes",
        "Helpline",
        "Grace, by the door",
        "Exit this page",
        "Discussion of domestic abuse",
    ):
        assert words in page
    assert "<title>Notes</title>" in page  # neutral page title


def test_joining_sets_an_httponly_token_cookie(client, db_path):
    page = client.get("/e/test-cafe/")
    reply = client.post(
        "/e/test-cafe/join", json={"table": 2}, headers={"X-CSRFToken": csrf_from(page.text)}
    )
    assert reply.status_code == 200 and reply.get_json()["ok"] is True
    cookie = reply.headers["Set-Cookie"]
    assert (
        cookie.startswith("cafe_p_test-cafe=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    )
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 40
    # Only a hash of the token is stored.
    [(stored, table)] = rows(db_path, "SELECT token_hash, table_no FROM participants")
    assert token not in stored and table == 2
    assert 'data-joined="yes"' in client.get("/e/test-cafe/").text


def test_joining_needs_the_csrf_token(client, db_path):
    reply = client.post("/e/test-cafe/join", json={"table": 1})
    assert reply.status_code == 400
    assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(0,)]


def test_joining_an_unknown_table_is_refused(client, db_path):
    page = client.get("/e/test-cafe/")
    reply = client.post(
        "/e/test-cafe/join", json={"table": 42}, headers={"X-CSRFToken": csrf_from(page.text)}
    )
    assert reply.status_code == 400 and "no such table" in reply.get_json()["error"]
    assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(0,)]


def test_table_qr_link_preselects_the_table(client):
    assert 'data-table="2"' in client.get("/e/test-cafe/t/2").text
    assert client.get("/e/test-cafe/t/9").status_code == 404
    assert client.get("/e/no-such/").status_code == 404


def test_qr_codes_are_svg(client):
    for url in ("/e/test-cafe/qr.svg", "/e/test-cafe/t/1/qr.svg"):
        reply = client.get(url)
        assert reply.mimetype == "image/svg+xml" and reply.data.startswith(b"<svg")


def test_security_headers_on_every_page(client):
    for url in ("/", "/e/test-cafe/", "/login", "/exit"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        for directive in (
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_pages_have_no_inline_script_and_no_other_hosts(client, app):
    login(client)
    for url in ("/", "/e/test-cafe/", "/login", "/console/", "/console/test-cafe"):
        page = client.get(url).text
        assert "<script>" not in page and "onclick" not in page and 'style="' not in page
        # Nothing is loaded from another host: every src and href is a path on this server.
        assert not re.search(r'(?:src|href)="(?:https?:)?//(?!localhost/)', page)


def test_exit_page_is_blank_and_neutral(client):
    page = client.get("/exit").text
    assert "<title>New tab</title>" in page and "café" not in page.lower()


def test_console_needs_login(client):
    reply = client.get("/console/test-cafe")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


def test_staff_role_cannot_open_the_console(client):
    login(client, "staffer")
    assert client.get("/console/test-cafe").status_code == 403


def test_facilitator_sees_the_console(client):
    assert login(client).status_code == 303
    page = client.get("/console/test-cafe").text
    assert "Test café" in page and "/wall/test-cafe?token=" in page
    assert '<option value="2">2</option>' in page  # "go to round" offers every round


def test_wrong_password_is_refused_without_saying_which_part(client):
    reply = login(client, "fac", "wrong password!")
    assert reply.status_code == 401 and "do not match" in reply.text
    assert login(client, "nobody", "wrong password!").text.count("do not match") == 1


def test_a_wrong_password_keeps_the_user_name_and_focuses_the_password(client):
    html = login(client, "fac", "wrong password!").text
    name = re.search(r'<input id="username"[^>]*>', html).group(0)
    password = re.search(r'<input id="password"[^>]*>', html).group(0)
    assert 'value="fac"' in name and "autofocus" not in name and "autofocus" in password
    assert 'value="&lt;b&gt;"' in login(client, "<b>", "x" * 12).text  # escaped, not markup


def test_login_needs_csrf(client):
    reply = client.post("/login", data={"username": "fac", "password": "correct horse battery"})
    assert reply.status_code == 400


def test_logout_revokes_the_session_on_the_server(client):
    login(client)
    stolen = client.get_cookie("cafe_session").value
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/console/").text)})
    client.set_cookie("cafe_session", stolen)  # replaying the old cookie does not work
    assert client.get("/console/").status_code == 302


def test_login_does_not_redirect_off_site(client):
    page = client.get("/login")
    reply = client.post(
        "/login?next=//evil.example/",
        data={
            "username": "fac",
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert reply.headers["Location"] == "/console/"


def test_wall_page_needs_its_token(app, client):
    assert client.get("/wall/test-cafe?token=wrong").status_code == 404
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    page = client.get(f"/wall/test-cafe?token={token}")
    assert page.status_code == 200 and "Approved notes will appear here." in page.text


def test_oversized_request_body_is_refused(client):
    page = client.get("/e/test-cafe/")
    reply = client.post(
        "/e/test-cafe/join",
        data=b"x" * 300_000,
        headers={"X-CSRFToken": csrf_from(page.text), "Content-Type": "application/json"},
    )
    assert reply.status_code == 413


def test_participant_join_is_idempotent(client, db_path):
    first = join(client)
    second = join(client)
    assert first["pseudonym"] == second["pseudonym"]
    assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(1,)]


def test_a_staff_account_refused_a_page_gets_a_staff_page_with_a_way_back(app):
    http = app.test_client()
    assert login(http, "fac").status_code == 303  # a facilitator may not open the workspace
    reply = http.get("/workspace/test-cafe")
    assert reply.status_code == 403
    assert "Not allowed" in reply.text and "Back to your events" in reply.text
    assert "Log out" in reply.text and "Exit this page" not in reply.text
    missing = http.get("/console/no-such-page/at-all")
    assert missing.status_code == 404 and "Back to your events" in missing.text
    anonymous = app.test_client().get("/console/no-such-page/at-all")
    assert "Back to your events" not in anonymous.text  # participants keep their own page


def test_stored_times_are_shown_in_the_machines_time_zone_with_its_name(monkeypatch):
    import time

    from cafe.i18n import local_time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert local_time("2026-06-21T14:14:05.123Z") == "2026-06-21 15:14 BST"
        assert local_time("2026-11-21T14:14:05.123Z", seconds=True) == "2026-11-21 14:14:05 GMT"
        assert local_time("2026-11-21T14:14:05") == "2026-11-21 14:14 GMT"  # no zone: UTC
        assert local_time("") == "" and local_time(None) == ""
        assert local_time("not a time") == "not a time"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_helpline_number_is_a_tap_to_call_link_everywhere_it_is_shown(client):
    page = client.get("/e/test-cafe/").text
    links = re.findall(r'<a href="tel:([^"]*)">([^<]*)</a>', page)
    # The notice, the disclosure support screen, the "Support" section.
    assert links == [("08082000247", "0808 2000 247")] * 3


@pytest.mark.parametrize(
    "text, html",
    [
        (
            "Call +44 (0)20 7946 0018 any time",
            'Call <a href="tel:+4402079460018">+44 (0)20 7946 0018</a> any time',
        ),
        ("Open 24/7 since 2020", "Open 24/7 since 2020"),
        ("<b>0800 111</b>", '&lt;b&gt;<a href="tel:0800111">0800 111</a>&lt;/b&gt;'),
        ("", ""),
    ],
)
def test_tel_links_keep_only_digits_and_escape_the_rest(text, html):
    from cafe.web.phone_links import tel_links

    assert str(tel_links(text)) == html
