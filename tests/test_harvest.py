"""The harvest's word cloud: k distinct people per word, no stop words, no personal details."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cafe.harvest import MAX_WORDS, SIZES, note_words, word_cloud

WORDS = ["budgets", "trust", "listening", "funding", "housing", "shelter", "respect", "équipe"]


@settings(max_examples=150, deadline=None)
@given(
    k=st.integers(1, 6),
    notes=st.lists(
        st.tuples(st.integers(1, 8), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)),
        max_size=30,
    ),
)
def test_a_word_fewer_than_k_people_used_never_appears(k, notes):
    cloud = word_cloud([(pid, " ".join(words)) for pid, words in notes], k)
    people = {w: {pid for pid, words in notes if w in words} for w in WORDS}
    shown = {w["text"]: w["people"] for w in cloud}
    for word, who in people.items():
        if len(who) < k:
            assert word not in shown
        else:
            assert shown[word] == len(who)
    assert all(1 <= w["size"] <= SIZES for w in cloud)


def test_one_person_repeating_a_word_counts_once():
    notes = [(1, "trust trust trust"), (1, "trust again"), (2, "trust")]
    assert word_cloud(notes, 3) == []
    assert word_cloud(notes + [(3, "Trust!")], 3) == [{"text": "trust", "people": 3, "size": 3}]


def test_stop_words_and_personal_details_stay_out():
    words = note_words(
        "Ring Sarah Jones on 07700 900123 or sarah@example.org at SW1A 1AA about the budgets",
        names=["Sarah Jones"],
    )
    assert words == {"ring", "budgets"}
    assert note_words("and the of to we are", ()) == set()
    assert note_words("اور کمیونٹی", ()) == {"کمیونٹی"}


def test_names_from_the_plan_never_appear_even_when_many_use_them():
    notes = [(i, "Thank you Amina for listening") for i in range(1, 6)]
    texts = {w["text"] for w in word_cloud(notes, 3, names=["Amina"])}
    assert texts == {"thank", "listening"}


def test_the_most_used_words_are_kept_and_sized():
    notes = [(p, " ".join(f"word{chr(97 + i % 26)}{i}" for i in range(80))) for p in range(3)]
    notes += [(p, "budgets") for p in range(3, 10)]
    cloud = word_cloud(notes, 3)
    assert len(cloud) == MAX_WORDS
    budgets = next(w for w in cloud if w["text"] == "budgets")
    assert budgets["size"] == SIZES and budgets["people"] == 7


def test_notes_without_a_writer_do_not_count_and_k_must_be_positive():
    assert word_cloud([(None, "trust")] * 5, 1) == []
    with pytest.raises(ValueError):
        word_cloud([], 0)


def test_simple_plurals_are_one_word_shown_in_the_more_common_form():
    notes = [(1, "Allies listen"), (2, "an ally helps"), (3, "allies matter"), (4, "orgs"),
             (5, "small org"), (6, "org funding"), (7, "boxes"), (8, "box")]
    cloud = {w["text"]: w["people"] for w in word_cloud(notes, 2)}
    assert cloud["allies"] == 3 and "ally" not in cloud  # 2 wrote "allies", 1 "ally"
    assert cloud["org"] == 3 and "orgs" not in cloud
    assert cloud["box"] == 2 and "boxes" not in cloud  # a tie shows the singular
    # Together they reach k, though neither form does alone.
    assert word_cloud([(1, "ally"), (2, "allies")], 2) == [{"text": "ally", "people": 2, "size": 3}]


def test_only_latin_words_whose_both_forms_occur_are_folded():
    # "news" is not the plural of a "new" nobody wrote; "class" ends in "ss"; "status" in "us".
    notes = [(p, "news class status") for p in range(1, 4)] + [(9, "classe")]
    assert {w["text"] for w in word_cloud(notes, 3)} == {"news", "class", "status"}
    # Cyrillic (and other scripts) are left as they are.
    assert {w["text"] for w in word_cloud([(1, "дом"), (2, "домs")], 1)} == {"дом", "домs"}
