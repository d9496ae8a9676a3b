"""Tests for personal-detail detection, redaction, disclosure flags and small-group suppression."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cafe.safety import (
    DEFAULT_RULES,
    Assessment,
    DisclosureRules,
    Span,
    assess_disclosure,
    classify_note,
    find_personal_details,
    redact,
    suppress_small_groups,
)

EXAMPLES = Path(__file__).parent / "data" / "disclosure_examples.csv"


def found(text, names=()):
    """Return (kind, matched text) pairs so failures read clearly."""
    return [(s.kind, text[s.start : s.end]) for s in find_personal_details(text, names)]


# ---------------------------------------------------------------- personal details


def test_email_is_found_and_its_domain_is_not_also_a_link():
    text = "write to amina.b+cafe@example.org.uk please"
    assert found(text) == [("email", "amina.b+cafe@example.org.uk")]
    assert redact(text) == "write to [email removed] please"


@pytest.mark.parametrize(
    "number",
    [
        "07912 345678",
        "07912345678",
        "+44 7912 345678",
        "+447912345678",
        "+44 (0)7912 345678",
        "0044 7912 345678",
        "07700 900123",
        "020 7946 0958",
        "(0161) 496 0000",
        "0113 496 0123",
    ],
)
def test_uk_phone_numbers_are_found(number):
    text = f"ring me on {number} after six"
    assert found(text) == [("phone", number)]
    assert redact(text) == "ring me on [phone removed] after six"


def test_a_bracket_opening_an_aside_stays_when_its_phone_number_goes():
    text = "Priya (07700 900456, priya@example.org) helped"
    assert redact(text) == "Priya ([phone removed], [email removed]) helped"
    assert redact("ring (0161) 496 0000 today") == "ring [phone removed] today"


@pytest.mark.parametrize(
    "text",
    [
        "in 2024 we raised £1,200",
        "we had 20 minutes per round",
        "1 in 4 women",
        "between 2019 and 2021",
        "from 9.30-11.45",
        "case ref 123456",
        "on 12/03/2024",
        "table 3 round 2",
        "5,000,000 women",
        "born 1985, 2 kids",
    ],
)
def test_years_prices_times_and_counts_are_not_phone_numbers(text):
    assert found(text) == []
    assert redact(text) == text


@pytest.mark.parametrize(
    "postcode", ["E1 6AN", "SW1A 1AA", "sw1a 1aa", "M1 1AE", "B33 8TH", "GIR 0AA", "EC1V9HX"]
)
def test_uk_postcodes_are_found(postcode):
    assert found(f"the hub at {postcode} opens late") == [("postcode", postcode)]


@pytest.mark.parametrize(
    "text",
    ["room b12 3rd floor", "the M25 was closed", "we did 24 7 cover", "A1 road", "rota: 4 ab"],
)
def test_things_that_only_resemble_postcodes_are_not_found(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://example.org/path?x=1, thanks", "https://example.org/path?x=1"),
        ("try www.refuge.org.uk.", "www.refuge.org.uk"),
        ("check safelives.org.uk/resources today", "safelives.org.uk/resources"),
        ("the list is on gov.uk", "gov.uk"),
        ("(http://my-blog.net/post)", "http://my-blog.net/post"),
    ],
)
def test_links_are_found_without_trailing_punctuation(text, link):
    assert found(text) == [("url", link)]
    assert link not in redact(text) and "[link removed]" in redact(text)


def test_abbreviations_and_times_are_not_links():
    assert found("e.g. allies, i.e. partners, etc. from 5.30pm to 7.45") == []


def test_listed_names_are_whole_word_and_case_insensitive():
    text = "Amina spoke, then AMINA's friend, not Aminah or Laminated"
    assert (
        redact(text, ["amina"])
        == "[name removed] spoke, then [name removed]'s friend, not Aminah or Laminated"
    )


def test_names_ignore_accents_and_apostrophe_styles_and_keep_offsets():
    text = "Zoë, zoe and ŞÜKRÜ met O’Neill"
    names = ["Zoë", "Şükrü", "O'Neill"]
    assert [t for _, t in found(text, names)] == ["Zoë", "zoe", "ŞÜKRÜ", "O’Neill"]
    assert (
        redact(text, names)
        == "[name removed], [name removed] and [name removed] met [name removed]"
    )


def test_names_with_several_words_and_symbols_are_matched_literally():
    names = ["Amina Begum", "Amina", "Jo (host)", "", "   "]
    assert redact("amina  begum thanked Jo (host) and Amina", names) == (
        "[name removed] thanked [name removed] and [name removed]"
    )
    assert redact("J. hosted", ["J."]) == "[name removed] hosted"
    assert redact("nothing to see", ["", " "]) == "nothing to see"


def test_a_name_inside_an_email_or_link_is_one_detail():
    text = "amina@example.org and example.org/amina"
    assert found(text, ["Amina"]) == [("email", "amina@example.org"), ("url", "example.org/amina")]
    assert classify_note(text, ["Amina"]).personal == ("email", "url")


def test_overlapping_details_are_redacted_as_one_without_leaking():
    text = "go to www.example.org/E1 6AN now"  # the link and the postcode share "E1"
    kinds = {s.kind for s in find_personal_details(text)}
    assert kinds == {"url", "postcode"}
    assert redact(text) == "go to [link removed] now"


def test_spans_are_frozen_and_index_the_original_text():
    text = "Café host: call 07912 345678"
    (span,) = find_personal_details(text)
    assert span == Span("phone", 16, 28) and text[span.start : span.end] == "07912 345678"
    with pytest.raises(AttributeError):
        span.kind = "email"


def test_redact_leaves_text_without_details_untouched():
    text = "Allyship means sharing power — and funding."
    assert redact(text, ["Amina"]) == text


@given(
    before=st.text(alphabet="abc ,.", max_size=20),
    after=st.text(alphabet="abc ,.", max_size=20),
    digits=st.from_regex(r"7[1-9][0-9]{2} ?[0-9]{6}", fullmatch=True),
)
def test_any_uk_mobile_is_removed(before, after, digits):
    redacted = redact(f"{before} 0{digits} {after}")
    assert "[phone removed]" in redacted and digits not in redacted


# ---------------------------------------------------------------- disclosure


@pytest.mark.parametrize(
    "text",
    [
        "he hit me",
        "I'm scared to go home",
        "my husband took my passport",
        "I want to end it",
        "my sister is being forced to marry next month",
        "he says he will kill me if I leave",
        "my daughter is scared of her dad, he shouts at her every night",
        "my husband he not let me go out",
    ],
)
def test_personal_disclosures_are_flagged(text):
    assert assess_disclosure(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "survivors often fear going home",
        "services should ask about forced marriage",
        "we need more refuge spaces",
        "I feel angry that funding keeps getting cut",
        "threats to kill should always trigger a MARAC referral",
        "thank you all for coming tonight",
    ],
)
def test_talk_about_the_topic_is_not_flagged(text):
    assert not assess_disclosure(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "i have been cutting myself",
        "I'm not safe tonight",
        "I have nowhere to sleep tonight",
        "he is outside waiting for me right now",
        "they want my daughter to be cut this summer",
    ],
)
def test_explicit_risk_is_always_flagged_at_full_score(text):
    assert assess_disclosure(text) == Assessment(True, 1.0, assess_disclosure(text).reasons)


def test_quoted_or_professional_words_are_not_the_writers_disclosure():
    assert not assess_disclosure('as an IDVA I hear "he hit me" every day').flagged
    assert not assess_disclosure(
        'in training we practise answering "I\'m scared to go home"'
    ).flagged


def test_reasons_name_rules_never_note_text():
    result = assess_disclosure("he hit me at Flat 4 last night")
    assert result.flagged and 0.5 <= result.score <= 1.0
    assert result.reasons and all("flat" not in r.lower() for r in result.reasons)


def test_event_phrases_always_flag_and_rules_stay_frozen():
    rules = DEFAULT_RULES.with_phrases("izzat", "  ")
    assert not assess_disclosure("they keep talking about my izzat").flagged
    result = assess_disclosure("They keep talking about my IZZAT", rules)
    assert result.flagged and "event phrase: izzat" in result.reasons
    assert DEFAULT_RULES.extra_phrases == ()
    with pytest.raises(AttributeError):
        rules.threshold = 0.1


def test_threshold_is_configurable():
    strict = DisclosureRules(threshold=0.99)
    assert assess_disclosure("he hit me").flagged
    assert not assess_disclosure("he hit me", strict).flagged


def load_examples():
    """Read the labelled notes."""
    with EXAMPLES.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def precision_recall(rows):
    """Return precision and recall of assess_disclosure on labelled rows."""
    tp = fp = fn = 0
    for row in rows:
        flagged, wanted = assess_disclosure(row["text"]).flagged, row["label"] == "1"
        tp += flagged and wanted
        fp += flagged and not wanted
        fn += wanted and not flagged
    return tp / (tp + fp), tp / (tp + fn)


def test_labelled_set_is_big_balanced_and_split():
    rows = load_examples()
    assert len(rows) >= 150 and len({r["text"] for r in rows}) == len(rows)
    assert {r["label"] for r in rows} == {"0", "1"} and {r["split"] for r in rows} == {
        "dev",
        "test",
    }
    test_share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.3 <= test_share <= 0.45
    assert sum(r["label"] == "0" for r in rows) > sum(
        r["label"] == "1" for r in rows
    )  # many hard negatives


# Floors sit below the measured figures (bench/safety_eval.py) with room to spare;
# recall's matter most, since a missed disclosure costs more than an extra queue item.
@pytest.mark.parametrize(
    ("split", "min_precision", "min_recall"), [("dev", 0.9, 0.95), ("test", 0.85, 0.9)]
)
def test_disclosure_precision_and_recall_floors(split, min_precision, min_recall):
    precision, recall = precision_recall([r for r in load_examples() if r["split"] == split])
    assert recall >= min_recall
    assert precision >= min_precision


# ---------------------------------------------------------------- per note


def test_classify_note_reports_both_kinds_of_flag():
    note = classify_note("text me on 07912 345678, he hit me last night, Amina knows", ["Amina"])
    assert note.personal == ("phone", "name")
    assert note.disclosure and note.reasons
    assert note.flags == ("personal:phone", "personal:name", "disclosure")


def test_classify_note_of_a_plain_note_has_no_flags():
    note = classify_note("partnership works when the small org is an equal")
    assert note.flags == () and note.reasons == ()


# ---------------------------------------------------------------- small groups


def test_groups_below_k_are_hidden_and_others_kept():
    counts = {("T1", 1): 5, ("T1", 2): 2, ("T2", 1): 0, ("T2", 2): 3}
    assert suppress_small_groups(counts, 3) == {
        ("T1", 1): 5,
        ("T1", 2): None,
        ("T2", 1): 0,
        ("T2", 2): 3,
    }
    assert counts[("T1", 2)] == 2  # input untouched


def test_k_of_one_hides_nothing_and_bad_input_is_refused():
    assert suppress_small_groups({"a": 1, "b": 4}, 1) == {"a": 1, "b": 4}
    with pytest.raises(ValueError):
        suppress_small_groups({"a": 1}, 0)
    with pytest.raises(ValueError):
        suppress_small_groups({"a": -1}, 3)
    with pytest.raises(ValueError):
        suppress_small_groups({"a": 2.5}, 3)
    with pytest.raises(ValueError):
        suppress_small_groups({"a": True}, 3)


def test_protect_total_hides_a_second_group_so_subtraction_reveals_nothing():
    counts = {"t1": 7, "t2": 2, "t3": 5}
    assert suppress_small_groups(counts, 3) == {"t1": 7, "t2": None, "t3": 5}
    assert suppress_small_groups(counts, 3, protect_total=True) == {"t1": 7, "t2": None, "t3": None}
    two_hidden = {"t1": 7, "t2": 2, "t3": 1}
    assert suppress_small_groups(two_hidden, 3, protect_total=True) == {
        "t1": 7,
        "t2": None,
        "t3": None,
    }


def test_disclosure_rules_match_whatever_the_case_or_dotless_i():
    # Rules run on lower-cased text without IGNORECASE; letters IGNORECASE folded must still match.
    for text in ("I WANT TO KILL MYSELF", "I want to kıll myself", "I Want To Kill Myſelf"):
        assert assess_disclosure(text).flagged, text
    # A rule written with capitals keeps matching regardless of case.
    rules = DisclosureRules(always=(("custom", r"\bFOOBAR\b"),))
    assert assess_disclosure("a foobar here", rules).flagged
    assert not assess_disclosure("nothing here", rules).flagged
