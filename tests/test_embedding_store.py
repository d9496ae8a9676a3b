"""Sentence embeddings of notes are kept for re-runs, and go the moment their note's text does."""

from __future__ import annotations

import base64
import hashlib

import numpy as np
from test_workspace import DISCLOSURE, TOPICS, event, synthesize  # noqa: F401 - fixture

from cafe import queries
from cafe.actions import do_edit_note, do_purge_event, do_redact_note, do_withdraw_note
from cafe.actions.synthesis import apply_run
from cafe.actions.synthesis.compute import compute_run
from cafe.actions.synthesis.embedding_store import keep_note_embeddings
from cafe.actions.synthesis.reads import workspace_notes
from cafe.actions.synthesis.runs import do_fail_run, do_start_run
from cafe.db import get_writer, reading
from conftest import embeddings_model_or_skip, rows


def _note(app, text: str) -> tuple[dict, dict]:
    with app.app_context(), reading() as db:
        note = db.execute("SELECT * FROM notes WHERE text = ?", [text]).fetchone()
        note = dict(note)
        return note, queries.participant(db, note["participant_id"])


def _store_for_every_note(app, event) -> int:  # noqa: F811
    """Keep a made-up vector for every workspace note, as a run would (no model needed)."""
    with app.app_context(), reading() as db:
        notes = workspace_notes(db, event["id"])
    vector = base64.b64encode(np.ones(4, dtype=np.float32).tobytes()).decode()
    payload = {"model": "test-model", "notes": [
        [n["id"], hashlib.sha256(n["text"].encode()).hexdigest(), vector] for n in notes
    ]}
    with app.app_context():
        return get_writer().write(lambda db: keep_note_embeddings(
            db, event["id"], payload["model"], payload["notes"]))


def test_an_edit_a_redaction_a_withdrawal_or_a_purge_drops_the_embedding(app, event, db_path):  # noqa: F811
    kept = _store_for_every_note(app, event)
    assert kept == 25 == rows(db_path, "SELECT COUNT(*) FROM note_embeddings")[0][0]
    edited, writer = _note(app, TOPICS["housing"][0])
    withdrawn, leaver = _note(app, TOPICS["funding"][0])
    with app.app_context():
        do_edit_note(event, writer, edited["id"], "Housing lists are too long", "quote")
        do_withdraw_note(event, leaver, withdrawn["id"])
    phone = rows(db_path, "SELECT id FROM notes WHERE text LIKE 'Our office is on%'")[0][0]
    with app.app_context():
        do_redact_note(event, phone)
    left = {r[0] for r in rows(db_path, "SELECT note_id FROM note_embeddings")}
    assert len(left) == 22 and not left & {edited["id"], withdrawn["id"], phone}
    # A change that leaves the text alone (approval for the wall) keeps it.
    other, _ = _note(app, TOPICS["interpreters"][0])
    with app.app_context():
        from cafe.actions import do_set_wall

        do_set_wall(event, other["id"], "approved")
    assert other["id"] in {r[0] for r in rows(db_path, "SELECT note_id FROM note_embeddings")}
    with app.app_context():
        do_purge_event(event)
    assert rows(db_path, "SELECT COUNT(*) FROM note_embeddings") == [(0,)]


def test_an_embedding_is_kept_only_for_the_text_it_came_from(app, event, db_path):  # noqa: F811
    note, writer = _note(app, TOPICS["interpreters"][1])
    old = hashlib.sha256(note["text"].encode()).hexdigest()
    vector = base64.b64encode(np.ones(4, dtype=np.float32).tobytes()).decode()
    with app.app_context():
        # The participant edits the note while the run computes: its vector is of the old text.
        do_edit_note(event, writer, note["id"], "Independent interpreters please", "quote")
        held, _ = _note(app, DISCLOSURE)
        payload = {"model": "m", "notes": [
            [note["id"], old, vector],
            # A disclosure never reaches the workspace, so nothing of it is kept either.
            [held["id"], hashlib.sha256(DISCLOSURE.encode()).hexdigest(), vector],
        ]}
        assert get_writer().write(lambda db: keep_note_embeddings(
            db, event["id"], payload["model"], payload["notes"])) == 0
    assert rows(db_path, "SELECT COUNT(*) FROM note_embeddings") == [(0,)]


