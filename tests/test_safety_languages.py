"""Safety screening in every language the phones offer, the way people type: native script and
Roman letters, Polish with and without accents, mixed with English; and notes in languages Café
cannot screen held for a person."""

from __future__ import annotations

import pytest

from cafe import safety_model
from cafe.disclosure import DisclosureRules, assess_disclosure
from cafe.disclosure_intl import INTL_RULES, check_folded
from cafe.safety import classify_note, find_personal_details, kept_back, redact
from cafe.safety_lang import detect_language
from cafe.safety_text import ascii_digits, fold

RULES_ONLY = DisclosureRules(model_threshold=None)

DISCLOSURES = [
    # Urdu, Arabic script (and typed on an Arabic keyboard: ي ك ه for ی ک ہ)
    "میرا شوہر مجھے مارتا ہے اور میں گھر جانے سے ڈرتی ہوں",
    "ميرا شوهر مجهے مارتا هے",
    "میری ساس نے میرا پاسپورٹ چھین لیا ہے",
    "وہ مجھے گھر سے باہر نہیں جانے دیتا",
    # Urdu, Roman letters, with the spellings phones produce
    "mera shohar mujhe marta hai",
    "mera shohar mujhe maaarta hai",
    "meri saas mera passport chheen leti hai",
    "woh mujhe ghar se bahar nahi jane deta",
    "ghar wale zabardasti meri shaadi karwana chahte hain",
    # Bengali, its script and Roman letters
    "আমার স্বামী আমাকে মারে",
    "শাশুড়ি আমার পাসপোর্ট কেড়ে নিয়েছে",
    "amar shami amake mare",
    "amake baire jete dey na",
    # Polish, with and without accents
    "mąż mnie bije",
    "maz mnie bije",
    "boję się wrócić do domu",
    "boje sie wrocic do domu",
    "teściowa zabrała mi paszport",
    "nie pozwala mi wychodzić z domu",
    # English mixed with them
    "mera husband mujhe hit karta hai and I'm scared",
    "amar husband amake beat kore every night",
    "mój mąż bije mnie and I don't know what to do",
]


@pytest.mark.parametrize("text", DISCLOSURES)
def test_disclosures_are_flagged_in_every_language_and_script(text):
    assert assess_disclosure(text).flagged, text


@pytest.mark.parametrize(
    "text",
    [
        "mera shohar mujhe marta hai",
        "میرا شوہر مجھے مارتا ہے",
        "আমার স্বামী আমাকে মারে",
        "amar shami amake mare",
        "mąż mnie bije",
        "maz mnie bije",
    ],
)
def test_the_language_rules_alone_catch_plain_statements(text):
    result = assess_disclosure(text, RULES_ONLY)
    assert result.flagged and "harm to the writer" in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        # English kinds the older rules missed
        "my ex waits outside my work every day",
        "he says he will report me to the Home Office if I leave",
        "he reads all my messages so please don't text me",
        "he takes all my wages and gives me £20 a week",
        "my kids hide under the bed when he comes home",
    ],
)
def test_english_kinds_the_older_rules_missed_are_flagged(text):
    assert assess_disclosure(text, RULES_ONLY).flagged, text


@pytest.mark.parametrize(
    "text",
    [
        "training on forced marriage should include survivors",
        "services should not text women whose partners check their phones",
        "جبری شادی کی تربیت میں متاثرین کی آواز شامل ہونی چاہیے",
        "forced marriage ki training mein survivors ki awaaz honi chahiye",
        "জোরপূর্বক বিয়ের প্রশিক্ষণে ভুক্তভোগীদের কথা থাকা উচিত",
        "szkolenia o małżeństwach przymusowych powinny uwzględniać głos ocalałych",
        "میرے شوہر مجھے یہاں چھوڑ کر گئے ہیں، نو بجے لینے آئیں گے",
        "mąż mnie tu podwiózł i odbierze o dziewiątej",
        "the tea was lovely, thank you",
    ],
)
def test_professional_talk_and_ordinary_notes_are_not_flagged(text):
    assert not assess_disclosure(text).flagged, text


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ninkaygu wuu i garaacaa habeen walba, waxaan ka baqayaa", "so"),
        ("Soțul meu mă bate în fiecare seară", "ro"),
        ("ሰብኣየይ ኩሉ ግዜ ይወቕዓኒ እዩ", "ti"),
        ("زوجي يضربني كل ليلة", "ar"),
        ("ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰਦਾ ਹੈ", "pa"),
        ("கணவர் என்னை அடிக்கிறார்", "ta"),
        ("Mon mari me frappe et j'ai peur", "fr"),
    ],
)
def test_notes_in_languages_cafe_cannot_screen_are_marked(text, code):
    note = classify_note(text)
    assert "unscreened" in note.flags and f"lang:{code}" in note.flags
    assert note.unscreened == code and kept_back(note.flags)


