"""The participant's journey on a phone-sized page in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import rows
from e2e.conftest import PHONE

pytestmark = pytest.mark.e2e

# "Exit this page" hides the page and takes the blank title at once, then goes: the blank page
# itself has loaded (and the server has ended the pass) only once the address is /exit.
EXITED = re.compile(r"/exit$")


def join_at_table(page, server, table: int = 1) -> None:
    page.goto(f"{server.url}/e/test-cafe/t/{table}")
    expect(page.locator("#notice")).to_be_visible()
    page.click("#continue")
    expect(page.locator("#question")).to_have_text("What does good allyship look like?")


def write(page, text: str, consent: str = "quote") -> None:
    page.fill("#note-text", text)
    page.check(f"input[name=consent][value={consent}]")
    page.click("#note-form button[type=submit]")


def test_join_by_code_and_write_a_note(phone_page, server, app, db_path):
    code = rows(db_path, "SELECT code FROM events WHERE slug = 'test-cafe'")[0][0]
    phone_page.goto(f"{server.url}/")
    phone_page.fill("#code", code.lower())
    phone_page.click("button[type=submit]")
    expect(phone_page.locator("#notice h1")).to_have_text("Test café")
    phone_page.click("#continue")
    phone_page.get_by_role("button", name="2 · Ash").click()
    expect(phone_page.locator("#where-table")).to_have_text("Table 2 · Ash")
    write(phone_page, "Allies listen first")
    expect(phone_page.locator("#mine li").first).to_contain_text("Saved")
    assert rows(db_path, "SELECT text, table_no, consent FROM notes") == [
        ("Allies listen first", 2, "quote")
    ]


def test_table_qr_link_seats_the_phone(phone_page, server, db_path):
    join_at_table(phone_page, server, table=2)
    expect(phone_page.locator("#where-table")).to_have_text("Table 2 · Ash")
    assert rows(db_path, "SELECT table_no FROM participants") == [(2,)]


def test_offline_notes_wait_survive_a_reload_and_arrive_once(phone_page, server, db_path):
    join_at_table(phone_page, server)
    write(phone_page, "Written online")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    phone_page.context.set_offline(True)
    expect(phone_page.locator("#net")).to_have_class("net bad")
    write(phone_page, "Offline note one")
    write(phone_page, "Offline note two")
    expect(phone_page.locator("#mine .badge.waiting")).to_have_count(2)
    phone_page.reload()  # still offline: the page comes from the service worker, notes from IndexedDB
    expect(phone_page.locator("#mine .badge.waiting")).to_have_count(2)
    phone_page.context.set_offline(False)
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(3, timeout=30_000)
    texts = sorted(t for (t,) in rows(db_path, "SELECT text FROM notes"))
    assert texts == ["Offline note one", "Offline note two", "Written online"]


def test_edit_and_withdraw_own_note(phone_page, server, db_path):
    join_at_table(phone_page, server)
    write(phone_page, "First thought")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    phone_page.get_by_role("button", name="Edit").click()
    phone_page.fill("#mine textarea", "Second thought")
    phone_page.get_by_role("button", name="Save", exact=True).click()
    expect(phone_page.locator("#mine .note-text")).to_have_text("Second thought")
    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.get_by_role("button", name="Withdraw").click()
    expect(phone_page.locator("#mine .note-text")).to_contain_text("Withdrawn")
    assert rows(db_path, "SELECT text, status FROM notes") == [("", "withdrawn")]


def test_empty_and_overlong_notes_get_a_clear_message(phone_page, server, db_path):
    join_at_table(phone_page, server)
    phone_page.click("#note-form button[type=submit]")
    expect(phone_page.locator("#note-error")).to_contain_text("Write something first")
    phone_page.fill("#note-text", "x" * 2001)
    phone_page.click("#note-form button[type=submit]")
    expect(phone_page.locator("#note-error")).to_contain_text("too long")
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]


def test_disclosure_shows_support_on_the_phone(phone_page, server):
    join_at_table(phone_page, server)
    write(phone_page, "My husband hit me last night and I am scared to go home", consent="none")
    expect(phone_page.locator("#support")).to_be_visible()
    expect(phone_page.locator("#support")).to_contain_text("Grace, by the door")


def test_exit_this_page_leaves_no_way_back(phone_page, server):
    join_at_table(phone_page, server)
    phone_page.get_by_role("link", name="Exit this page").click()
    expect(phone_page).to_have_url(EXITED)
    expect(phone_page).to_have_title("New tab")
    phone_page.go_back()
    # The café page was replaced in the history: Back cannot return to it.
    assert "/e/test-cafe" not in phone_page.url


def test_everything_works_by_keyboard(browser, server, db_path):
    # A keyboard (or switch) user: a desktop-style context with a phone-sized window.
    phone_page = browser.new_page(viewport={"width": 390, "height": 844})
    phone_page.goto(f"{server.url}/e/test-cafe/")
    phone_page.focus("#continue")
    phone_page.keyboard.press("Enter")
    phone_page.get_by_role("button", name="1 · Oak").focus()
    phone_page.keyboard.press("Enter")
    # The new screen takes focus at its question, so a screen reader announces it.
    expect(phone_page.locator("#question")).to_be_focused()
    phone_page.keyboard.press("Tab")
    expect(phone_page.locator("#note-text")).to_be_focused()
    phone_page.keyboard.type("Typed with the keyboard")
    phone_page.keyboard.press("Tab")  # into the consent radio group (one tab stop)
    expect(phone_page.locator("input[value=paraphrase]")).to_be_focused()
    phone_page.keyboard.press("ArrowUp")  # arrows move the choice, as in any radio group
    expect(phone_page.locator("input[value=quote]")).to_be_checked()
    phone_page.keyboard.press("Tab")
    expect(phone_page.locator("#note-form button[type=submit]")).to_be_focused()
    phone_page.keyboard.press("Enter")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    assert rows(db_path, "SELECT text FROM notes") == [("Typed with the keyboard",)]


def test_switching_language_on_the_phone(phone_page, server):
    join_at_table(phone_page, server)
    phone_page.get_by_role("link", name="اردو").click()
    expect(phone_page.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone_page.locator("html")).to_have_attribute("lang", "ur")
    # The plan's Urdu question replaces the English one.
    expect(phone_page.locator("#question")).to_have_text("اچھی حمایت کیسی نظر آتی ہے؟")
    expect(phone_page.get_by_role("link", name="Exit this page")).to_have_count(0)  # translated
    phone_page.get_by_role("link", name="Polski").click()
    expect(phone_page.locator("html")).to_have_attribute("lang", "pl")
    expect(phone_page.locator("#question")).to_have_text("Jak wygląda dobre sojusznictwo?")


def test_a_phone_whose_pass_is_gone_sees_the_notice_again(app, phone_page, server, db_path):
    from cafe.db import get_writer

    join_at_table(phone_page, server)
    with app.app_context():
        get_writer().write(lambda db: db.execute("DELETE FROM participants"))
    phone_page.reload()
    expect(phone_page.locator("#notice")).to_be_visible()
    expect(phone_page.locator("#continue")).to_be_enabled()
    phone_page.click("#continue")
    # The table QR link (/t/1) seats the new pass at the same table.
    expect(phone_page.locator("#question")).to_have_text("What does good allyship look like?")
    expect(phone_page.locator("#where-table")).to_have_text("Table 1 · Oak")


def test_exit_after_joining_by_code_and_changing_language_leaves_no_way_back(
    phone_page, server, db_path
):
    code = rows(db_path, "SELECT code FROM events WHERE slug = 'test-cafe'")[0][0]
    phone_page.goto(f"{server.url}/")
    phone_page.fill("#code", code)
    phone_page.click("button[type=submit]")
    phone_page.click("#continue")
    phone_page.get_by_role("button", name="1 · Oak").click()
    phone_page.get_by_role("link", name="Polski").click()
    expect(phone_page.locator("html")).to_have_attribute("lang", "pl")
    phone_page.locator("a[data-exit]").click()
    expect(phone_page).to_have_url(EXITED)
    expect(phone_page).to_have_title("New tab")
    # Changing language replaced the page, and so did leaving: one step back is before the café's
    # own pages (the code was typed on the join page, which says nothing about the notes).
    phone_page.go_back()
    assert "/e/test-cafe" not in phone_page.url
    assert "lang=" not in phone_page.url


def test_passing_on_a_question_sends_nothing_and_can_be_undone(phone_page, server, db_path):
    join_at_table(phone_page, server, table=1)
    phone_page.get_by_role("button", name="Pass on this question").click()
    expect(phone_page.locator("#note-form")).to_be_hidden()
    expect(phone_page.locator("#passed")).to_be_focused()
    expect(phone_page.locator("#passed")).to_contain_text("Nothing is recorded when you pass")
    assert rows(db_path, "SELECT COUNT(*) FROM notes") == [(0,)]
    phone_page.get_by_role("button", name="Write a note after all").click()
    expect(phone_page.locator("#note-text")).to_be_focused()
    write(phone_page, "Changed my mind: allies listen first")
    expect(phone_page.locator("#mine li").first).to_contain_text("Saved")


def test_exit_ends_the_pass_so_reopening_shows_the_notice_and_no_notes(phone_page, server, db_path):
    join_at_table(phone_page, server)
    write(phone_page, "My husband hits me and I am scared to go home tonight", consent="none")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    phone_page.get_by_role("link", name="Exit this page").click()
    expect(phone_page).to_have_url(EXITED)
    expect(phone_page).to_have_title("New tab")
    cookies = [c["name"] for c in phone_page.context.cookies()]
    assert "cafe_p_test-cafe" not in cookies
    phone_page.goto(f"{server.url}/e/test-cafe/")  # typed again, or from the history
    expect(phone_page.locator("#notice")).to_be_visible()
    expect(phone_page.locator("#write")).to_be_hidden()
    assert "scared to go home" not in phone_page.content()
    # Continuing starts a new, empty pass; the note stays saved on the server under the old one.
    phone_page.click("#continue")
    phone_page.get_by_role("button", name="1 · Oak").click()
    expect(phone_page.locator("#mine-empty")).to_be_visible()
    expect(phone_page.locator("#mine li")).to_have_count(0)
    assert rows(db_path, "SELECT text FROM notes") == [
        ("My husband hits me and I am scared to go home tonight",)
    ]
    assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(2,)]


def test_exit_while_offline_hides_the_notes_and_the_waiting_note_still_arrives(
    phone_page, server, db_path
):
    from conftest import wait_for

    join_at_table(phone_page, server)
    write(phone_page, "Sent before going offline")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    phone_page.context.set_offline(True)
    expect(phone_page.locator("#net")).to_have_class("net bad")
    write(phone_page, "Waiting when I pressed exit")
    expect(phone_page.locator("#mine .badge.waiting")).to_have_count(1)
    phone_page.locator("a[data-exit]").click()
    # No network: the phone leaves for the browser's offline page; the server never hears of it.
    expect(phone_page).not_to_have_url(re.compile("/e/test-cafe"))
    phone_page.context.set_offline(False)
    phone_page.goto(f"{server.url}/e/test-cafe/t/1")
    expect(phone_page.locator("#notice")).to_be_visible()
    expect(phone_page.locator("#write")).to_be_hidden()
    content = phone_page.content()
    assert "Sent before going offline" not in content and "Waiting when" not in content
    # The note the phone had accepted is sent in the background under the old pass.
    wait_for(lambda: len(rows(db_path, "SELECT id FROM notes")) == 2, timeout=30)
    assert rows(db_path, "SELECT COUNT(DISTINCT participant_id) FROM notes") == [(1,)]
    # Continuing ends the old pass (the server had not heard of the exit) and starts a new one.
    phone_page.click("#continue")
    expect(phone_page.locator("#where-table")).to_have_text("Table 1 · Oak")
    expect(phone_page.locator("#mine li")).to_have_count(0)
    assert rows(db_path, "SELECT COUNT(*) FROM participants") == [(2,)]


def test_saving_is_announced_and_an_offline_reload_keeps_notes_and_marks_the_clock(
    phone_page, server
):
    join_at_table(phone_page, server)
    write(phone_page, "Said out loud")
    expect(phone_page.locator("#say")).to_have_text("Note saved")
    phone_page.context.set_offline(True)
    expect(phone_page.locator("#timer")).to_contain_text("waiting for connection")
    write(phone_page, "Kept for later")
    expect(phone_page.locator("#say")).to_have_text(
        "Note kept on this phone – it will be sent when the connection returns"
    )
    phone_page.reload()  # no connection: the saved note is still listed, from this tab's copy
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    expect(phone_page.locator("#mine .badge.waiting")).to_have_count(1)
    expect(phone_page.locator("#mine")).to_contain_text("Said out loud")
    expect(phone_page.locator("#timer")).to_contain_text("waiting for connection")
    phone_page.context.set_offline(False)
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(2, timeout=30_000)
    expect(phone_page.locator("#timer")).not_to_contain_text("waiting for connection")


def test_the_note_being_typed_survives_a_change_of_language_and_goes_when_saved(
    phone_page, server
):
    join_at_table(phone_page, server)
    phone_page.fill("#note-text", "Half a thought")
    phone_page.get_by_role("link", name="Polski").click()
    expect(phone_page.locator("html")).to_have_attribute("lang", "pl")
    expect(phone_page.locator("#note-text")).to_have_value("Half a thought")
    phone_page.click("#note-form button[type=submit]")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    phone_page.reload()
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    expect(phone_page.locator("#note-text")).to_have_value("")


def test_a_new_rounds_question_is_announced(server, console_page, phone_page):
    join_at_table(phone_page, server)
    console_page.get_by_role("button", name="Start round 1").click()
    console_page.get_by_role("button", name="End round").click()
    console_page.get_by_role("button", name=re.compile("Start (next round|round 2)")).click()
    expect(phone_page.locator("#where-round")).to_contain_text("Round 2")
    expect(phone_page.locator("#say")).to_have_text(
        re.compile(r"^Round 2: " + re.escape(phone_page.locator("#question").inner_text()) + "$")
    )


def test_a_waiting_note_can_be_edited_or_discarded_before_it_is_sent(phone_page, server, db_path):
    join_at_table(phone_page, server)
    phone_page.context.set_offline(True)
    expect(phone_page.locator("#net")).to_have_class("net bad")
    write(phone_page, "my address is 12 Park Road")
    write(phone_page, "Allies share power")
    expect(phone_page.locator("#mine .badge.waiting")).to_have_count(2)
    regret = phone_page.locator("#mine li", has_text="12 Park Road")
    regret.get_by_role("button", name="Edit").click()
    phone_page.fill("#mine textarea", "Allies listen to where we live")
    phone_page.get_by_role("button", name="Save", exact=True).click()
    # Focus returns to the changed note, not the top of the page.
    expect(phone_page.locator("#mine .note-text", has_text="Allies listen to where we live")).to_be_focused()
    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.locator("#mine li", has_text="Allies share power").get_by_role(
        "button", name="Discard"
    ).click()
    expect(phone_page.locator("#mine li")).to_have_count(1)
    expect(phone_page.locator("#mine-title")).to_be_focused()
    phone_page.context.set_offline(False)
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1, timeout=30_000)
    assert rows(db_path, "SELECT text FROM notes") == [("Allies listen to where we live",)]


def test_exit_in_one_tab_closes_the_cafe_in_the_phones_other_tabs(phone_page, server):
    join_at_table(phone_page, server)
    write(phone_page, "Written in the first tab")
    expect(phone_page.locator("#mine .badge.saved")).to_have_count(1)
    other = phone_page.context.new_page()
    other.goto(f"{server.url}/e/test-cafe/")
    expect(other.locator("#mine")).to_contain_text("Written in the first tab")
    other.locator("a[data-exit]").click()
    expect(other).to_have_url(EXITED)
    expect(other).to_have_title("New tab")
    # The first tab's socket is closed by the server: it forgets the notes and shows the notice.
    expect(phone_page.locator("#notice")).to_be_visible()
    expect(phone_page.locator("#write")).to_be_hidden()
    expect(phone_page.locator("#mine li")).to_have_count(0)
    phone_page.reload()
    expect(phone_page.locator("#notice")).to_be_visible()
    assert "Written in the first tab" not in phone_page.content()


def test_a_purged_event_tells_the_phone_instead_of_hanging(
    app, browser, phone_page, server, db_path
):
    from cafe import queries
    from cafe.actions import do_purge_event
    from cafe.db import reading

    join_at_table(phone_page, server)
    second_phone = browser.new_context(**PHONE)
    other = second_phone.new_page()  # a second phone's page, opened before the purge
    other.goto(f"{server.url}/e/test-cafe/t/2")
    expect(other.locator("#notice")).to_be_visible()
    with app.app_context():
        with reading() as db:
            do_purge_event(queries.event_by_slug(db, "test-cafe"))
    ended = "This café has ended and its notes have been deleted."
    # The joined phone reconnects (its tab remembers the table) and is told, not left "joining".
    phone_page.reload()
    expect(phone_page.locator("#closed h1")).to_have_text(ended)
    expect(phone_page.locator("#net")).not_to_have_class("net bad")
    # The page that still showed the notice: joining says the same.
    other.click("#continue")
    expect(other.locator("#closed h1")).to_have_text(ended)
    expect(other.locator("#closed")).to_be_visible()
    second_phone.close()
