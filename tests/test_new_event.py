"""Creating an event in the browser (from sessions/ or an uploaded or pasted plan) and adding staff
accounts: every state, every role, CSRF, size limits, and nothing half-written."""

from __future__ import annotations

import html
import io
import re

import pytest
from werkzeug.security import check_password_hash

from cafe.actions import do_create_user
from cafe.plans import load_plan
from conftest import PASSWORD, PLAN, csrf_from, login, rows

NEW = "/events/new"
GOOD = PLAN.read_text(encoding="utf-8").replace('slug = "test-cafe"', 'slug = "pasted-cafe"')
ROLE_USERS = {"facilitator": "fac", "staff": "staffer", "safeguarding": "lead", "admin": "boss"}


@pytest.fixture
def staff(app):
    """Return a logged-in client for each staff role."""
    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
        do_create_user("boss", PASSWORD, "admin")
    clients = {}
    for role, name in ROLE_USERS.items():
        http = app.test_client()
        assert login(http, name).status_code == 303
        clients[role] = http
    return clients


def _counts(db_path) -> tuple:
    return tuple(
        rows(db_path, f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("events", "tables", "rounds", "frames")
    )


def _post(http, data: dict, url: str = NEW, **kwargs):
    token = csrf_from(http.get("/console/").text)
    return http.post(url, data={"csrf_token": token, **data}, **kwargs)


def test_plan_fixture_has_the_slug_the_tests_replace():
    assert 'slug = "test-cafe"' in PLAN.read_text(encoding="utf-8")


def test_events_list_offers_new_event_to_those_who_run_events(staff):
    for role, http in staff.items():
        page = http.get("/console/").text
        assert ('href="/events/new"' in page) == (role in ("facilitator", "admin")), role
        assert ('href="/accounts"' in page) == (role == "admin"), role


def test_form_lists_the_plans_in_sessions_by_title(staff):
    page = staff["facilitator"].get(NEW).text
    assert "Working together: a partnership café" in page and 'value="demo.toml"' in page
    assert "Standing together: allyship" in page and 'value="partnership-cafe.toml"' in page


def test_create_from_a_plan_in_sessions_goes_to_its_console(staff, db_path):
    reply = _post(staff["facilitator"], {"source": "file", "plan": "demo.toml"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/console/demo")
    console = staff["facilitator"].get("/console/demo").text
    title, code = rows(db_path, "SELECT title, code FROM events WHERE slug = 'demo'")[0]
    assert f"Event created: {title}. Join code {code}." in console
    assert "Event created" not in staff["facilitator"].get("/console/demo").text  # shown once
    plan = load_plan(PLAN.parent.parent.parent / "sessions" / "demo.toml")
    assert _tables(db_path, "demo") == [t.name for t in plan.tables]


def _tables(db_path, slug: str) -> list[str]:
    return [name for (name,) in rows(
        db_path, "SELECT name FROM tables WHERE event_id = (SELECT id FROM events WHERE slug = ?)"
        " ORDER BY number", (slug,))]


def test_create_from_a_plan_with_another_slug(staff, db_path):
    reply = _post(staff["admin"], {"source": "file", "plan": "demo.toml", "slug": "demo-two"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/console/demo-two")
    assert rows(db_path, "SELECT slug FROM events WHERE slug = 'demo-two'")


def test_create_from_pasted_text(staff, db_path):
    reply = _post(staff["facilitator"], {"source": "own", "text": GOOD})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/console/pasted-cafe")
    assert _tables(db_path, "pasted-cafe") == [t.name for t in load_plan(PLAN).tables]


def test_create_from_an_uploaded_file(staff, db_path):
    upload = (io.BytesIO(GOOD.encode("utf-8")), "my-plan.toml")
    reply = _post(staff["facilitator"], {"source": "own", "upload": upload, "slug": "uploaded"},
                  content_type="multipart/form-data")
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/console/uploaded")


def test_a_bad_plan_names_each_problem_keeps_the_text_and_writes_nothing(staff, db_path):
    before = _counts(db_path)
    bad = GOOD.replace("minutes = 20", "minutes = 500", 1) + "\nwho_knows = 1\n"
    reply = _post(staff["facilitator"], {"source": "own", "text": bad, "slug": "kept-slug"})
    assert reply.status_code == 400
    page = reply.text
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "minutes = 500" in text)
    assert f"Line {line}, round 1.minutes: must be between 1 and 180, not 500" in page
    assert "who_knows: is not a known field" in page
    assert 'role="alert"' in page and "The event was not created" in page
    # The text and the slug are kept in the form (escaped, as the textarea shows them).
    assert "who_knows = 1" in page and 'value="kept-slug"' in page
    assert _counts(db_path) == before


def test_the_own_plan_box_can_start_from_a_copy_of_a_ready_made_plan(staff, db_path):
    page = staff["facilitator"].get(NEW).text
    assert 'href="/events/new?start=demo.toml#plan-text"' in page
    box = re.search(r'<textarea id="plan-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert box == ""
    page = staff["facilitator"].get(f"{NEW}?start=demo.toml").text
    box = re.search(r'<textarea id="plan-text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    source = (PLAN.parent.parent.parent / "sessions" / "demo.toml").read_text(encoding="utf-8")
    assert html.unescape(box) == source
    for other in ("../pyproject.toml", "nothing.toml"):
        page = staff["facilitator"].get(NEW, query_string={"start": other}).text
        assert re.search(r'<textarea id="plan-text"[^>]*></textarea>', page), other
    # Edited and sent as one's own plan, the copy makes an event.
    edited = source.replace('slug = "demo"', 'slug = "copied"')
    reply = _post(staff["facilitator"], {"source": "own", "text": edited})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/console/copied")


def test_a_toml_syntax_error_says_its_line(staff, db_path):
    before = _counts(db_path)
    reply = _post(staff["facilitator"], {"source": "own", "text": 'title = "x"\nnot toml\n'})
    assert reply.status_code == 400
    assert re.search(r"Line 2, \(syntax\): .*line 2", reply.text)
    reply = _post(staff["facilitator"], {"source": "own", "text": 'title = "x"\ntables = [\n'})
    assert reply.status_code == 400
    assert "(syntax): this value is not understood: put text in &#34;quotes&#34;" in reply.text
    assert "(Invalid value (at end of document))" in reply.text  # TOML's own words, in brackets
    assert _counts(db_path) == before


def test_a_bad_uploaded_plan_comes_back_in_the_text_box(staff, db_path):
    bad = GOOD.replace('title = "', 'title = 12 #"', 1)
    upload = (io.BytesIO(bad.encode("utf-8")), "bad.toml")
    reply = _post(staff["facilitator"], {"source": "own", "upload": upload},
                  content_type="multipart/form-data")
    assert reply.status_code == 400 and "title: must be text, not int" in reply.text
    assert "title = 12 #" in reply.text


def test_a_duplicate_slug_is_refused_and_the_first_event_is_untouched(staff, db_path):
    before = rows(db_path, "SELECT * FROM events WHERE slug = 'test-cafe'")
    counts = _counts(db_path)
    text = GOOD.replace('slug = "pasted-cafe"', 'slug = "test-cafe"')
    reply = _post(staff["facilitator"], {"source": "own", "text": text})
    assert reply.status_code == 409
    assert "There is already an event with the short name test-cafe" in reply.text
    assert "slug = &#34;test-cafe&#34;" in reply.text  # the text is kept
    assert rows(db_path, "SELECT * FROM events WHERE slug = 'test-cafe'") == before
    assert _counts(db_path) == counts


@pytest.mark.parametrize("slug", ["Bad Slug", "-x", "a/b"])
def test_a_bad_short_name_is_refused(staff, db_path, slug):
    before = _counts(db_path)
    reply = _post(staff["facilitator"], {"source": "file", "plan": "demo.toml", "slug": slug})
    assert reply.status_code == 400 and "The short name may use only" in reply.text
    assert _counts(db_path) == before


def test_a_plan_without_a_slug_asks_for_one(staff, db_path):
    text = GOOD.replace('slug = "pasted-cafe"', "")
    reply = _post(staff["facilitator"], {"source": "own", "text": text})
    assert reply.status_code == 400 and "Give the event a short name" in reply.text
    assert _post(staff["facilitator"], {"source": "own", "text": text, "slug": "named"}
                 ).status_code == 303


def test_empty_input_and_unknown_plan_file(staff, db_path):
    before = _counts(db_path)
    empty = _post(staff["facilitator"], {"source": "own", "text": "  "})
    assert empty.status_code == 400 and "paste a plan into the box" in empty.text
    unknown = _post(staff["facilitator"], {"source": "file", "plan": "../cafe.db"})
    assert unknown.status_code == 400 and "Choose one of the plans in the list." in unknown.text
    assert _counts(db_path) == before


def test_a_plan_over_the_limit_is_refused(app, staff, db_path):
    before = _counts(db_path)
    big = GOOD + "\n# " + "x" * 120_000 + "\n"
    reply = _post(staff["facilitator"], {"source": "own", "text": big})
    assert reply.status_code == 413 and "That plan is too large: at most 100 KB." in reply.text
    upload = (io.BytesIO(big.encode("utf-8")), "big.toml")
    reply = _post(staff["facilitator"], {"source": "own", "upload": upload},
                  content_type="multipart/form-data")
    assert reply.status_code == 413 and "That plan is too large" in reply.text
    # Over MAX_FORM_BYTES the body is not even read: the same message, on the form.
    huge = (io.BytesIO(b"#" * 300_000), "huge.toml")
    reply = _post(staff["facilitator"], {"source": "own", "upload": huge},
                  content_type="multipart/form-data")
    assert reply.status_code == 413 and "That plan is too large" in reply.text
    # ... but only to those who may create events: the role check has not run yet.
    for http in (staff["staff"], app.test_client()):
        huge = (io.BytesIO(b"#" * 300_000), "huge.toml")
        reply = http.post(NEW, data={"source": "own", "upload": huge},
                          content_type="multipart/form-data")
        assert reply.status_code == 413 and "From your own plan" not in reply.text
    assert _counts(db_path) == before


def test_not_a_text_file(staff, db_path):
    upload = (io.BytesIO(b"\xff\xfe\x00bad"), "plan.toml")
    reply = _post(staff["facilitator"], {"source": "own", "upload": upload},
                  content_type="multipart/form-data")
    assert reply.status_code == 400 and "save it as UTF-8 text" in reply.text


def test_only_facilitators_and_admins_may_create(app, staff, db_path):
    before = _counts(db_path)
    for role in ("staff", "safeguarding"):
        reply = _post(staff[role], {"source": "file", "plan": "demo.toml"})
        assert reply.status_code == 403, role
    for http in (app.test_client(),):  # anonymous: to the login page, nothing written
        reply = http.post(NEW, data={"source": "file", "plan": "demo.toml"})
        assert reply.status_code in (302, 400)
    assert _counts(db_path) == before


def test_create_needs_the_csrf_token(staff, db_path):
    before = _counts(db_path)
    reply = staff["admin"].post(NEW, data={"source": "file", "plan": "demo.toml"})
    assert reply.status_code == 400
    assert _counts(db_path) == before


# ---- accounts ----------------------------------------------------------------------------------


def test_admin_lists_accounts(staff):
    page = staff["admin"].get("/accounts").text
    for name in ("fac", "staffer", "lead", "boss"):
        assert f'<td role="cell">{name}</td>' in page
    assert "scrypt" not in page and 'id="new-password"' not in page  # nothing secret listed


def test_admin_adds_an_account_whose_password_is_shown_once_and_works(app, staff, db_path):
    reply = _post(staff["admin"], {"username": "amina", "role": "safeguarding"}, url="/accounts")
    assert reply.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', reply.text).group(1)
    assert len(password) >= 10
    role, hashed = rows(db_path, "SELECT role, password_hash FROM users WHERE username = 'amina'")[0]
    assert role == "safeguarding" and hashed.startswith("scrypt:")
    assert check_password_hash(hashed, password)
    assert password not in staff["admin"].get("/accounts").text  # shown once
    http = app.test_client()
    assert login(http, "amina", password).status_code == 303
    assert http.get("/safeguarding/test-cafe").status_code == 200


@pytest.mark.parametrize("data, status, message", [
    ({"username": "fac", "role": "staff"}, 409, "There is already an account called fac."),
    ({"username": "x", "role": "staff"}, 400, "User names are 2–40 letters"),
    ({"username": "has space", "role": "staff"}, 400, "User names are 2–40 letters"),
    ({"username": "newbie", "role": "root"}, 400, "Choose a role."),
])
def test_bad_accounts_are_refused(staff, db_path, data, status, message):
    before = rows(db_path, "SELECT username, role, password_hash FROM users ORDER BY id")
    reply = _post(staff["admin"], data, url="/accounts")
    assert reply.status_code == status and message in reply.text
    assert f'value="{data["username"]}"' in reply.text  # kept in the form
    assert rows(db_path, "SELECT username, role, password_hash FROM users ORDER BY id") == before


def test_only_admins_may_add_accounts(app, staff, db_path):
    before = rows(db_path, "SELECT username FROM users ORDER BY id")
    for role in ("facilitator", "staff", "safeguarding"):
        reply = _post(staff[role], {"username": "sneaky", "role": "admin"}, url="/accounts")
        assert reply.status_code == 403, role
    anonymous = app.test_client().post("/accounts", data={"username": "sneaky", "role": "admin"})
    assert anonymous.status_code in (302, 400)
    no_token = staff["admin"].post("/accounts", data={"username": "sneaky", "role": "admin"})
    assert no_token.status_code == 400
    assert rows(db_path, "SELECT username FROM users ORDER BY id") == before


def _account_id(db_path, name: str) -> int:
    return rows(db_path, "SELECT id FROM users WHERE username = ?", (name,))[0][0]


def test_admin_gives_a_new_password_that_ends_the_old_one_and_its_sessions(app, staff, db_path):
    before = staff["staff"].get("/workspace/test-cafe")
    assert before.status_code == 200
    url = f"/accounts/{_account_id(db_path, 'staffer')}/password"
    reply = _post(staff["admin"], {}, url=url)
    assert reply.status_code == 200 and "New password for staffer" in reply.text
    password = re.search(r'id="new-password">([^<]+)<', reply.text).group(1)
    assert password not in staff["admin"].get("/accounts").text  # shown once
    # The old session is over at once, the old password no longer works, the new one does.
    assert staff["staff"].get("/workspace/test-cafe").status_code in (302, 303)
    assert login(app.test_client(), "staffer").status_code != 303
    http = app.test_client()
    assert login(http, "staffer", password).status_code == 303
    assert http.get("/workspace/test-cafe").status_code == 200


def test_admin_disables_and_enables_an_account(app, staff, db_path):
    url = f"/accounts/{_account_id(db_path, 'fac')}"
    reply = _post(staff["admin"], {}, url=f"{url}/disable")
    assert reply.status_code == 200 and "fac is disabled and logged out everywhere" in reply.text
    assert rows(db_path, "SELECT disabled FROM users WHERE username = 'fac'") == [(1,)]
    assert staff["facilitator"].get("/console/test-cafe").status_code in (302, 303)
    assert login(app.test_client(), "fac").status_code != 303
    listed = staff["admin"].get("/accounts").text
    assert re.search(r"<td[^>]*>fac</td><td[^>]*>Facilitator</td><td[^>]*>disabled</td>", listed)
    assert f'action="{url}/enable"' in listed and f'action="{url}/disable"' not in listed
    reply = _post(staff["admin"], {}, url=f"{url}/enable")
    assert reply.status_code == 200 and "fac can log in again." in reply.text
    assert login(app.test_client(), "fac").status_code == 303


def test_admins_cannot_lock_themselves_out(staff, db_path):
    me = _account_id(db_path, "boss")
    before = rows(db_path, "SELECT disabled, password_hash FROM users WHERE id = ?", (me,))
    for action in ("disable", "password"):
        reply = _post(staff["admin"], {}, url=f"/accounts/{me}/{action}")
        assert reply.status_code == 409 and "cannot disable your own account" in reply.text
    assert rows(db_path, "SELECT disabled, password_hash FROM users WHERE id = ?", (me,)) == before
    assert "This is you" in staff["admin"].get("/accounts").text
    assert _post(staff["admin"], {}, url="/accounts/9999/disable").status_code == 404


def test_only_admins_may_change_accounts(app, staff, db_path):
    before = rows(db_path, "SELECT username, disabled, password_hash FROM users ORDER BY id")
    url = f"/accounts/{_account_id(db_path, 'staffer')}"
    for role in ("facilitator", "staff", "safeguarding"):
        for action in ("password", "disable"):
            assert _post(staff[role], {}, url=f"{url}/{action}").status_code == 403, role
    assert app.test_client().post(f"{url}/disable").status_code in (302, 400)
    assert staff["admin"].post(f"{url}/disable").status_code == 400  # no CSRF token
    assert rows(db_path, "SELECT username, disabled, password_hash FROM users ORDER BY id") == before


def test_empty_events_list_speaks_plainly(app, staff, db_path):
    from cafe.db import get_writer

    with app.app_context():
        get_writer().write(lambda db: db.execute("DELETE FROM events"))
    page = staff["facilitator"].get("/console/").text
    assert "Choose “New event” to create one from a plan." in page
    assert "cafe event create" in page  # still there, as secondary text
    assert "A facilitator or an admin can create one." in staff["staff"].get("/console/").text


def test_plan_files_lists_titles_and_problems_without_raising(tmp_path):
    from cafe.plans import plan_files

    (tmp_path / "b-good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a-bad.toml").write_text('title = "Half"\n', encoding="utf-8")
    (tmp_path / "c-binary.toml").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "notes.txt").write_text("not a plan", encoding="utf-8")
    found = plan_files(tmp_path)
    assert [p.name for p in found] == ["a-bad.toml", "b-good.toml", "c-binary.toml"]
    bad, good, binary = found
    assert good.title == "Test café" and not good.problems and good.source == GOOD
    assert not bad.title and {p.field for p in bad.problems} == {"tables", "rounds"}
    assert binary.problems[0].field == "(file)"
