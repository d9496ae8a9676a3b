"""Keep sentence embeddings of notes and frame phrases between runs (only a cache)."""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlite_utils import Database

from cafe.safety import kept_back
from cafe.synthesis.point_vectors import digest as _digest


def _rows_for_ids(db: Database, sql: str, params: list, ids: list[int]) -> list[tuple]:
    """Run `sql`, whose last condition is `IN ({ids})`, for `ids` 500 at a time; return all rows."""
    rows: list[tuple] = []
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        rows += db.execute(sql.format(ids=",".join("?" * len(part))), [*params, *part]).fetchall()
    return rows


def stored_embeddings(db: Database, key: str, note_ids: list[int]) -> dict[int, Any]:
    """Return the kept embeddings by model `key` of those notes that have one (by note id)."""
    import numpy as np

    sql = "SELECT note_id, vector FROM note_embeddings WHERE model = ? AND note_id IN ({ids})"
    return {
        note_id: np.frombuffer(vector, dtype=np.float32)
        for note_id, vector in _rows_for_ids(db, sql, [key], note_ids)
    }


def stored_frame_embeddings(db: Database, event_id: int, key: str) -> dict[str, Any]:
    """Return the kept embeddings by model `key` of the event's frame names and seed phrases."""
    import numpy as np

    return {
        text: np.frombuffer(vector, dtype=np.float32)
        for text, vector in db.execute(
            "SELECT text, vector FROM frame_embeddings WHERE event_id = ? AND model = ?",
            [event_id, key],
        ).fetchall()
    }


def new_embeddings(key: str, notes: list, phrases: set[str] = frozenset()) -> dict[str, Any]:
    """Return the embeddings this run computed, for the server to keep: each note's with a digest
    of the text it came from, so one whose note changed meanwhile is not kept; and the frames'."""
    from cafe.synthesis import embeddings as emb

    vectors = emb.cached(key, [n.text for n in notes] + sorted(phrases))

    def b64(text: str) -> str:
        return base64.b64encode(vectors[text].tobytes()).decode()

    return {
        "model": key,
        "notes": [[n.id, _digest(n.text), b64(n.text)] for n in notes if n.text in vectors],
        "frames": [[t, b64(t)] for t in sorted(phrases) if t in vectors],
    }


def _workspace_texts(db: Database, event_id: int, note_ids: list[int]) -> dict[int, str]:
    """Return the text of each of those notes that is still in the workspace (saved, no
    disclosure), as `workspace_notes` would give it."""
    sql = (
        "SELECT id, text, flags_json FROM notes WHERE event_id = ? AND status = 'saved' "
        "AND id IN ({ids})"
    )
    return {
        note_id: text
        for note_id, text, flags in _rows_for_ids(db, sql, [event_id], note_ids)
        if not kept_back(json.loads(flags))
    }


def keep_frame_embeddings(db: Database, event_id: int, model: str, frames: list) -> None:
    """Store a run's new embeddings of frame phrases; drop those no frame uses any more."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO frame_embeddings (event_id, model, text, vector) "
        "VALUES (?, ?, ?, ?)",
        [(event_id, model, t, base64.b64decode(v)) for t, v in frames],
    )
    db.execute(
        "DELETE FROM frame_embeddings WHERE event_id = ? AND text NOT IN ("
        "SELECT f.name FROM frames f WHERE f.event_id = ? UNION "
        "SELECT j.value FROM frames f, json_each(f.seeds_json) j WHERE f.event_id = ?)",
        [event_id, event_id, event_id],
    )


def keep_note_embeddings(db: Database, event_id: int, model: str, rows: list) -> int:
    """Store a run's new embeddings of notes ([note id, digest of its text, base64 vector]) still
    in the workspace with the same text."""
    current = _workspace_texts(db, event_id, [r[0] for r in rows])
    fresh = [
        (note_id, event_id, model, base64.b64decode(vector))
        for note_id, digest, vector in rows
        if note_id in current and _digest(current[note_id]) == digest
    ]
    db.conn.executemany(
        "INSERT OR REPLACE INTO note_embeddings (note_id, event_id, model, vector) "
        "VALUES (?, ?, ?, ?)",
        fresh,
    )
    return len(fresh)


def stored_text_digests(db: Database, key: str, note_ids: list[int]) -> set[tuple[int, str]]:
    """Return (note id, text digest) of every kept sentence vector by model `key` of those notes."""
    sql = "SELECT note_id, digest FROM note_text_embeddings WHERE model = ? AND note_id IN ({ids})"
    return {(note_id, text) for note_id, text in _rows_for_ids(db, sql, [key], note_ids)}


def kept_point_vectors(db: Database, event_id: int):
    """Return the sentence vectors the worker kept for the event's key points
    (`cafe.synthesis.point_vectors.KeptVectors`, of the model that embedded last), or None."""
    import numpy as np

    from cafe.synthesis.point_vectors import KeptVectors

    row = db.execute(
        "SELECT model FROM note_text_embeddings WHERE event_id = ? ORDER BY rowid DESC LIMIT 1",
        [event_id],
    ).fetchone()
    if row is None:
        return None
    vectors = {
        text: np.frombuffer(vector, dtype=np.float32)
        for text, vector in db.execute(
            "SELECT digest, vector FROM note_text_embeddings WHERE event_id = ? AND model = ?",
            [event_id, row[0]],
        ).fetchall()
    }
    return KeptVectors(row[0], vectors)


def keep_text_embeddings(db: Database, event_id: int, model: str, rows: list) -> int:
    """Store the worker's sentence vectors for key points, of notes still in the workspace with
    the same text; drop the event's vectors by any other model."""
    current = _workspace_texts(db, event_id, sorted({r[0] for r in rows}))
    fresh = [
        (note_id, event_id, model, text_digest, base64.b64decode(vector))
        for note_id, note_digest, text_digest, vector in rows
        if note_id in current and _digest(current[note_id]) == note_digest
    ]
    db.execute("DELETE FROM note_text_embeddings WHERE event_id = ? AND model != ?",
               [event_id, model])
    db.conn.executemany(
        "INSERT OR REPLACE INTO note_text_embeddings (note_id, event_id, model, digest, vector) "
        "VALUES (?, ?, ?, ?, ?)",
        fresh,
    )
    return len(fresh)
