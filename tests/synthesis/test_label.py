from cafe.synthesis import CtfidfLabeler
from cafe.synthesis.label import _phrases, readable_label


def _topic_labels(notes, topics):
    order = sorted(topics)
    return order, [order.index(next(t for t in order if n.id in topics[t])) for n in notes]


def test_key_phrases_name_each_topic(corpus):
    notes, topics = corpus
    order, labels = _topic_labels(notes, topics)
    model = CtfidfLabeler().fit([n.text for n in notes], labels)
    expected = {"funding": "funding", "housing": "housing", "interpreters": "interpreter",
                "police": "police"}
    for c, topic in enumerate(order):
        assert any(expected[topic] in p for p in model.key_phrases_[c][:3]), model.key_phrases_[c]
        assert expected[topic] in model.labels_[c].lower()


def test_word_weights_agree_with_key_phrases(corpus):
    notes, topics = corpus
    _, labels = _topic_labels(notes, topics)
    model = CtfidfLabeler().fit([n.text for n in notes], labels)
    for phrases, weights in zip(model.key_phrases_, model.word_weights_, strict=True):
        assert all(w > 0 for w in weights.values())
        assert phrases[0] in weights


def test_unthemed_notes_are_ignored():
    model = CtfidfLabeler().fit(["housing list", "housing list", "noise words"], [0, 0, -1])
    assert model.labels_ == ["Housing list"]


def test_words_fold_into_bigrams():
    assert _phrases(["waiting", "list", "waiting list", "council"], 3) == ["waiting list", "council"]


def test_readable_label():
    assert readable_label(["waiting list", "interpreters", "trust"]) == \
        "Waiting list, interpreters and trust"
    assert readable_label(["refuge"]) == "Refuge"
    assert readable_label([]) == ""


def test_a_label_in_another_script_has_no_english_and():
    urdu = readable_label(["بات نہیں کر", "جب کوئی میری"])
    assert urdu == "بات نہیں کر · جب کوئی میری" and " and " not in urdu
    assert readable_label(["আবাসন", "দোভাষী", "পুলিশ"]) == "আবাসন · দোভাষী · পুলিশ"


def test_theme_with_only_stop_words_gets_a_fallback_label():
    model = CtfidfLabeler().fit(["the and", "of the"], [0, 0])
    assert model.labels_ == ["Theme 1"]


def _label_corpus():
    import csv
    from pathlib import Path

    with (Path(__file__).with_name("label_notes.csv")).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    order = sorted({r["topic"] for r in rows})
    return order, [r["text"] for r in rows], [order.index(r["topic"]) for r in rows]


def test_labels_skip_stop_words_in_every_language_and_prefer_written_phrases():
    order, texts, labels = _label_corpus()
    model = CtfidfLabeler().fit(texts, labels)
    named = dict(zip(order, model.labels_, strict=True))
    phrases = dict(zip(order, model.key_phrases_, strict=True))
    from cafe.stopwords import STOP_WORDS

    for topic in ("refuge_ur", "interpreter_pl", "housing_en"):
        for phrase in phrases[topic]:
            words = phrase.split()
            # No phrase starts or ends with a stop word ("نہیں", "nie", "the"), nor is one.
            assert words[0] not in STOP_WORDS and words[-1] not in STOP_WORDS, (topic, phrase)
            # Every phrase was written, word for word, in one of the theme's notes.
            assert any(phrase in " ".join(t.lower().replace(",", " ").split()) for t, c in
                       zip(texts, labels, strict=True) if order[c] == topic), (topic, phrase)
    assert "نہیں" not in named["refuge_ur"] and "پناہ گاہ" in named["refuge_ur"]
    assert "nie" not in named["interpreter_pl"].lower().split()
    assert "tłumacz" in named["interpreter_pl"].lower()
    # Two overlapping phrases written together become one: "waiting list for housing".
    assert named["housing_en"] == "Waiting list for housing"
    assert any(len(p.split()) >= 2 for p in phrases["refuge_ur"] + phrases["interpreter_pl"])
    # A theme of stop words only, in four languages, is numbered and has no key phrases.
    assert named["fillers"] == f"Theme {order.index('fillers') + 1}"
    assert phrases["fillers"] == []


def test_common_polish_urdu_and_bengali_function_words_never_edge_a_phrase():
    # Two notes share "ani ze społeczności" ("nor from the community"); the demo's label began
    # with it ("Ani ze społeczności, być niezależny and cost recovery").
    texts = ["Tłumacz powinien być niezależny, nie z rodziny ani ze społeczności sprawcy.",
             "tłumacz musi być niezależny ani ze społeczności ani z rodziny",
             "ہم کو مترجم چاہیے لیکن اپنے خاندان سے نہیں", "ہم کو مترجم چاہیے جو اپنے گاؤں کا نہ ہو",
             "আমাদের দোভাষী দরকার কিন্তু আমার পরিবারের কেউ নয়", "আমাদের দোভাষী দরকার শুধু মেয়ে",
             "refuge spaces for women", "more refuge spaces please"]
    model = CtfidfLabeler().fit(texts, [0, 0, 1, 1, 2, 2, 3, 3])
    edges = {"ani", "ze", "być", "ہم", "کو", "لیکن", "اپنے", "আমাদের", "কিন্তু", "শুধু"}
    for phrases in model.key_phrases_[:3]:
        assert phrases, model.key_phrases_
        for phrase in phrases:
            words = phrase.split()
            assert words[0] not in edges and words[-1] not in edges, phrase
    assert "niezależny" in model.labels_[0].lower()


def test_a_theme_with_content_words_but_none_shared_is_named_by_its_own_words():
    model = CtfidfLabeler().fit(["refuge spaces", "interpreters in court", "the and"], [0, 0, 1])
    assert model.labels_[0] != "Theme 1" and model.key_phrases_[0]
    assert model.labels_[1] == "Theme 2"


def test_overlapping_phrases_join_only_when_written_together():
    ranked = ["waiting list", "list for housing"]
    assert _phrases(ranked, 3, lambda p: p == "waiting list for housing") == \
        ["waiting list for housing"]
    assert _phrases(ranked, 3, lambda p: False) == ["waiting list", "list for housing"]
