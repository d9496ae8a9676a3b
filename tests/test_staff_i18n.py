"""The staff synthesis workspace and the briefing pages speak the staff member's language."""

from __future__ import annotations

import re

from test_briefing_web import DRAFTS, made, workspace  # noqa: F401 - fixtures

from conftest import csrf_from

WORKSPACE = "/workspace/test-cafe"

# Headings, buttons and messages of each page that must not stay English.
ENGLISH = {
    WORKSPACE: ["Run synthesis again", "Merge the ticked themes", "Not yet themed", "Change log",
                "Undo: ", "By table:", "Synthesis progress", "Themes are made on this",
                "Options and the button to run again", "Number of themes"],
    f"{WORKSPACE}/unthemed": ["Not yet themed", "Excluded notes are left out", "Excluded</h2>",
                              "All themes", "Undo: "],
    f"{WORKSPACE}/audit": ["Change log", "Before and after", "Ran synthesis",
                           "Renamed a theme", ">Undo<"],
    DRAFTS: ["Drafts</h2>", "New draft", "Make a draft", "What is the briefing about?",
             "Last edited", "The themes ticked below", "All themes ("],
}
EDITOR_ENGLISH = ["Print view (A4)", "Regenerate from current themes", "Delete this draft",
                  "Draft text", "Preview</h2>", "History</h2>", ">Saved<", "Not saved yet",
                  "Copy your text, then reload", "The preview could not be updated"]


def _pages(made) -> dict[str, list[str]]:  # noqa: F811
    return {**ENGLISH, f"{DRAFTS}/drafts/{made['draft']}": EDITOR_ENGLISH}


def test_workspace_briefings_and_editor_in_polish(made, workspace):  # noqa: F811
    http = made["http"]
    for url, english in _pages(made).items():
        page = http.get(f"{url}?lang=pl")
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        assert '<html lang="pl" dir="ltr">' in body, url
        left = [word for word in english if word in body]
        assert not left, (url, left)
    page = http.get(f"{WORKSPACE}?lang=pl").get_data(as_text=True)
    assert "Połącz zaznaczone tematy" in page and "Uruchom syntezę ponownie" in page
    # CLDR plurals: a theme card counts its notes with the Polish form for its number.
    sizes = re.findall(r'<p class="meta">(\d+) (notatka|notatki|notatek)', page)
    assert sizes
    for number, word in sizes:
        n = int(number)
        expected = ("notatka" if n == 1 else "notatki"
                    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "notatek")
        assert word == expected, (n, word)
    assert "Wersje robocze" in http.get(f"{DRAFTS}?lang=pl").get_data(as_text=True)


def test_workspace_messages_refusals_and_run_state_in_polish(made, workspace):  # noqa: F811
    http = made["http"]
    page = http.get(f"{WORKSPACE}?lang=pl").get_data(as_text=True)
    token = csrf_from(page)
    theme = workspace.themes[0]
    renamed = http.post(f"{WORKSPACE}/do/rename", data={
        "csrf_token": token, "theme": theme.key, "label": "Nowa nazwa", "next": WORKSPACE,
    }, follow_redirects=True).get_data(as_text=True)
    assert "Zmieniono nazwę tematu." in renamed and "Theme renamed." not in renamed
    undone = http.post(f"{WORKSPACE}/do/undo", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Cofnięto: zmieniono nazwę tematu." in undone
    audit = http.get(f"{WORKSPACE}/audit").get_data(as_text=True)
    assert "Cofnięto zmianę: „Zmieniono nazwę tematu” – staffer" in audit
    # Refused inside the action (outside the page's own code): translated when shown.
    refused = http.post(f"{WORKSPACE}/do/merge", data={
        "csrf_token": token, "theme": theme.key,
    }, follow_redirects=True).get_data(as_text=True)
    assert "Wybierz co najmniej dwa tematy do połączenia." in refused
    # The run's progress message is stored in English by the worker and shown translated.
    run = http.get(f"{WORKSPACE}/run.json?lang=pl").get_json()["run"]
    assert run["message"].startswith("Znaleziono "), run
    # The autosave's conflict comes from the database writer's thread, still in Polish.
    conflict = http.post(f"{DRAFTS}/drafts/{made['draft']}/save?lang=pl",
                         json={"markdown": "x", "revision": 99},
                         headers={"X-CSRFToken": made["csrf"]})
    assert conflict.status_code == 409
    assert conflict.get_json()["error"].startswith("Tę wersję roboczą zmieniono gdzie indziej")


def test_workspace_briefings_and_editor_right_to_left_in_urdu(made, workspace):  # noqa: F811
    http = made["http"]
    for url in _pages(made):
        body = http.get(f"{url}?lang=ur").get_data(as_text=True)
        assert '<html lang="ur" dir="rtl">' in body, url
    assert "موضوعات" in http.get(f"{WORKSPACE}?lang=ur").get_data(as_text=True)
    print_view = http.get(f"{DRAFTS}/drafts/{made['draft']}/print?lang=ur").get_data(as_text=True)
    assert 'dir="rtl"' in print_view and "Back to the editor" not in print_view


def test_english_stays_the_default(made, workspace):  # noqa: F811
    # Every word the checks above look for is on the English page, so their absence means something.
    for url, english in _pages(made).items():
        body = made["http"].get(url).get_data(as_text=True)
        assert '<html lang="en" dir="ltr">' in body, url
        missing = [word for word in english if word not in body]
        assert not missing, (url, missing)


def test_a_worker_that_ended_badly_is_reported_in_the_staff_members_language(app):
    from cafe.web.strings import run_message

    english = {
        "The synthesis process was killed (signal 9).": "Proces syntezy został przerwany (sygnał 9).",
        "The synthesis process stopped (exit code 3).":
            "Proces syntezy zatrzymał się (kod wyjścia 3).",
        "Could not save the themes: OperationalError: disk full":
            "Nie udało się zapisać tematów: OperationalError: disk full",
        "Encoding the notes: 256 of 1000": "Kodowanie notatek: 256 z 1000",
    }
    for message, polish in english.items():
        with app.test_request_context("/?lang=pl"):
            assert run_message(message) == polish
        with app.test_request_context("/"):
            assert run_message(message) == message
    with app.test_request_context("/?lang=ur"):
        assert run_message("The synthesis process was killed (signal 9).") == \
            "ترکیب کا عمل ختم کر دیا گیا (سگنل 9)۔"


def test_new_event_and_accounts_pages_in_polish(app):
    from cafe.actions import do_create_user
    from conftest import PASSWORD, login

    with app.app_context():
        do_create_user("boss", PASSWORD, "admin")
    http = app.test_client()
    assert login(http, "boss").status_code == 303
    pages = {
        "/events/new": ["From a ready-made plan", "From your own plan", "Create event",
                        "Or paste the plan here"],
        "/accounts": ["Staff accounts", "Add an account", "creates and runs events",
                      "shown once"],
        "/console/": ["New event</a>"],
    }
    for url, english in pages.items():
        body = http.get(f"{url}?lang=pl").get_data(as_text=True)
        assert '<html lang="pl" dir="ltr">' in body, url
        left = [word for word in english if word in body]
        assert not left, (url, left)
    # A plan's problem keeps the validator's field and line, in a Polish sentence.
    token = csrf_from(http.get("/events/new?lang=pl").get_data(as_text=True))
    reply = http.post("/events/new?lang=pl", data={
        "csrf_token": token, "source": "own", "text": 'title = "x"\nnot toml\n'})
    body = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "(syntax)" in body and "The event was not created" not in body