def test_a_run_with_embeddings_keeps_them_and_a_rerun_reuses_them(app, event, db_path,  # noqa: F811
                                                                  monkeypatch):
    embeddings_model_or_skip()
    from cafe.synthesis import embeddings as emb

    monkeypatch.setattr(apply_run, "EMBEDDINGS_PER_WRITE", 4)  # several short writes, not one long one

    with app.app_context():
        get_writer().write(lambda db: db.execute(
            "INSERT INTO frames (event_id, name, seeds_json) VALUES (?, 'Housing', ?)",
            [event["id"], '["waiting lists", "refuge spaces"]']))
    synthesize(app, event, embeddings=True)
    stored = dict(rows(db_path, "SELECT note_id, vector FROM note_embeddings"))
    assert sorted(r[0] for r in rows(db_path, "SELECT text FROM frame_embeddings")) == [
        "Housing", "refuge spaces", "waiting lists"]
    with app.app_context(), reading() as db:
        notes = {n["id"]: n["text"] for n in workspace_notes(db, event["id"])}
    assert set(stored) == set(notes)
    key = emb.model_key()
    assert {r[0] for r in rows(db_path, "SELECT DISTINCT model FROM note_embeddings")} == {key}
    # What is kept is the model's own embedding of the note's text.
    first, second = sorted(notes)[:2]
    vectorizer = emb.EmbeddingVectorizer()
    vectorizer._load()
    fresh = vectorizer.embed([notes[first]])[0]
    assert np.allclose(np.frombuffer(stored[first], dtype=np.float32), fresh, atol=1e-5)

    # Give the first note the second's vector and forget everything this process encoded and
    # loaded: a re-run that read the database uses that vector, and needs no model at all.
    with app.app_context():
        get_writer().write(lambda db: db.execute(
            "UPDATE note_embeddings SET vector = ? WHERE note_id = ?", [stored[second], first]))
    emb._CACHE.clear()
    emb._MODELS.clear()
    with app.app_context():
        run = do_start_run(event, "staffer", embeddings=True)
        with reading() as db:
            payload = compute_run(db, run["id"], lambda f, m: None)
    assert payload["embeddings"]["notes"] == payload["embeddings"]["frames"] == []
    assert emb._MODELS == {}
    assert any(t["frame"] == "Housing" for t in payload["themes"])
    used = emb.cached(key, [notes[first]])[notes[first]]
    assert np.array_equal(used, np.frombuffer(stored[second], dtype=np.float32))
    # A note added since is encoded once and kept when the run lands.
    with app.app_context():
        from cafe.actions import NoteDraft, do_join_event, do_submit_note

        newcomer = do_join_event(event, table_no=1)[0]
        do_submit_note(event, newcomer, NoteDraft("note-new01", "Refuge housing near schools",
                                                  "quote"))
        do_fail_run(get_writer(), run["id"], "replaced by the next run")
        # Staff drop a seed phrase from the frame: its vector is not kept any more.
        get_writer().write(lambda db: db.execute(
            "UPDATE frames SET seeds_json = '[\"waiting lists\"]' WHERE event_id = ?", [event["id"]]))
    detail = synthesize(app, event, embeddings=True)
    assert detail["themes"] >= 1
    assert rows(db_path, "SELECT COUNT(*) FROM note_embeddings")[0][0] == len(notes) + 1
    assert sorted(r[0] for r in rows(db_path, "SELECT text FROM frame_embeddings")) == [
        "Housing", "waiting lists"]
