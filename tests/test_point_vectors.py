"""Key points by the sentence model from vectors the synthesis worker kept: the server that drafts
briefings and shows the workspace never loads the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
from test_workspace import act, event, result, synthesize  # noqa: F401 - fixture
from test_workspace_key_points import assert_same_as_briefing, briefing
from test_workspace_web import staff_client

from cafe import queries
from cafe.actions import NoteDraft, do_join_event, do_submit_note
from cafe.actions.synthesis.edits import do_move_note
from cafe.briefing.parts import _clean, point_embedder, speakable, theme_key_points
from cafe.briefing_reads import load_result, load_source
from cafe.db import reading
from cafe.synthesis.key_points import candidate_points, key_points_for, tfidf_embedder
from cafe.synthesis.point_vectors import KeptVectors, digest, texts_to_keep
from conftest import embeddings_model_or_skip, rows

PAGE = "/workspace/test-cafe"


# ---- what is kept, and how it embeds (no model) ----------------------------------------------


def test_a_note_of_several_sentences_keeps_each_sentence_that_may_be_a_key_point():
    one = "Funding should follow the community groups who do the work"
    assert texts_to_keep(one, True) == [one]  # its own vector stands for its one sentence
    two = ("Funding should follow the community groups who do the work. "
           "Big charities take the money and the credit for what we do.")
    kept = texts_to_keep(two, True)
    assert kept[0] == two and len(kept) == 3
    assert kept[1:] == [p for p, _ in candidate_points(two)[0]]
    # A note whose words may not be used offers no sentence: only its own vector counts.
    assert texts_to_keep(two, False) == [two]


def test_kept_vectors_embed_beside_lsa_and_a_text_not_kept_takes_its_lsa_half_only():
    rng = np.random.default_rng(0)
    texts = ["funding for small groups", "small groups need funding",
             "training on racism for staff", "staff training about racism"]
    vectors = {digest(t): (v / np.linalg.norm(v)).astype(np.float32)
               for t, v in zip(texts[:3], rng.normal(size=(3, 8)), strict=True)}
    kept = KeptVectors("model-a", vectors)
    assert len(kept) == 3 and kept.covers(texts[:3]) and not kept.covers(texts)
    X = kept(texts)(texts)
    assert np.allclose(np.linalg.norm(X, axis=1), 1)
    assert np.allclose(X[3, :8], 0) and not np.allclose(X[3, 8:], 0)
    # The sentence half is the kept vector, scaled with the LSA half to unit length.
    first = X[0, :8] / np.linalg.norm(X[0, :8])
    assert np.allclose(first, vectors[digest(texts[0])], atol=1e-6)
    assert not KeptVectors("model-a", {}).covers(texts[:1])


# ---- a run that read for meaning, end to end -------------------------------------------------


CHILD = textwrap.dedent("""
    import json, sqlite3, sys
    import sqlite_utils
    from cafe import queries
    from cafe.briefing.parts import _clean, covered, point_embedder, speakable, theme_key_points
    from cafe.briefing_reads import load_result, load_source
    from cafe.synthesis.key_points import tfidf_embedder
    from cafe.synthesis.point_vectors import KeptVectors, texts_to_keep
    db = sqlite_utils.Database(sys.argv[1])
    db.conn.row_factory = sqlite3.Row
    event = queries.event_by_slug(db, "test-cafe")
    source, res = load_source(db, event), load_result(db, event["id"])
    usable, texts, found, _loose = theme_key_points(source, res)
    theme_of = {i: c for c, t in enumerate(res.themes) for i in t.note_ids}
    labels = [theme_of.get(n.id, -1) for n in usable]
    eligible = [speakable(n) for n in usable]
    chosen = point_embedder(source, res)
    used = covered(chosen, texts, labels, eligible)
    probe = [t for i, text in enumerate(texts) if labels[i] >= 0
             for t in texts_to_keep(text, eligible[i])]
    print(json.dumps({
        "kept": isinstance(chosen, KeptVectors),
        "lsa": used is tfidf_embedder,
        "texts": texts, "probe": probe,
        "vectors": chosen(texts)(probe).tolist() if used is chosen else None,
        "points": {k: [f.point.text, usable[f.point.source].id] for k, f in found.items()},
        "model_loaded": sorted(m for m in ("torch", "sentence_transformers") if m in sys.modules),
    }))
""")


def points_elsewhere(db_path) -> dict:
    """Compute the briefing's key points in a fresh process, as a server that restarted would."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(db_path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "CAFE_DB": str(db_path)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def by_the_model(app, event):  # noqa: F811
    """Return each theme's (point, note id) as the sentence model itself picks them now, and the
    model's embedding of the notes (`embed`)."""
    from cafe.synthesis.embeddings import EmbeddingVectorizer

    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, res = load_source(db, ev), load_result(db, ev["id"])
    usable = [n for n in source.notes if n.usable]
    texts = [_clean(n.text, source.names) for n in usable]
    theme_of = {i: c for c, t in enumerate(res.themes) for i in t.note_ids}
    vec = EmbeddingVectorizer()
    vec.fit_encode(texts)

    def embed(xs):
        return vec.transform(list(xs)).astype(float)

    found = key_points_for(texts, [theme_of.get(n.id, -1) for n in usable],
                           eligible=[speakable(n) for n in usable], embed=embed)
    return {res.themes[f.theme].key: [f.point.text, usable[f.point.source].id]
            for f in found if f.point is not None and f.point.text}, embed


