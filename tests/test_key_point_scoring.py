"""Key point scoring: among sentences equally central to their theme, the one that says what the
whole question is about wins; only eligible notes' sentences are ever candidates."""

from __future__ import annotations

import numpy as np

from cafe.synthesis.key_points import key_points_for
from cafe.synthesis.within import points_within


def _unit(*xs):
    v = np.asarray(xs, dtype=float)
    return v / np.linalg.norm(v)


def test_the_point_closer_to_the_whole_question_wins_a_tie_within_its_theme():
    # Axes: what the whole question is about, what theme 0 is about, an aside of one note.
    texts = [
        "Interpreters should come with a parrot and a hat",  # theme 0, off on an aside
        "Interpreters should be booked for every appointment",  # theme 0, on the question
        "Interpreters matter for our appointments here",  # theme 0, not quotable
        "Appointments at the clinic need a booked interpreter",  # theme 1
        "Every clinic appointment needs an interpreter booked",  # theme 1
    ]
    X = np.vstack([_unit(0, 1, 1), _unit(1, 1, 0), _unit(0, 1, 0), _unit(1, 0, 0.1),
                   _unit(1, 0, -0.1)])
    labels = [0, 0, 0, 1, 1]
    eligible = [True, True, False, True, True]
    # Within theme 0 the first two notes are equally central (each 0.5 and 0.71 to the others);
    # the second shares the words of the whole question, the first an aside of its own.
    found = key_points_for(texts, labels, eligible=eligible, vectors=X,
                           embed=lambda xs: np.vstack([X[texts.index(x)] if x in texts
                                                       else _unit(1, 1, 1) for x in xs]))
    assert found[0].point.source == 1
    assert found[0].point.text == "Interpreters should be booked for every appointment."
    assert found[1].point.source in (3, 4)
    # The note that may not be quoted is matched (counted) but never the point's words.
    assert 2 in found[0].point.matched
    assert all(f.point.source != 2 for f in found)


def test_notes_in_bengali_or_urdu_count_as_plain_words_not_symbols():
    from cafe.synthesis.key_points import quality

    # Bengali vowel signs and Urdu diacritics are marks, not letters: a sentence of them is still
    # a sentence of plain words (they once scored under 0.5 and could never be a key point).
    assert quality("নারীরা সাহায্য চায় কিন্তু দোভাষী পাওয়া যায় না") == 1.0
    assert quality("ہمیں اپنی زبان میں مدد چاہیے، مترجم بہت دیر سے آتے ہیں") == 1.0
    assert quality("Potrzebujemy tłumacza na każdym spotkaniu") == 1.0
    assert quality("x = y + 3 {a} <b> | c") < 0.5


def test_a_theme_of_bengali_notes_gets_a_bengali_key_point():
    texts = ["নারীরা সাহায্য চায় কিন্তু দোভাষী পাওয়া যায় না",
             "দোভাষী না থাকায় নারীরা সাহায্য চাইতে পারে না",
             "দোভাষী দেরিতে আসে তাই নারীরা সাহায্য পায় না"]
    found = key_points_for(texts, [0, 0, 0])
    assert found[0].point is not None
    assert found[0].point.source in (0, 1, 2)
    assert "দোভাষী" in found[0].point.text


def test_words_are_counted_whole_in_every_script():
    from cafe.synthesis.key_points import n_words

    # Python's \w stops at a Bengali vowel sign: "চায়" was three words, so a short Bengali
    # sentence looked too long to be a key point.
    assert n_words("নারীরা সাহায্য চায় কিন্তু দোভাষী পাওয়া যায় না") == 8
    assert n_words("ہمیں اپنی زبان میں مدد چاہیے") == 6
    assert n_words("We don't share data, it's a risk") == 7


def test_a_split_theme_lists_the_points_made_within_it_from_quotable_notes_only():
    from test_workspace import TOPICS

    topics = list(TOPICS.values())
    texts = [t for group in topics for t in group] + [
        "Schools should teach children about healthy relationships early",
        "Teachers need to spot the signs of abuse at home in children",
        "Schools should have a named lead for children living with abuse",
    ]
    # Theme 0 holds all three topics (as after a merge); theme 1 is the schools notes.
    labels = [0] * 24 + [1] * 3
    eligible = [True] * len(texts)
    eligible[1] = eligible[9] = False  # paraphrase only, say: never a point
    found = key_points_for(texts, labels, eligible=eligible)
    points_within(found, texts, labels, [0], eligible=eligible)
    parts = found[0].parts
    assert len(parts) >= 2 and not found[1].parts  # only the themes asked for are split
    for p in parts:
        assert eligible[p.source] and p.text
        assert set(p.matched) <= set(range(24))  # the part's own notes, none from elsewhere
        assert p.source in p.matched
    sizes = [len(p.matched) for p in parts]
    assert sizes == sorted(sizes, reverse=True)
    assert len(set().union(*(p.matched for p in parts))) == sum(sizes)  # no note in two parts
    # Each point comes from a different topic's note.
    assert len({p.source // 8 for p in parts}) == len(parts)


def test_an_abbreviations_full_stop_does_not_cut_a_key_point_short():
    from cafe.synthesis.key_points import sentences

    # "e.g." and "Dr." never end a sentence; "etc." does only before a capital letter.
    assert sentences("review policies with survivors e.g. the phone rules, the visitor rules") \
        == ["review policies with survivors e.g. the phone rules, the visitor rules"]
    assert sentences("Dr. Khan listened. Nobody else did.") == ["Dr. Khan listened.",
                                                                "Nobody else did."]
    assert sentences("food, bus fares etc. were paid") == ["food, bus fares etc. were paid"]
    assert sentences("Food, bus fares etc. Then the creche.") == ["Food, bus fares etc.",
                                                                 "Then the creche."]
    texts = ["review policies with survivors e.g. the phone rules, the visitor rules",
             "review the phone rules with survivors", "survivors should review the rules"]
    found = key_points_for(texts, [0, 0, 0], eligible=[True, True, True])
    assert not found[0].point.text.endswith("e.g.")


def test_a_short_sentence_after_another_is_a_candidate_only_with_it():
    from cafe.synthesis.key_points import candidate_points

    found = [p for p, _ in candidate_points(
        "Professionals sometimes go straight to the family for 'mediation'. "
        "Dangerous in forced marriage cases.")[0]]
    assert "Dangerous in forced marriage cases." not in found
    assert "Professionals sometimes go straight to the family for 'mediation'. Dangerous in " \
           "forced marriage cases." in found
    # A longer second sentence still stands on its own.
    found = [p for p, _ in candidate_points(
        "Interpreters are booked late. Survivors wait weeks for a safe interpreter.")[0]]
    assert "Survivors wait weeks for a safe interpreter." in found


def test_a_later_sentence_of_a_note_weighs_half_as_a_point_on_its_own():
    from cafe.synthesis.key_points import candidate_points

    found = dict(candidate_points("I've seen a man say all the right things in group. The "
                                  "facilitator would never have known what happened at home.")[0])
    first = found["I've seen a man say all the right things in group."]
    later = found["The facilitator would never have known what happened at home."]
    assert later == 0.5 * first
    # The same sentence as a note of its own keeps its full weight.
    alone = dict(candidate_points("The facilitator would never have known what happened at "
                                  "home.")[0])
    assert alone["The facilitator would never have known what happened at home."] == first
