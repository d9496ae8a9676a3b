"""Compute a run: theme its notes and draw the clouds, reading the database only (worker or CLI)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlite_utils import Database

from cafe.actions.synthesis.embedding_store import (
    new_embeddings,
    stored_embeddings,
    stored_frame_embeddings,
    stored_text_digests,
)
from cafe.actions.synthesis.reads import _names, note_input, overrides, run_by_id, workspace_notes
from cafe.actions.synthesis.runs import Progress
from cafe.briefing.parts import _clean, speakable
from cafe.briefing_reads import load_source
from cafe.safety import redact
from cafe.synthesis.point_vectors import digest, texts_to_keep


def compute_run(db: Database, run_id: int, progress: Progress) -> dict[str, Any]:
    """Theme a run's notes and draw the clouds; return a JSON-ready result (no database writes)."""
    from cafe.synthesis import Frame, SynthesisPipeline
    from cafe.synthesis.clouds import render_cloud
    from cafe.synthesis.frames import frame_texts

    run = run_by_id(db, run_id)
    if run is None:
        raise RuntimeError(f"There is no synthesis run {run_id}.")
    options = json.loads(run["params_json"])
    event = db.execute("SELECT * FROM events WHERE id = ?", [run["event_id"]]).fetchone()
    event = dict(event)
    marks = overrides(db, event["id"])
    locked = {
        r[0]
        for r in db.execute(
            "SELECT n.note_id FROM theme_notes n JOIN themes t ON t.id = n.theme_id "
            "WHERE t.event_id = ? AND t.active = 1 AND t.locked = 1",
            [event["id"]],
        ).fetchall()
    }
    notes = [
        note_input(n)
        for n in workspace_notes(db, event["id"], options["scope"])
        if n["id"] not in locked and not marks.get(n["id"], {}).get("excluded")
    ]
    frames = []
    if options.get("frames", True):
        frames = [
            Frame(r[0], json.loads(r[1]))
            for r in db.execute(
                "SELECT name, seeds_json FROM frames WHERE event_id = ? ORDER BY id", [event["id"]]
            ).fetchall()
        ]
    names = _names(event)
    pipeline = SynthesisPipeline(
        n_themes=options.get("n_themes"),
        frames=frames,
        vectorizer="embeddings" if options.get("embeddings") else "tfidf",
        redact=lambda text: redact(text, names),
        by_question=options.get("by_question", True),
    )
    key, stored, stored_frames, seeds = None, {}, {}, set()
    if options.get("embeddings") and len(notes) >= 2:
        from cafe.synthesis import embeddings as emb

        # Notes embedded by an earlier run are not encoded again (MiniLM is most of the time).
        key = emb.model_key()
        stored = stored_embeddings(db, key, [n.id for n in notes])
        emb.preload(key, {n.text: stored[n.id] for n in notes if n.id in stored})
        seeds = {t for f in frames for t in frame_texts(f)}
        stored_frames = {
            text: vector
            for text, vector in stored_frame_embeddings(db, event["id"], key).items()
            if text in seeds
        }
        emb.preload(key, stored_frames)
    if len(notes) >= 2:
        result = pipeline.run(notes, lambda f, m: progress(0.05 + 0.75 * f, m))
        themes, unthemed, params = result.themes, result.unthemed, result.params
    else:
        themes, unthemed, params = [], [n.id for n in notes], {"n_notes": len(notes)}
    sentences = []
    if key is not None:
        # What drafts and the workspace pick key points from, embedded here so the server never
        # loads the model (cafe.synthesis.point_vectors).
        progress(0.8, "Reading the notes' sentences for key points")
        sentences = new_text_embeddings(
            db, event, key,
            lambda done, total: progress(0.8 + 0.05 * done / max(1, total),
                                         "Reading the notes' sentences for key points"))
        params["sentence_model"] = key
    out = []
    for i, theme in enumerate(themes):
        progress(0.85 + 0.1 * i / max(1, len(themes)), "Drawing word clouds")
        png = render_cloud(theme.word_weights, seed=i) if theme.word_weights else None
        out.append(
            {
                "key": theme.key,
                "label": theme.label,
                "key_phrases": theme.key_phrases,
                "note_ids": theme.note_ids,
                "representative_ids": theme.representative_ids,
                "frame": theme.frame,
                "word_weights": theme.word_weights,
                "png": base64.b64encode(png).decode() if png else None,
            }
        )
    params.update(vectorizer="embeddings" if options.get("embeddings") else "tfidf")
    payload = {"themes": out, "unthemed": unthemed, "params": params}
    if key is not None:
        payload["embeddings"] = new_embeddings(
            key, [n for n in notes if n.id not in stored], seeds - set(stored_frames)
        )
        payload["embeddings"]["sentences"] = sentences
    return payload


def new_text_embeddings(db: Database, event: dict[str, Any], key: str, progress=None
                        ) -> list[list]:
    """Embed, in the worker, what key points are picked from (`point_vectors.texts_to_keep`) for
    every note a briefing would count, but for those kept already; return rows for the server
    to keep: [note id, digest of the note's text, digest of the embedded text, base64 vector]."""
    from cafe.synthesis import embeddings as emb

    source = load_source(db, event, point_vectors=False)
    usable = [n for n in source.notes if n.usable]
    kept = stored_text_digests(db, key, [n.id for n in usable])
    wanted: list[tuple[int, str, str]] = []
    for note in usable:
        for text in texts_to_keep(_clean(note.text, source.names), speakable(note)):
            if (note.id, digest(text)) not in kept:
                wanted.append((note.id, digest(note.text), text))
    if not wanted:
        return []
    vectors = emb.encode([text for _id, _note, text in wanted], progress)
    return [
        [note_id, note_digest, digest(text), base64.b64encode(row.tobytes()).decode()]
        for (note_id, note_digest, text), row in zip(wanted, vectors, strict=True)
    ]
