"""Short notes: the model alone does not decide on a word or two, and short cries for help are
rules, in every language the phones offer."""

from __future__ import annotations

import pytest

from cafe import safety_model
from cafe.disclosure import DisclosureRules, assess_disclosure, assess_with
from cafe.safety import classify_note
from cafe.safety_text import content_words, words

RULES_ONLY = DisclosureRules(model_threshold=None)

# The short café notes the model used to send to the safeguarding lead.
SHORT_ORDINARY = [
    "Here",
    "Approve me",
    "Leave me pending",
    "Round one insight",
    "Email me at sam@example.org",
    "Money",
    "Ok",
    "I take this back",
    "Nie",
    "Tak",
    "haan",
    "theek hai",
    "ঠিক আছে",
    "ٹھیک ہے",
    "Thanks",
    "Good idea",
]

SHORT_CRIES = [
    # English
    "help me",
    "Help!",
    "please help",
    "save me",
    "somebody help",
    # Urdu, Roman letters and Arabic script
    "bachao",
    "Bachaooo!",
    "mujhe bachao",
    "meri madad karo",
    "mujhe madad chahiye",
    "مدد کرو",
    "مجھے بچاؤ",
    "بچاؤ",
    "میری مدد کریں",
    # Bengali, its script and Roman letters
    "বাঁচাও",
    "আমাকে বাঁচাও",
    "আমাকে সাহায্য করুন",
    "আমার সাহায্য দরকার",
    "amake bachao",
    "amake sahajjo korun",
    # Polish, with and without accents
    "ratunku",
    "Ratunku!",
    "pomocy",
    "Pomocy!",
    "pomóż mi",
    "pomoz mi",
    "pomóżcie mi",
    "Potrzebuję pomocy, szybko",
]

# Short statements of self-harm the rules must carry now the model stays out of short notes.
SHORT_SELF_HARM = [
    "Thinking of ending it",
    "I've been cutting again",
    "Chcę umrzeć",
    "chce umrzec",
    "marna chahti hoon",
    "مرنا چاہتی ہوں",
    "আত্মহত্যার কথা ভাবছি",
    "atmohottar kotha bhabchi",
]

# A word or two about harm, which the model used to catch alone and the rules now carry.
VERY_SHORT_DISCLOSURES = [
    "scared",
    "so scared",
    "scared of him",
    "beaten",
    "suicidal",
    "kill me",
    "he's back",
    "He's outside!",
    "woh marta hai",
    "woh aa gaya",
    "khudkushi",
    "وہ مارتا ہے",
    "خودکشی",
    "মারে",
    "ভয় লাগে",
    "আত্মহত্যা",
    "mare",
    "bhoy lage",
    "bije",
    "On wrócił",
    "boję się",
]

# The same words in ordinary use: saving money, asking for help with a form, a seat.
NOT_CRIES = [
    "paise bachao",
    "pani bachao campaign",
    "টাকা বাঁচাও",
    "Potrzebujemy pomocy prawnej",
    "Potrzebuję pomocy z formularzem",
    "madad ke liye shukriya",
    "help desk is upstairs",
    "Save me a seat",
    "Help with forms",
]


@pytest.mark.parametrize("text", SHORT_ORDINARY)
def test_short_ordinary_notes_are_not_flagged(text):
    verdict = assess_disclosure(text)
    assert not verdict.flagged, verdict
    assert "disclosure" not in classify_note(text).flags


@pytest.mark.parametrize("text", SHORT_CRIES)
def test_short_cries_for_help_are_flagged_by_the_rules_alone(text):
    verdict = assess_disclosure(text, RULES_ONLY)
    assert verdict.flagged, verdict
    assert "asks for help" in verdict.reasons
    assert assess_disclosure(text).flagged


@pytest.mark.parametrize("text", SHORT_SELF_HARM)
def test_short_statements_of_self_harm_are_flagged_by_the_rules_alone(text):
    assert assess_disclosure(text, RULES_ONLY).reasons == ("self-harm or suicide",)


@pytest.mark.parametrize("text", VERY_SHORT_DISCLOSURES)
def test_a_word_or_two_about_harm_is_flagged_by_the_rules_alone(text):
    assert assess_disclosure(text, RULES_ONLY).flagged
    assert assess_disclosure(text).flagged


@pytest.mark.parametrize(
    "text", ["He hits the target", "My team beats the odds", "bije rekordy", "mar gaya", "Gali"]
)
def test_short_harm_rules_read_the_whole_note(text):
    assert not assess_disclosure(text, RULES_ONLY).flagged


@pytest.mark.parametrize("text", NOT_CRIES)
def test_help_and_save_in_ordinary_use_are_not_cries(text):
    assert "asks for help" not in assess_disclosure(text, RULES_ONLY).reasons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Here", []),
        ("Approve me", ["aprove"]),  # folded: doubled letters read as one
        ("Leave me pending", ["leave", "pending"]),
        ("Email me at sam@example.org", ["email"]),
        ("Look at WWW.example.org/x, table 12", ["lok", "table"]),
        ("মেয়েকে বেল্ট দিয়ে মেরেছে", ["মেয়েকে", "বেল্ট", "মেরেছে"]),  # vowel signs stay in
        ("মেয়েকে।বেল্ট", ["মেয়েকে", "বেল্ট"]),  # the danda ends a word
        ("وہ مجھے مارتا ہے۔", ["مارتا"]),  # Urdu's full stop too
        ("woh mujhe marta hai", ["marta"]),
        ("zmusza mnie do seksu", ["zmusza", "seksu"]),
        ("Mąż się spóźnił", ["maz", "spoznil"]),
    ],
)
def test_content_words_are_counted_in_every_script(text, expected):
    from cafe.safety_text import _FUNCTION_WORDS

    assert [w for w in words(text) if w not in _FUNCTION_WORDS] == expected
    assert content_words(text) == len(expected)


def test_the_model_alone_does_not_flag_a_note_of_one_content_word():
    certain = lambda _text: 1.0  # noqa: E731 - a model as sure as a model can be
    for text in ["Money", "Approve me", "Nie", "mujhe bhi", "ঠিক আছে"]:
        assert not assess_with(text, DisclosureRules(), certain).flagged, text
    # Two content words are evidence enough for it to speak (recall first).
    assert assess_with("zmusza mnie do seksu", DisclosureRules(), certain).flagged
    # And the rules still read a one-word note.
    assert assess_with("ratunku", DisclosureRules(), lambda _text: 0.0).flagged
    # The limit is a setting: 0 lets the model read every note, as it did.
    assert assess_with("Money", DisclosureRules(model_min_words=0), certain).flagged


def test_the_model_learns_the_length_of_a_note():
    assert safety_model.length_terms("Leave me pending") == ["words:2"]
    assert safety_model.length_terms("one two three four five six seven") == ["words:5"]


def test_the_kept_model_is_named_by_the_text_code_it_reads(tmp_path, monkeypatch):
    # safety_text folds the notes and counts their words: a change to it must train afresh.
    monkeypatch.setenv("CAFE_CACHE_DIR", str(tmp_path))
    before = safety_model._cache_file()
    original = safety_model.Path.read_bytes

    def read_bytes(self):
        data = original(self)
        return data + b"\n# changed" if self.name == "safety_text.py" else data

    monkeypatch.setattr(safety_model.Path, "read_bytes", read_bytes)
    assert safety_model._cache_file() != before
