"""Where people disagree: only notes that push back or deny what others say are the other view."""

from __future__ import annotations

from cafe.synthesis.key_points import key_points_for
from cafe.synthesis.stance import pushes_back, split_stance


def _split(texts):
    sides = split_stance(texts, list(range(len(texts))))
    return [sides[i] for i in range(len(texts))]


def test_negation_alone_is_not_a_disagreement():
    # Café notes say "no" and "nothing" all the time without disagreeing with anybody: the old
    # split called half of this theme the other view.
    texts = ["No one at the refuge speaks her language",
             "Interpreters are booked too late or not at all",
             "She had to use her son to translate, nobody else was there",
             "Never enough interpreters for Bengali speakers",
             "The GP would not book an interpreter",
             "Phone interpreters are better than nothing",
             "Interpreters should be there at every appointment",
             "Women need someone who speaks their language",
             "She shouldn't have to bring her own interpreter",
             "It's not just the language, it's the interpreter knowing her family"]
    assert _split(texts) == [1] * len(texts)


def test_notes_that_push_back_in_so_many_words_are_the_other_view():
    texts = ["Supervision helps me process what I hear every day",
             "Regular clinical supervision keeps me going",
             "Reflective supervision should be protected time",
             "Supervision from someone who gets racial trauma",
             "Good supervision is why I have stayed in this job",
             "Monthly supervision with an external person works for me",
             "Supervision can't fix an impossible workload, it is a plaster",
             "I don't agree, supervision is not the answer on its own"]
    assert _split(texts) == [1] * 6 + [-1, -1]


def test_a_note_that_denies_what_others_say_is_the_other_view():
    texts = ["Uniforms save parents money", "School uniforms save families money",
             "A uniform saves money every year", "Uniforms are cheaper than clothes",
             "Uniforms do not save money at all", "Uniforms never save parents money"]
    assert _split(texts) == [1, 1, 1, 1, -1, -1]


def test_pushing_back_in_other_languages():
    assert pushes_back("Nie zgadzam się, to nie pomoże")
    assert pushes_back("میں اس سے متفق نہیں ہوں")
    assert pushes_back("আমি একমত নই")
    assert not pushes_back("Interpreters are booked too late")
    assert not pushes_back("Interpreters will help") and pushes_back("Interpreters won't help")


def test_a_bengali_no_word_ending_in_a_vowel_sign_is_found():
    # "না" ends in a vowel sign, which Python's \b does not count as part of the word: a Bengali
    # note that denies what the others say is still found.
    texts = ["দোভাষী সময়মতো আসে", "দোভাষী সবসময় সময়মতো আসে", "আমাদের দোভাষী সময়মতো আসে",
             "দোভাষী সময়মতো আসে না", "দোভাষী কখনো সময়মতো আসে না", "দোভাষী ভালো"]
    assert _split(texts) == [1, 1, 1, -1, -1, 1]


def test_a_theme_without_disagreement_gets_no_other_point():
    texts = ["No one at the refuge speaks her language",
             "Interpreters are booked too late or not at all",
             "She had to use her son to translate, nobody else was there",
             "Never enough interpreters for Bengali speakers",
             "The GP would not book an interpreter",
             "Interpreters should be there at every appointment"]
    (found,) = key_points_for(texts, [0] * len(texts))
    assert found.other is None


def test_talking_about_disagreement_or_saying_actually_is_not_pushing_back():
    texts = ["A written partnership agreement, including how we disagree",
             "What made the difference: they actually did what they said",
             "If women cannot get in the room, all the nice words mean nothing",
             "Partnership means sharing power and money with women's groups",
             "Real partnership is agreeing the money before the bid",
             "Women's groups should hold the money in a partnership",
             "Good partnership: regular meetings where women's groups set the agenda",
             "Partnership working needs women's groups in the room from the start"]
    assert _split(texts) == [1] * len(texts)
