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


def test_theme_with_only_stop_words_gets_a_fallback_label():
    model = CtfidfLabeler().fit(["the and", "of the"], [0, 0])
    assert model.labels_ == ["Theme 1"]
