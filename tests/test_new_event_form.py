"""The new-event form: plain fields make a TOML plan (checked like any other), problems are said in
plain words beside what was typed, and nothing is written until everything is right."""

from __future__ import annotations

import html
import json

import pytest

from cafe.plans import parse_plan
from conftest import csrf_from, login, rows

FORM = "/events/new/form"


@pytest.fixture
def fac(app):
    http = app.test_client()
    assert login(http, "fac").status_code == 303
    return http


def _post(http, **fields):
    token = csrf_from(http.get("/events/new").text)
    data = {"csrf_token": token, "title": "Spring café", "tables": "3", "capacity": "5",
            "retention": "30", "k": "3", "round_question": ["What matters most?", "", ""],
            "round_minutes": ["15", "20", "20"], "round_ur": ["سب سے اہم کیا ہے؟", "", ""],
            "round_bn": ["", "", ""], "round_pl": ["Co jest najważniejsze?", "", ""],
            "helpline": "Helpline 0808 2000 247", "lead": "Grace, by the door",
            "frames": "Money\nTime", "table_names": "Oak\nAsh", **fields}
    return http.post(FORM, data=data)


def test_the_form_makes_an_event_with_translated_questions(fac, db_path):
    response = _post(fac)
    assert response.status_code == 303, response.text
    assert response.headers["Location"].endswith("/console/spring-cafe")
    assert rows(db_path, "SELECT title, slug FROM events WHERE slug = 'spring-cafe'") == [
        ("Spring café", "spring-cafe")]
    tables = rows(db_path, "SELECT t.name, t.capacity FROM tables t JOIN events e ON e.id = t.event_id "
                           "WHERE e.slug = 'spring-cafe' ORDER BY t.number")
    assert tables == [("Oak", 5), ("Ash", 5), ("Table 3", 5)]
    [(question, minutes, translations)] = rows(
        db_path, "SELECT r.question, r.minutes, r.translations_json FROM rounds r "
                 "JOIN events e ON e.id = r.event_id WHERE e.slug = 'spring-cafe'")
    assert (question, minutes) == ("What matters most?", 15)
    assert json.loads(translations) == {"ur": "سب سے اہم کیا ہے؟", "pl": "Co jest najważniejsze?"}


def test_problems_are_said_in_plain_words_and_the_fields_are_kept(fac, db_path):
    response = _post(fac, title="", k="zero", round_minutes=["999", "20", "20"],
                     round_question=["", "A second question", ""])
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "Title: give the café a title." in page
    assert "Smallest group counted: type a whole number from 1 to 50." in page
    assert "Round 1: write the question (in English)." in page
    assert "Round 1, minutes: type a whole number from 1 to 180." in page
    assert "k_threshold" not in page and "must be a whole number" not in page
    assert 'value="A second question"' in page  # kept, to fix in place
    assert rows(db_path, "SELECT COUNT(*) FROM events") == [(1,)]


def test_show_as_a_plan_puts_a_valid_toml_plan_in_the_plan_box(fac, db_path):
    response = _post(fac, as_plan="1")
    assert response.status_code == 200
    page = html.unescape(response.text)
    start = page.index('name="text"')
    text = page[page.index(">", start) + 1:page.index("</textarea>", start)]
    plan = parse_plan(text)
    assert plan.title == "Spring café" and len(plan.tables) == 3 and plan.k_threshold == 3
    assert dict(plan.rounds[0].translations)["ur"] == "سب سے اہم کیا ہے؟"
    assert [f.name for f in plan.frames] == ["Money", "Time"]
    assert rows(db_path, "SELECT COUNT(*) FROM events") == [(1,)]  # nothing made yet


def test_quotes_and_newlines_survive_the_plan(fac, db_path):
    response = _post(fac, title='The "big" café', context="Line one\n\nLine two \\ done",
                     slug="quoted-cafe")
    assert response.status_code == 303
    assert rows(db_path, "SELECT title FROM events WHERE slug = 'quoted-cafe'") == [('The "big" café',)]