def test_a_run_that_read_for_meaning_has_its_key_points_picked_by_the_sentence_model(
        app, event, db_path):  # noqa: F811
    embeddings_model_or_skip()
    synthesize(app, event, embeddings=True)
    res = result(app, event)
    assert res.params["vectorizer"] == "embeddings" and res.params["sentence_model"]
    (kept,) = rows(db_path, "SELECT COUNT(*) FROM note_text_embeddings")[0]
    usable = rows(db_path, "SELECT COUNT(*) FROM notes WHERE status = 'saved' "
                           "AND flags_json NOT LIKE '%disclosure%'")[0][0]
    assert kept >= usable - 1, (kept, usable)

    # A fresh process (a server after a restart) picks the points from the kept vectors alone,
    # never loading the model, and they are the points the model itself picks.
    there = points_elsewhere(db_path)
    assert there["kept"] and not there["lsa"] and there["model_loaded"] == [], there["kept"]
    expected, embed = by_the_model(app, event)
    # The kept vectors embed every themed note and candidate sentence as the model does ...
    assert len(there["probe"]) > len(there["texts"]) // 2
    assert np.allclose(there["vectors"], embed(there["probe"]), atol=1e-5)
    # ... so the points are the model's.
    assert there["points"] == expected and expected
    # The workspace cards say the same as the briefing.
    assert_same_as_briefing(app, event, staff_client(app).get(PAGE).text)
    points, _, _ = briefing(app, event)
    assert {str(k): list(v) for k, v in points.items() if v[1] is not None} == expected

    # A note written after the run, in no theme, leaves the points as they were.
    with app.app_context():
        with reading() as db:
            current = queries.event_by_slug(db, "test-cafe")
        writer, _ = do_join_event(current, table_no=1)
        do_submit_note(current, writer, NoteDraft(
            "note-after1", "Councils should fund the small groups that reach women first. "
            "We keep being asked to prove ourselves again.", "quote"))
    late = rows(db_path, "SELECT id FROM notes WHERE client_id = 'note-after1'")[0][0]
    there = points_elsewhere(db_path)
    assert not there["lsa"] and there["points"] == expected

    # Moved into a theme, it has no sentence vector: every point is picked by LSA again.
    act(app, do_move_note, event, "staffer", late, res.themes[0].key)
    there = points_elsewhere(db_path)
    assert there["kept"] and there["lsa"]
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, now = load_source(db, ev), load_result(db, ev["id"])
    usable_now, _texts, lsa, _loose = theme_key_points(source, now, embedder=tfidf_embedder)
    assert there["points"] == {k: [f.point.text, usable_now[f.point.source].id]
                               for k, f in lsa.items()}
    assert_same_as_briefing(app, event, staff_client(app).get(PAGE).text)


def test_kept_vectors_go_with_the_notes_words_and_a_run_by_words_alone_keeps_lsa(
        app, event, db_path):  # noqa: F811
    embeddings_model_or_skip()
    synthesize(app, event, embeddings=True)
    note = rows(db_path, "SELECT note_id FROM note_text_embeddings LIMIT 1")[0][0]
    before = rows(db_path, "SELECT COUNT(*) FROM note_text_embeddings WHERE note_id = ?",
                  (note,))[0][0]
    assert before >= 1
    # Any change of the note's text, flags or status drops its vectors at once.
    with app.app_context():
        from cafe.db import get_writer

        get_writer().write(lambda db: db.execute(
            "UPDATE notes SET text = text || ' (edited)' WHERE id = ?", [note]))
    assert rows(db_path, "SELECT COUNT(*) FROM note_text_embeddings WHERE note_id = ?",
                (note,)) == [(0,)]
    # A later run by words alone: drafts pick points by LSA, whatever vectors are kept.
    synthesize(app, event)
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, res = load_source(db, ev), load_result(db, ev["id"])
    assert source.point_vectors is not None and len(source.point_vectors)
    assert point_embedder(source, res) is tfidf_embedder


def test_kept_vectors_that_miss_a_note_give_way_to_the_fallback_they_were_given():
    from cafe.briefing.parts import covered

    texts = ["Councils should fund the groups that reach women first", "A note written later"]
    kept = KeptVectors("m", {digest(texts[0]): np.ones(4, dtype=np.float32)})

    def cached(xs):  # a workspace's LSA fitted once
        return tfidf_embedder(xs)

    assert covered(kept, texts, [0, -1], [True, True]) is kept  # the later note is in no theme
    assert covered(kept, texts, [0, 0], [True, True]) is tfidf_embedder
    assert covered(kept.or_else(cached), texts, [0, 0], [True, True]) is cached
    assert covered(kept.or_else(cached), texts, [0, -1], [True, True]).vectors is kept.vectors
