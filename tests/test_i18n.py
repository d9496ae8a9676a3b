"""Every participant in their own language: catalogues complete, pages translated, notes kept as written."""

from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from cafe import socketio
from cafe.i18n import LANGUAGES
from conftest import join, rows

ROOT = Path(__file__).parent.parent
TRANSLATED = [lang.code for lang in LANGUAGES if lang.code != "en"]
PAGES = ["/", "/e/test-cafe/", "/e/test-cafe/t/1"]


def catalogue(code: str):
    with (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Run pybabel extract over the code and templates, as a translator would."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def _translated(string) -> bool:
    """Say whether a message has its translation (every plural form, for a plural message)."""
    return all(string) if isinstance(string, tuple) else bool(string)


def test_plural_messages_are_extracted_as_plurals(extracted):
    assert any(isinstance(i, tuple) for i in extracted), "extract with -k ngettext:1,2"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_translates_every_string_in_the_code(extracted, code):
    messages = {m.id: m for m in catalogue(code) if m.id}
    missing = sorted(map(str, extracted - set(messages)))  # plural ids are tuples
    assert not missing, f"{code}: run `pybabel update` and translate: {missing[:5]}"
    untranslated = sorted(
        str(i) for i in extracted if messages[i].fuzzy or not _translated(messages[i].string)
    )
    assert not untranslated, f"{code}: untranslated or fuzzy: {untranslated[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogue_matches_its_source(code):
    directory = ROOT / "translations" / code / "LC_MESSAGES"
    with (directory / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue(code):
        if message.id and isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, (
                f"{code}: messages.mo is stale; run `pybabel compile -d translations`"
            )


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_survive_translation(code):
    import re

    for message in catalogue(code):
        if message.id and isinstance(message.id, str):
            wanted = sorted(re.findall(r"%\(\w+\)s", message.id))
            assert sorted(re.findall(r"%\(\w+\)s", message.string)) == wanted, (code, message.id)


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("page", PAGES)
def test_participant_pages_are_translated(client, code, page):
    english = client.get(page, headers={"Accept-Language": "en"}).text
    translated = client.get(page + f"?lang={code}").text
    assert f'lang="{code}"' in translated
    english_strings = {
        m.id for m in catalogue(code) if m.id and isinstance(m.id, str) and len(m.id) > 12
    }
    leaked = [s for s in english_strings if s in translated and s in english and "%(" not in s]
    assert not leaked, f"{code} {page}: English left on the page: {leaked[:3]}"


def test_urdu_is_written_right_to_left(client):
    page = client.get("/e/test-cafe/?lang=ur").text
    assert '<html lang="ur" dir="rtl">' in page
    assert '<html lang="pl" dir="ltr">' in client.get("/e/test-cafe/?lang=pl").text


def test_browser_language_picks_the_default_and_a_choice_sticks(client):
    assert (
        'lang="bn"' in client.get("/e/test-cafe/", headers={"Accept-Language": "bn,en;q=0.5"}).text
    )
    reply = client.get("/e/test-cafe/?lang=pl", headers={"Accept-Language": "bn"})
    assert "cafe_lang=pl" in reply.headers["Set-Cookie"]
    # The choice outlives the browser's preference on the next page.
    assert 'lang="pl"' in client.get("/e/test-cafe/", headers={"Accept-Language": "bn"}).text
    assert 'lang="en"' in client.get("/?lang=en").text


def test_every_page_offers_every_language(client):
    page = client.get("/e/test-cafe/").text
    for language in LANGUAGES:
        assert f'href="?lang={language.code}"' in page and language.name in page


def test_round_question_comes_in_the_plans_languages(phone):
    [state] = [m["args"][0] for m in phone.get_received("/participant") if m["name"] == "state"]
    assert state["event"]["round"]["questions"] == {
        "pl": "Jak wygląda dobre sojusznictwo?",
        "ur": "اچھی حمایت کیسی نظر آتی ہے؟",
    }


def test_refusals_reach_the_phone_in_its_language(app):
    http = app.test_client()
    join(http)
    http.get("/e/test-cafe/?lang=pl")  # the language cookie travels with the socket handshake
    phone = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=http
    )
    ack = phone.emit(
        "submit_note",
        {"client_id": "empty-note-1", "text": " ", "consent": "quote"},
        namespace="/participant",
        callback=True,
    )
    expected = gettext.GNUTranslations(
        (ROOT / "translations/pl/LC_MESSAGES/messages.mo").open("rb")
    ).gettext("The note is empty.")
    assert ack["error"] == expected != "The note is empty."


SCRIPTS = {
    "urdu": "ترجمان کو آزاد ہونا چاہیے، خاندان کا فرد نہیں",
    "bengali": "আমাদের কথা শুনুন, আমাদের হয়ে কথা বলবেন না",
    "polish": "Tłumacz musi być niezależny – nie członek rodziny. Żółć!",
    "mixed": "Interpreters ترجمان матери 🙏🏽 need trust – ভরসা",
    "combining": "Cafe\u0301 and café are both fine; ZWJ family 👩‍👩‍👧",
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_notes_in_every_script_are_kept_exactly(console, wall, phone, db_path, name):
    text = SCRIPTS[name]
    ack = phone.emit(
        "submit_note",
        {"client_id": f"script-{name}", "text": text, "consent": "quote"},
        namespace="/participant",
        callback=True,
    )
    assert ack["ok"] and ack["note"]["text"] == text
    assert rows(db_path, "SELECT text FROM notes") == [(text,)]
    [added] = [m["args"][0] for m in console.get_received("/console") if m["name"] == "note_added"]
    assert added["note"]["text"] == text
    console.emit("approve_note", {"id": ack["id"]}, namespace="/console", callback=True)
    [shown] = [m["args"][0] for m in wall.get_received("/wall") if m["name"] == "note_shown"]
    assert shown["note"]["text"] == text


def test_the_phone_shows_the_events_own_words_in_its_language(app, client):
    from cafe.actions.setup import do_create_event
    from cafe.plans import parse_plan

    with app.app_context():
        do_create_event(parse_plan("""
title = "A café"
slug = "words"
context = "Thank you for coming."
etiquette = ["Listen"]
helpline = "Helpline: 0808 2000 247"
[[tables]]
name = "Oak"
[[rounds]]
question = "What works?"
[translations.ur]
title = "ایک کیفے"
context = "آنے کا شکریہ۔"
etiquette = ["سنیں"]
"""))
    urdu = client.get("/e/words/?lang=ur").text
    assert "ایک کیفے" in urdu and "آنے کا شکریہ۔" in urdu and "<li>سنیں</li>" in urdu
    assert "Thank you for coming." not in urdu
    # Not given in Urdu: the plan's own words (its number a tap-to-call link).
    assert 'Helpline: <a href="tel:08082000247">0808 2000 247</a>' in urdu
    english = client.get("/e/words/?lang=en").text
    assert "Thank you for coming." in english and "آنے کا شکریہ۔" not in english
