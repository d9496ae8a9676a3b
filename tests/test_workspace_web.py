"""The workspace pages and forms: roles, CSRF, the run as a real background worker, each state."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from test_access import people  # noqa: F401 - fixture
from test_workspace import DISCLOSURE, event, result, synthesize  # noqa: F401 - fixture

from cafe.actions.synthesis.reads import latest_run, pid_alive, run_view
from cafe.actions.synthesis.runs import embeddings_available
from cafe.actions.synthesis.worker import SLOW_ENV, run_timeout, timeout_message
from cafe.db import get_writer, reading
from conftest import csrf_from, login, rows, wait_for

STAFF_PAGES = (
    "/workspace/test-cafe",
    "/workspace/test-cafe/unthemed",
    "/workspace/test-cafe/audit",
)


def staff_client(app, name="staffer"):
    http = app.test_client()
    assert login(http, name).status_code == 303
    return http


def post(http, action, page="/workspace/test-cafe", **data):
    token = csrf_from(http.get(page).text)
    return http.post(f"/workspace/test-cafe/do/{action}", data={"csrf_token": token, **data})


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="(?:ok|error)">(.*?)</p>', html)


def test_every_role_on_themes_and_actions(app, event, people, db_path):  # noqa: F811
    clients, _ = people
    synthesize(app, event)
    theme = result(app, event).themes[0]
    urls = [
        f"/workspace/test-cafe/theme/{theme.key}",
        f"/workspace/test-cafe/theme/{theme.key}/cloud.png",
    ]
    for role, http in clients.items():
        allowed = role in ("staff", "admin")
        for url in urls:
            status = http.get(url).status_code
            expected = 200 if allowed else 403 if role in ("facilitator", "safeguarding") else 302
            assert status == expected, (role, url, status)
        # A token from a page this role may open: the login page serves everyone.
        token = csrf_from(http.get("/login").text if not allowed else http.get(urls[0]).text)
        reply = http.post(
            "/workspace/test-cafe/do/rename",
            data={"csrf_token": token, "theme": theme.key, "label": f"By {role}"},
        )
        label = rows(db_path, "SELECT label FROM themes WHERE id = ?", (int(theme.key),))[0][0]
        if allowed:
            assert reply.status_code == 303 and label == f"By {role}"
        else:
            assert reply.status_code in (302, 403) and not label.endswith(role), role
    actors = {
        r[0] for r in rows(db_path, "SELECT actor FROM synthesis_audit WHERE action = 'rename'")
    }
    assert actors == {"staffer", "boss"}


def test_a_post_without_the_csrf_token_changes_nothing(app, event, db_path):  # noqa: F811
    synthesize(app, event)
    theme = result(app, event).themes[0]
    http = staff_client(app)
    reply = http.post("/workspace/test-cafe/do/rename", data={"theme": theme.key, "label": "X"})
    assert reply.status_code == 400
    assert rows(db_path, "SELECT label FROM themes WHERE id = ?", (int(theme.key),))[0][0] != "X"


def test_empty_states_before_notes_and_before_a_run(app):
    http = staff_client(app)
    page = http.get("/workspace/test-cafe").text
    assert "No notes yet" in page and "No themes yet" in page and 'id="run-form"' not in page
    reply = post(http, "run", k="auto")
    assert "There are no notes to theme yet." in flashes(http.get(reply.location).text)
    assert http.get("/workspace/test-cafe/run.json").get_json() == {"run": None}
    assert "No changes yet" in http.get("/workspace/test-cafe/audit").text


def test_run_in_the_background_then_curate_from_the_pages(app, event, db_path):  # noqa: F811
    http = staff_client(app)
    page = http.get("/workspace/test-cafe").text
    assert "No themes yet" in page and 'id="run-form"' in page and "25 notes can be themed" in page
    reply = post(http, "run", k="auto", frames="1")
    assert reply.status_code == 303
    # The worker is a real `python -m cafe synthesize --job ID` process; the page polls this.
    seen = []

    def finished() -> bool:
        run = http.get("/workspace/test-cafe/run.json").get_json()["run"]
        seen.append(run["status"])
        return run["status"] in ("done", "failed")

    wait_for(finished, timeout=300)
    assert seen[-1] == "done", http.get("/workspace/test-cafe/run.json").get_json()
    page = http.get("/workspace/test-cafe").text
    assert 'role="progressbar"' in page and 'aria-valuenow="100"' in page
    cards = re.findall(r'<h[34] id="theme-title-(\d+)">([^<]+)</h[34]>', page)
    assert len(cards) >= 2 and "Not yet themed" in page
    alt = re.search(r'<img class="cloud" src="([^"]+)"[^>]* alt="Word cloud of ([^"]+)"', page)
    assert alt and ":" in alt.group(2)
    png = http.get(alt.group(1))
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    for url in STAFF_PAGES + tuple(f"/workspace/test-cafe/theme/{i}" for i, _ in cards):
        html = http.get(url).text
        assert DISCLOSURE not in html and "07700 900123" not in html, url

    first, second = cards[0][0], cards[1][0]
    theme_page = f"/workspace/test-cafe/theme/{first}"
    reply = post(
        http, "rename", page=theme_page, theme=first, label="Housing and refuge", next=theme_page
    )
    assert reply.location == theme_page
    html = http.get(theme_page).text
    assert "Theme renamed." in flashes(html) and "<h1>Housing and refuge</h1>" in html
    reply = post(http, "rename", theme=first, label="   ")
    assert "Give the theme a name." in flashes(http.get(reply.location).text)

    token = csrf_from(http.get("/workspace/test-cafe").text)
    reply = http.post(
        "/workspace/test-cafe/do/merge", data={"csrf_token": token, "theme": [first, second]}
    )
    assert "Merged 2 themes" in flashes(http.get(reply.location).text)[0]
    audit = http.get("/workspace/test-cafe/audit").text
    assert "Merged themes" in audit and "Renamed a theme" in audit and "staffer" in audit
    reply = post(http, "undo", page="/workspace/test-cafe/audit")
    assert "Undone: merged themes." in flashes(http.get(reply.location).text)
    assert f'id="theme-title-{second}"' in http.get("/workspace/test-cafe").text

    note = int(re.search(r'name="note" value="(\d+)"', http.get(theme_page).text).group(1))
    post(http, "exclude", page=theme_page, note=str(note), next=theme_page)
    assert f'id="note-{note}"' not in http.get(theme_page).text
    unthemed = http.get("/workspace/test-cafe/unthemed").text
    assert f'id="note-{note}"' in unthemed and "Include again" in unthemed
    moving = int(re.search(r'name="note" value="(\d+)"', http.get(theme_page).text).group(1))
    reply = post(http, "move", page=theme_page, note=str(moving), theme="", next=theme_page)
    assert "Choose where to move the note." in flashes(http.get(reply.location).text)
    post(http, "move", page=theme_page, note=str(moving), theme="none", next=theme_page)
    assert f'id="note-{moving}"' in http.get("/workspace/test-cafe/unthemed").text
    post(http, "move", page=theme_page, note=str(moving), theme=second, next=theme_page)
    assert f'id="note-{moving}"' in http.get(f"/workspace/test-cafe/theme/{second}").text
    post(http, "bogus", theme=first)  # unknown actions are not found
    assert http.post("/workspace/test-cafe/do/bogus", data={"csrf_token": token}).status_code == 404


def test_a_second_run_is_refused_on_the_page(app, event):  # noqa: F811
    http = staff_client(app)
    with app.app_context():
        from cafe.actions.synthesis.runs import do_start_run

        do_start_run(event, "boss")  # queued by this live process
    reply = post(http, "run", k="auto")
    html = http.get(reply.location).text
    assert any("already in progress" in f for f in flashes(html))
    assert 'id="run-button" disabled' in html


def test_a_failed_run_shows_its_reason(app, event):  # noqa: F811
    http = staff_client(app)
    with app.app_context():
        from cafe.actions.synthesis.runs import do_fail_run, do_start_run

        run = do_start_run(event, "boss")
        do_fail_run(get_writer(), run["id"], "MemoryError: out of memory")
    html = http.get("/workspace/test-cafe").text
    assert "The last run failed: MemoryError: out of memory" in html
    assert 'class="error" role="status"' in html
    with app.app_context(), reading() as db:
        assert run_view(latest_run(db, event["id"]))["status"] == "failed"


def test_cards_say_when_a_name_was_kept_and_why_a_theme_is_numbered(app, event, db_path):  # noqa: F811
    synthesize(app, event)
    first = result(app, event).themes[0]
    http = staff_client(app)
    post(http, "rename", theme=first.key, label="Waiting for a home")
    synthesize(app, event)
    page = http.get("/workspace/test-cafe").text
    kept = re.search(r'<h3 id="theme-title-(\d+)">Waiting for a home</h3>', page)
    assert kept and int(kept.group(1)) != int(first.key)
    assert f'id="name-kept-{kept.group(1)}"' in page
    assert f"Name kept from the last run (theme {first.key})" in page
    detail = http.get(f"/workspace/test-cafe/theme/{kept.group(1)}").text
    assert f'id="name-kept-{kept.group(1)}"' in detail
    assert f"Name kept from the last run (theme {first.key})" in detail
    audit = http.get("/workspace/test-cafe/audit").text
    assert "“Waiting for a home”: name kept on the new theme that shares most of its notes" in audit
    assert "why-numbered" not in page
    # A theme the engine could only number (no content words) says so on its card.
    other = next(t for t in result(app, event).themes if t.key != kept.group(1))
    with app.app_context():
        get_writer().write(lambda db: db.execute(
            "UPDATE themes SET key_phrases_json = '[]', label = 'Theme 9' WHERE id = ?",
            [int(other.key)]))
    page = http.get("/workspace/test-cafe").text
    assert f'id="why-numbered-{other.key}"' in page and "no shared words" in page


@pytest.mark.parametrize("role", ["fac", "lead"])
def test_the_events_list_links_the_workspace_only_for_staff(app, role):
    from cafe.actions import do_create_user
    from conftest import PASSWORD

    with app.app_context():
        do_create_user("lead", PASSWORD, "safeguarding")
    assert "Synthesis workspace" in staff_client(app).get("/console/").text
    assert "Synthesis workspace" not in staff_client(app, role).get("/console/").text


# ---- a run's worker: cancel, time limit, death -------------------------------------------------


def _run_json(http) -> dict:
    return http.get("/workspace/test-cafe/run.json").get_json()["run"]


def _start_slow_run(http, monkeypatch, delay="60") -> int:
    """Start a real worker that pauses `delay` seconds after each step; return its pid once it
    has reported progress of its own."""
    monkeypatch.setenv(SLOW_ENV, delay)
    reply = post(http, "run", k="auto", frames="1")
    assert "Synthesis started." in flashes(http.get(reply.location).text)
    wait_for(lambda: _run_json(http)["message"] not in ("Starting", "Waiting to start"), 120)
    run = _run_json(http)
    assert run["status"] == "running" and run["progress"] > 0.01, run
    return rows(str_db(http), "SELECT pid FROM synthesis_runs WHERE id = ?", (run["id"],))[0][0]


def str_db(http):
    return http.application.config["CAFE_DATABASE"]


def _gone(pid: int) -> bool:
    return not pid_alive(pid)


def test_cancel_stops_the_worker_and_keeps_the_themes_from_before(
    app, event, db_path, monkeypatch  # noqa: F811
):
    synthesize(app, event)
    before = [(t.key, t.label, t.note_ids) for t in result(app, event).themes]
    http = staff_client(app)
    pid = _start_slow_run(http, monkeypatch)
    assert pid_alive(pid)
    page = http.get("/workspace/test-cafe").text
    assert 'id="cancel-form"' in page and 'id="run-button" disabled' in page
    run_id = _run_json(http)["id"]
    token = csrf_from(page)
    # Without the CSRF token nothing stops.
    assert http.post("/workspace/test-cafe/do/cancel", data={"run": run_id}).status_code == 400
    assert pid_alive(pid) and _run_json(http)["status"] == "running"
    reply = http.post(
        "/workspace/test-cafe/do/cancel", data={"csrf_token": token, "run": run_id}
    )
    html = http.get(reply.location).text
    assert "Synthesis cancelled. The themes from before are kept." in flashes(html)
    wait_for(lambda: _gone(pid), 30)  # the worker process is stopped (and reaped)
    assert _run_json(http)["status"] == "cancelled"
    assert rows(db_path, "SELECT status, cancelled_by FROM synthesis_runs WHERE id = ?",
                (run_id,)) == [("failed", "staffer")]
    assert "The last run was cancelled by staffer" in html and 'id="run-again-form"' in html
    assert 'id="cancel-form"' not in html and 'id="run-button" disabled' not in html
    assert [(t.key, t.label, t.note_ids) for t in result(app, event).themes] == before
    # Cancelling again, or a run that is not there, is refused with a reason.
    reply = post(http, "cancel", run=str(run_id))
    assert "This run has already finished." in flashes(http.get(reply.location).text)
    reply = post(http, "cancel", run="nope")
    assert "There is no such run." in flashes(http.get(reply.location).text)


def test_a_run_past_its_time_limit_is_stopped_and_failed(app, event, monkeypatch):  # noqa: F811
    app.config["CAFE_SYNTHESIS_TIMEOUT"] = 1.0
    http = staff_client(app)
    monkeypatch.setenv(SLOW_ENV, "60")
    post(http, "run", k="auto")
    wait_for(lambda: _run_json(http)["status"] == "failed", 120)
    pid = rows(str_db(http), "SELECT pid FROM synthesis_runs")[0][0]
    wait_for(lambda: _gone(pid), 30)
    html = http.get("/workspace/test-cafe").text
    assert (
        "The last run failed: The run took longer than 1 minute and was stopped "
        "(CAFE_SYNTHESIS_TIMEOUT)." in html
    )
    assert 'id="run-again-form"' in html and "No themes yet" in html


def test_the_limit_grows_with_the_notes():
    assert run_timeout(600, 50) == 600
    assert run_timeout(600, 10_000) == 3000
    assert timeout_message(600) == "The run took longer than 10 minutes and was stopped."


def test_a_worker_that_dies_shows_as_failed_and_runs_again(app, event, db_path, monkeypatch):  # noqa: F811
    import os
    import signal

    http = staff_client(app)
    pid = _start_slow_run(http, monkeypatch)
    os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
    wait_for(lambda: _run_json(http)["status"] == "failed", 30)
    html = http.get("/workspace/test-cafe").text
    assert "The last run failed: The synthesis process was killed (signal 9)." in html
    # "Run again" posts the same options; this time the worker is not slowed down.
    monkeypatch.delenv(SLOW_ENV)
    form = re.search(r'<form[^>]*id="run-again-form".*?</form>', html, re.S).group(0)
    data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert data["k"] == "auto" and data["frames"] == "1"
    reply = http.post("/workspace/test-cafe/do/run", data=data)
    assert "Synthesis started." in flashes(http.get(reply.location).text)
    wait_for(lambda: _run_json(http)["status"] in ("done", "failed"), 300)
    assert _run_json(http)["status"] == "done"


def test_a_run_whose_process_is_gone_is_recorded_failed_on_the_next_poll(app, event, db_path):  # noqa: F811
    import subprocess
    import sys

    # A server that restarted no longer follows its worker: all that is left is the pid.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with app.app_context():
        from cafe.actions.synthesis.runs import do_start_run

        run = do_start_run(event, "boss", pid=gone.pid)
    assert rows(db_path, "SELECT status FROM synthesis_runs")[0][0] == "queued"
    http = staff_client(app)
    assert _run_json(http)["status"] == "failed"
    assert rows(db_path, "SELECT status, message FROM synthesis_runs WHERE id = ?",
                (run["id"],)) == [("failed", "The synthesis process stopped before it finished.")]
    html = http.get("/workspace/test-cafe").text
    assert 'id="run-again-form"' in html and 'id="run-button" disabled' not in html


def test_without_the_embeddings_model_the_page_says_how_to_add_it(
    app, event, people, monkeypatch, tmp_path, request  # noqa: F811
):
    monkeypatch.setenv("CAFE_EMBEDDINGS_MODEL", str(tmp_path / "no-model-here"))
    embeddings_available.cache_clear()  # read once per process; this test changes the answer
    request.addfinalizer(embeddings_available.cache_clear)
    html = staff_client(app).get("/workspace/test-cafe").text
    box = re.search(r'<input type="checkbox" name="embeddings"[^>]*>', html).group(0)
    assert "disabled" in box
    help_text = re.search(r'<span id="emb-help"[^>]*>(.*?)</span>', html, re.S).group(1)
    assert "Better themes: the embeddings option" in help_text
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "### Better themes: the embeddings option" in readme
    assert "pip install -e '.[embeddings]'" in readme


def test_a_run_over_some_rounds_says_what_it_covers_and_lists_the_notes_left_out(
    app, event, db_path  # noqa: F811
):
    http = staff_client(app)
    form = http.get("/workspace/test-cafe").text
    assert "Notes outside the ticked rounds and tables are left out of the new themes" in form
    synthesize(app, event, rounds=[1])
    page = http.get("/workspace/test-cafe").text
    round_two = {
        r[0]
        for r in rows(
            db_path,
            "SELECT id FROM notes WHERE round_no = 2 AND flags_json NOT LIKE '%disclosure%'",
        )
    }
    in_scope = 25 - len(round_two)
    assert (
        f"This run covers round 1 only: {in_scope} of 25 notes." in page
        and f"{len(round_two)} notes from other rounds or tables are not in these themes." in page
        and 'id="run-all-button"' in page
    )
    sizes = [int(n) for n in re.findall(r'<p class="meta">(\d+) notes?', page)]
    unthemed = int(re.search(r"(\d+) notes? fits? no theme yet", page).group(1))
    assert sum(sizes) + unthemed + len(round_two) == 25
    listed = http.get("/workspace/test-cafe/unthemed").text
    left = listed.split('id="left-out"')[1].split("<h2>")[0]
    assert {int(i) for i in re.findall(r'id="note-(\d+)"', left)} == round_two
    # "Run synthesis on all notes" runs without the scope: nothing is left out any more.
    token = csrf_from(page)
    reply = http.post(
        "/workspace/test-cafe/do/run",
        data={"csrf_token": token, "k": "auto", "frames": "1"},
    )
    assert reply.status_code == 303
    wait_for(
        lambda: http.get("/workspace/test-cafe/run.json").get_json()["run"]["status"]
        in ("done", "failed"),
        timeout=300,
    )
    page = http.get("/workspace/test-cafe").text
    assert 'id="scope-note"' not in page and 'id="left-out"' not in http.get(
        "/workspace/test-cafe/unthemed"
    ).text
    # Undoing that run brings back the round-1 themes and says so, with the same counts.
    post(http, "undo")
    page = http.get("/workspace/test-cafe").text
    assert f"This run covers round 1 only: {in_scope} of 25 notes." in page
    assert "was undone; the themes from before it are back." in page


def test_the_change_log_speaks_in_names_and_says_what_undo_will_undo(app, event, db_path):  # noqa: F811
    synthesize(app, event, n_themes=2)
    a, b = result(app, event).themes[:2]
    http = staff_client(app)
    first = post(http, "rename", theme=a.key, label="First name")
    post(http, "rename", theme=a.key, label="Second name")
    assert "Undo: Renamed a theme: “First name” → “Second name”, " in http.get(first.location).text
    moving = a.note_ids[0]
    post(http, "move", note=str(moving), theme=b.key)
    text = rows(db_path, "SELECT text FROM notes WHERE id = ?", (moving,))[0][0]
    excerpt = " ".join(text.split()[:8])
    page = http.get("/workspace/test-cafe").text
    assert f"Undo: Moved a note: “{excerpt}…” from “Second name” to “{b.label}”, " in page
    audit = http.get("/workspace/test-cafe/audit").text
    assert f"Moved a note: “{excerpt}…” from “Second name” to “{b.label}”" in audit
    assert "Ran synthesis: 2 themes" in audit and '{"all"' not in audit and "theme_ids" not in audit
    assert f"“{excerpt}…”: “{b.label}”" in audit  # where the note was after the move
    # The first rename cannot be undone before the second: no button, and the page says why.
    ids = [r[0] for r in rows(db_path, "SELECT id FROM synthesis_audit ORDER BY id")]
    assert f'name="entry" value="{ids[1]}"' not in audit
    assert f'id="blocked-{ids[1]}"' in audit and "Undo “Renamed a theme” by staffer at" in audit
    assert f'name="entry" value="{ids[2]}"' not in audit  # the move touched theme a too
    assert f'name="entry" value="{ids[3]}"' in audit
    # A note later held as a disclosure is never shown, in the log either.
    with app.app_context():
        get_writer().write(lambda db: db.execute(
            "UPDATE notes SET flags_json = '[\"disclosure\"]' WHERE id = ?", [moving]))
    audit = http.get("/workspace/test-cafe/audit").text
    assert excerpt not in audit and "a note no longer in the workspace" in audit


def test_a_split_from_the_theme_page_lands_on_its_first_part_without_a_false_notice(
    app, event  # noqa: F811
):
    synthesize(app, event, n_themes=1)
    biggest = max(result(app, event).themes, key=lambda t: len(t.note_ids))
    http = staff_client(app)
    page = f"/workspace/test-cafe/theme/{biggest.key}"
    reply = post(http, "split", page=page, theme=biggest.key, parts="2", next=page)
    parts = [t for t in result(app, event).themes if t.key != biggest.key]
    first = min(int(t.key) for t in parts if int(t.key) > int(biggest.key))
    assert reply.location == f"/workspace/test-cafe#theme-{first}"
    said = flashes(http.get(reply.location).text)
    assert said == ["Split into 2 themes."], said
    # Undoing the split from a part's page goes back to the themes, again without the notice.
    part = f"/workspace/test-cafe/theme/{first}"
    reply = post(http, "undo", page=part, next=part)
    assert reply.location == "/workspace/test-cafe"
    assert flashes(http.get(reply.location).text) == ["Undone: split a theme."]


def test_the_split_form_and_messages_say_what_becomes_of_a_staff_name(app, event):  # noqa: F811
    synthesize(app, event, n_themes=3)
    a, b, c = result(app, event).themes[:3]
    http = staff_client(app)
    page = f"/workspace/test-cafe/theme/{a.key}"
    assert "the largest part keeps the name" not in http.get(page).text
    post(http, "rename", page=page, theme=a.key, label="Fear of services", next=page)
    html = http.get(page).text
    assert f'aria-describedby="split-name-{a.key}"' in html
    assert "(the largest part keeps the name “Fear of services”; the others are named from " \
        "their words)" in html
    reply = post(http, "split", page=page, theme=a.key, parts="2", next=page)
    assert flashes(http.get(reply.location).text) == [
        "Split into 2 themes. The largest part keeps the name “Fear of services”; the others "
        "are named from their words."
    ]
    post(http, "undo")
    post(http, "rename", theme=b.key, label="Money")
    post(http, "rename", theme=c.key, label="Trust")
    reply = post(http, "merge", theme=[a.key, b.key, c.key], into=a.key)
    said = flashes(http.get(reply.location).text)
    assert len(said) == 1 and said[0].startswith("Merged 3 themes into “Fear of services”. ")
    assert said[0].endswith("The names staff gave “Money”, “Trust” were not kept (Undo brings "
                            "them back).")
    # A smaller theme's staff name kept by a merge into an unnamed theme: the change log names
    # every theme merged and the name kept, never "Money into “Money”".
    post(http, "undo")  # the merge
    post(http, "undo")  # "Trust": c has its machine name again
    unnamed = next(t.label for t in result(app, event).themes if t.key == c.key)
    post(http, "merge", theme=[c.key, b.key], into=c.key)
    log = unescape(http.get("/workspace/test-cafe/audit").text)
    assert f"“{unnamed}”, “Money” into one theme named “Money”" in log
    assert "Money into “Money”" not in log


def test_a_note_action_goes_back_to_the_next_note(app, event):  # noqa: F811
    synthesize(app, event, n_themes=1)
    theme = max(result(app, event).themes, key=lambda t: len(t.note_ids))
    http = staff_client(app)
    page = f"/workspace/test-cafe/theme/{theme.key}"
    html = http.get(page).text
    shown = [int(i) for i in re.findall(r'<li class="note ws-note[^"]*" id="n-(\d+)"', html)]
    after = re.findall(rf'name="note" value="{shown[1]}">\s*<input type="hidden" name="after" '
                       r'value="(\w+)"', html)
    assert after[0] == str(shown[2])
    reply = post(http, "exclude", page=page, note=str(shown[1]), after=after[0], next=page)
    assert reply.location == f"{page}#n-{shown[2]}"
    # The last note goes back to the one before it; a refusal goes back to the note itself.
    html = http.get(page).text
    assert f'name="note" value="{shown[-1]}">\n      <input type="hidden" name="after" value="{shown[-2]}"' in html
    reply = post(http, "exclude", page=page, note=str(shown[1]), after=str(shown[2]), next=page)
    assert reply.location == f"{page}#n-{shown[1]}"
    assert "The note is already excluded." in flashes(http.get(reply.location).text)


def test_a_theme_left_with_no_notes_is_not_shown_or_counted(app, event):  # noqa: F811
    synthesize(app, event, n_themes=3)
    themes = result(app, event).themes
    small = min(themes, key=lambda t: len(t.note_ids))
    http = staff_client(app)
    page = http.get("/workspace/test-cafe").text
    assert f"Themes ({len(themes)})" in page and f'id="theme-{small.key}"' in page
    for nid in small.note_ids:
        post(http, "move", note=str(nid), theme="none")
    page = http.get("/workspace/test-cafe").text
    assert f"Themes ({len(themes) - 1})" in page and f'id="theme-{small.key}"' not in page
    post(http, "undo")
    assert f'id="theme-{small.key}"' in http.get("/workspace/test-cafe").text


def _sections(page: str) -> dict[str, list[str]]:
    """Return each question heading's id and the theme ids listed under it."""
    out = {}
    for block in page.split('<section class="question-group"')[1:]:
        block = block.split("</section>")[0]
        heading = re.search(r'<h3 id="(question-[^"]+)"', block).group(1)
        out[heading] = re.findall(r'<h4 id="theme-title-(\d+)">', block)
    return out


