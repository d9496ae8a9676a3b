"""Plans: the shipped plans are valid; every problem is reported with its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cafe.plans import PlanError, load_plan, parse_plan

ROOT = Path(__file__).parent.parent
GOOD = """
title = "A café"
[[tables]]
name = "Oak"
[[rounds]]
question = "What works?"
"""


@pytest.mark.parametrize("name", ["demo.toml", "partnership-cafe.toml"])
def test_shipped_plans_are_valid(name):
    plan = load_plan(ROOT / "sessions" / name)
    assert plan.title and plan.tables and plan.rounds and plan.frames
    assert plan.helpline and plan.safeguarding_lead


def test_defaults_fill_what_a_plan_leaves_out():
    plan = parse_plan(GOOD)
    assert plan.tables[0].capacity == 5 and plan.rounds[0].minutes == 20
    assert plan.retention_days == 90 and plan.k_threshold == 3 and plan.wall_requires_approval


def problems(source: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(source)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_every_problem_has_its_line_and_field():
    source = """title = ""
retention_days = 0

[[tables]]
name = "Oak"
capacity = 99

[[tables]]
name = "oak"

[[rounds]]
question = "Why?"
minutes = "twenty"
move = "yes"
colour = "blue"
"""
    found = problems(source)
    assert (1, "title", "is required") in found
    assert (2, "retention_days", "must be between 1 and 3650, not 0") in found
    assert (6, "table 1.capacity", "must be between 2 and 20, not 99") in found
    assert (9, "table 2.name", "'oak' is used by another table") in found
    assert (13, "round 1.minutes", "must be a whole number, not 'twenty'") in found
    assert (14, "round 1.move", "must be true or false, not 'yes'") in found
    assert (15, "round 1.colour", "is not a known field") in found


def test_missing_tables_and_rounds():
    found = problems('title = "x"\n')
    fields = {f for _, f, _ in found}
    assert {"tables", "rounds"} <= fields


def test_syntax_error_reports_its_line():
    [(line, field, message)] = problems('title = "x"\n[[tables]\nname = "Oak"\n')
    assert field == "(syntax)" and line == 2


@pytest.mark.parametrize("source, plain", [
    ('title = "x\n', 'a text in quotes is not closed on this line: add the closing "'),
    ('title = "x"\ntitle = "y"\n', "the same field or section is given twice; keep one"),
    ("title\n", "each line needs the form: field = value"),
    ("title = x\n", 'this value is not understood: put text in "quotes"'),
])
def test_syntax_errors_are_said_in_plain_words(source, plain):
    [(_, field, message)] = problems(source)
    assert field == "(syntax)" and message.startswith(plain)
    assert message.endswith(")")  # TOML's own words follow, in brackets


def test_an_unknown_field_near_a_known_one_is_pointed_out():
    found = problems(GOOD.replace('name = "Oak"', 'name = "Oak"\ncapasity = 6', 1))
    assert any(f == "table 1.capasity" and m == "is not a known field (did you mean 'capacity'?)"
               for _, f, m in found)


def test_bad_slug():
    found = problems('slug = "Not A Slug!"\n' + GOOD)
    assert any(f == "slug" for _, f, _ in found)


def test_unreadable_file(tmp_path):
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "missing.toml")
    assert caught.value.problems[0].field == "(file)"


def test_the_events_words_in_other_languages():
    from cafe.plans import in_language

    plan = parse_plan("""
context = "Thank you for coming."
helpline = "Helpline: 0808 2000 247"
""" + GOOD + """
[translations.ur]
context = "آنے کا شکریہ۔"
etiquette = ["اپنے تجربے سے بات کریں"]
[translations.pt-BR]
title = "Um café"
""")
    stored = json.loads(json.dumps(plan.to_dict()))  # as the event keeps it
    urdu = in_language(stored, "ur")
    assert urdu["context"] == "آنے کا شکریہ۔" and urdu["etiquette"] == ["اپنے تجربے سے بات کریں"]
    assert urdu["helpline"] == "Helpline: 0808 2000 247"  # not given in Urdu: the plan's own
    assert urdu["title"] == "A café"
    assert in_language(stored, "pt-br")["title"] == "Um café"
    assert in_language(stored, "bn") == stored and in_language(stored, "") == stored


def test_bad_translations_are_reported_with_their_field():
    found = problems(GOOD + """
[translations.urdu]
title = "x"
[translations.bn]
question = "x"
helpline = 5
""")
    fields = {field for _, field, _ in found}
    assert {"translations.urdu", "translations.bn.question", "translations.bn.helpline"} <= fields
    assert problems('translations = "ur"\n' + GOOD)[0][1] == "translations"


def test_the_demo_speaks_to_every_phone_language():
    plan = load_plan(ROOT / "sessions" / "demo.toml")
    assert {t.language for t in plan.translations} == {"ur", "bn", "pl"}
    for text in plan.translations:
        assert text.title and text.context and text.helpline and text.safeguarding_lead
        assert len(text.etiquette) == len(plan.etiquette)
        assert len(text.content_warnings) == len(plan.content_warnings)
    assert all({code for code, _ in r.translations} == {"ur", "bn", "pl"} for r in plan.rounds)
    warned = [r for r in plan.rounds if r.content_warning]
    assert warned and all(len(r.warning_translations) == 3 for r in warned)


def test_a_rounds_translation_may_carry_its_content_warning():
    plan = parse_plan(GOOD + """content_warning = "Forced marriage."
translations = { ur = { question = "سوال", content_warning = "انتباہ" }, pl = "Pytanie" }
""")
    assert plan.rounds[0].translations == (("ur", "سوال"), ("pl", "Pytanie"))
    assert plan.rounds[0].warning_translations == (("ur", "انتباہ"),)
    found = problems(GOOD + 'translations = { ur = { question = "x", minutes = 3 } }\n')
    assert [f for _, f, _ in found] == ["round 1.translations.ur.minutes"]