def test_farsi_in_arabic_letters_is_not_taken_for_urdu():
    assert detect_language("شوهرم مرا کتک می زند").code == "fa"
    assert detect_language("میرا شوہر مجھے مارتا ہے").code == "ur"


@pytest.mark.parametrize(
    "text",
    [
        "ok", "thanks", "good idea", "shukriya", "dhonnobad", "dzięki", "bohat acha laga",
        "mera shohar mujhe marta hai", "amar shami amake mare", "maz mnie bije",
        "আমার স্বামী আমাকে মারে", "میرا شوہر مجھے مارتا ہے",
        "more funding for small groups please",
        "mera husband mujhe hit karta hai and I'm scared",
    ],
)
def test_screened_languages_short_or_long_are_not_marked(text):
    assert detect_language(text).screened, text
    assert "unscreened" not in classify_note(text).flags


def test_a_foreign_sentence_inside_an_english_note_is_marked():
    note = classify_note("great session today. Ninkaygu wuu i garaacaa habeen walba, waan baqayaa")
    assert "unscreened" in note.flags


# ---------------------------------------------------------------- personal details


@pytest.mark.parametrize(
    "text",
    [
        "میرا نمبر ۰۷۷۰۰ ۹۰۰۱۲۳ ہے",  # Urdu (Extended Arabic-Indic) digits
        "رقمي ٠٧٧٠٠ ٩٠٠١٢٣",  # Eastern Arabic digits
        "আমার নম্বর ০৭৭০০ ৯০০১২৩",  # Bengali digits
        "mój numer 07700 900123",
    ],
)
def test_phone_numbers_in_any_scripts_digits_are_found_and_removed(text):
    assert [s.kind for s in find_personal_details(text)] == ["phone"]
    assert "[phone removed]" in redact(text)
    assert not any(ch.isdigit() for ch in redact(text))


def test_names_from_the_plan_match_in_arabic_keyboard_spelling():
    assert [s.kind for s in find_personal_details("علي نے مدد کی", ["علی"])] == ["name"]


# ---------------------------------------------------------------- normalising


def test_fold_gives_one_form_for_every_way_of_typing():
    assert fold("MĄŻ mnie BIJE") == fold("maz mnie bije") == "maz mnie bije"
    assert fold("maaarta") == fold("maarta") == "marta"
    assert fold("ميرا شوهر") == fold("میرا شوہر")
    assert fold("০৭৭") == "077" and ascii_digits("۰۷۷") == "077"
    assert len(ascii_digits("رقم ٠٧٧")) == len("رقم ٠٧٧")


def test_every_language_rule_is_written_in_folded_form():
    assert INTL_RULES and check_folded() == []


# ---------------------------------------------------------------- the model


def test_the_model_is_trained_the_same_way_every_time_and_scored_exactly():
    examples = safety_model.load_examples()
    assert {e.lang for e in examples} >= {"en", "ur", "bn", "pl", "mixed"}
    first, second = safety_model.train(examples), safety_model.train(examples)
    texts = [safety_model.model_text(e.text) for e in examples[::25]]
    assert (first.predict_proba(texts) == second.predict_proba(texts)).all()
    scorer = safety_model.LinearScorer.from_pipeline(first)
    for text, expected in zip(texts, first.predict_proba(texts)[:, 1], strict=True):
        assert scorer.probability(text) == pytest.approx(expected, abs=1e-9)


def test_a_machine_keeps_its_training_as_plain_numbers_and_scores_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(safety_model, "_model", None)
    trained = safety_model._trained()
    [kept] = tmp_path.glob("safety-model-*.json")
    assert kept.read_text(encoding="utf-8").startswith('{"intercept"')  # JSON, never a pickle
    monkeypatch.setattr(safety_model, "_model", None)
    again = safety_model._trained()  # read back, not trained
    assert again is not trained
    for text in ["mera shohar mujhe marta hai", "we need more interpreters", "on mnie bije"]:
        folded = safety_model.model_text(text)
        assert again.probability(folded) == pytest.approx(trained.probability(folded), abs=1e-12)
    kept.write_text('{"intercept": 0.5, "parts": [', encoding="utf-8")  # half-written
    monkeypatch.setattr(safety_model, "_model", None)
    fresh = safety_model._trained()
    assert fresh.probability("on mnie bije") == pytest.approx(trained.probability("on mnie bije"))


def test_the_model_alone_never_makes_a_note_certain():
    # Only the rules can reach a strict threshold; the model tops out below it.
    strict = DisclosureRules(threshold=0.96)
    assert assess_disclosure("amake baire jete dey na").score <= 0.95
    model_only = DisclosureRules(threshold=0.96, intl=())
    assert not assess_disclosure("amake baire jete dey na", model_only).flagged
    assert assess_disclosure("I want to kill myself", strict).flagged