def test_themes_are_shown_under_the_question_their_notes_answer(app, event, db_path):  # noqa: F811
    synthesize(app, event, by_question=True)
    http = staff_client(app)
    page = http.get("/workspace/test-cafe").text
    sections = _sections(page)
    assert set(sections) == {"question-1", "question-2"}, sections
    questions = dict(rows(db_path, "SELECT number, question FROM rounds"))
    for number, question in questions.items():
        assert f"Question {number}:" in page and unescape(page).count(question) >= 1
    rounds = dict(rows(db_path, "SELECT id, round_no FROM notes"))
    members = rows(db_path, "SELECT theme_id, note_id FROM theme_notes")
    for heading, themes in sections.items():
        assert themes, heading
        for theme in themes:  # every note of a theme listed under question N answers question N
            answered = {rounds[n] for t, n in members if t == int(theme)}
            assert answered == {int(heading.split("-")[1])}, (heading, theme, answered)
    assert "Themes within each question." in page
    assert re.search(r'id="grouping-button"[^>]*>Theme all questions together<', page)
    assert '<input type="hidden" name="together" value="1">' in page.split('id="grouping-form"')[1]

    # Merging themes of two questions: the merged theme is listed apart, under neither question.
    one, two = sections["question-1"][0], sections["question-2"][0]
    token = csrf_from(page)
    http.post("/workspace/test-cafe/do/merge", data={"csrf_token": token, "theme": [one, two]})
    page = http.get("/workspace/test-cafe").text
    mixed = _sections(page)["question-mixed"]
    assert len(mixed) == 1 and "Themes with notes from several questions" in page


def test_all_questions_together_is_a_toggle_that_runs_again(app, event, db_path):  # noqa: F811
    synthesize(app, event, by_question=False)
    http = staff_client(app)
    page = http.get("/workspace/test-cafe").text
    assert 'class="question-group"' not in page and "All questions together." in page
    assert re.findall(r'<h3 id="theme-title-(\d+)">', page)
    assert re.search(r'id="grouping-button"[^>]*>Theme each question on its own<', page)
    assert re.search(r'name="together" value="1" id="together"[^>]* checked', page)
    # The toggle's form asks for a run per question (no "together"); the run records it.
    form = page.split('id="grouping-form"')[1].split("</form>")[0]
    assert 'name="together"' not in form
    assert post(http, "run", k="auto", frames="1").status_code == 303
    wait_for(lambda: http.get("/workspace/test-cafe/run.json").get_json()["run"]["status"]
             in ("done", "failed"), timeout=300)
    params = rows(db_path, "SELECT params_json FROM synthesis_runs ORDER BY id DESC LIMIT 1")[0][0]
    assert '"by_question": true' in params
    page = http.get("/workspace/test-cafe").text
    assert 'class="question-group"' in page and "Themes within each question." in page
    assert post(http, "run", k="auto", frames="1", together="1").status_code == 303
    wait_for(lambda: http.get("/workspace/test-cafe/run.json").get_json()["run"]["status"]
             in ("done", "failed"), timeout=300)
    params = rows(db_path, "SELECT params_json FROM synthesis_runs ORDER BY id DESC LIMIT 1")[0][0]
    assert '"by_question": false' in params
    assert 'class="question-group"' not in http.get("/workspace/test-cafe").text
