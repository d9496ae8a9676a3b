"""Read what a briefing is made from: an event's notes with provenance, its themes as staff left
them, their word clouds. Drafts and exports (`cafe.briefing`) take these and never query.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from cafe.actions.synthesis.cloud_images import theme_cloud_png
from cafe.actions.synthesis.embedding_store import kept_point_vectors
from cafe.actions.synthesis.result import current_result
from cafe.briefing.source import EventSource, NoteRecord, RoundInfo, TableInfo
from cafe.synthesis.types import SynthesisResult


class NoThemes(RuntimeError):
    """There are no themes for this event yet."""


def load_source(db: Database, event: dict[str, Any], point_vectors: bool = True) -> EventSource:
    """Read an event, its rounds, tables and notes (text of withdrawn notes is already gone), and
    (with `point_vectors`) the sentence vectors a synthesis worker kept for its key points."""
    plan = json.loads(event["plan_json"])
    rounds = tuple(
        RoundInfo(r["number"], r["question"])
        for r in db.execute(
            "SELECT number, question FROM rounds WHERE event_id = ? ORDER BY number", [event["id"]]
        ).fetchall()
    )
    tables = tuple(
        TableInfo(t["number"], t["name"])
        for t in db.execute(
            "SELECT number, name FROM tables WHERE event_id = ? ORDER BY number", [event["id"]]
        ).fetchall()
    )
    participants = db.execute(
        "SELECT COUNT(*) FROM participants WHERE event_id = ?", [event["id"]]
    ).fetchone()[0]
    excluded = {
        r[0] for r in db.execute(
            "SELECT note_id FROM note_overrides WHERE event_id = ? AND excluded = 1", [event["id"]]
        ).fetchall()
    }
    notes = tuple(
        NoteRecord(
            id=row["id"], text=row["text"], table=row["table_no"], round=row["round_no"],
            consent=row["consent"], status=row["status"],
            flags=tuple(json.loads(row["flags_json"] or "[]")), writer=row["participant_id"],
            excluded=row["id"] in excluded,
        )
        for row in db.execute(
            "SELECT id, text, table_no, round_no, consent, status, flags_json, participant_id "
            "FROM notes WHERE event_id = ? ORDER BY id",
            [event["id"]],
        ).fetchall()
    )
    return EventSource(
        event_id=event["id"], slug=event["slug"], title=event["title"],
        date=str(plan.get("date") or event["created_at"])[:10], k=int(event["k_threshold"]),
        names=tuple(plan.get("names", [])), rounds=rounds, tables=tables,
        participants=participants, notes=notes, audience=str(plan.get("audience") or ""),
        point_vectors=kept_point_vectors(db, event["id"]) if point_vectors else None,
    )


def load_result(db: Database, event_id: int) -> SynthesisResult:
    """Return the event's themes as staff left them; raise NoThemes when there are none.

    The staff workspace (`cafe.actions.synthesis`) stores themes; this is the one place drafts and
    exports get them from.
    """
    result = current_result(db, event_id)
    if result is None:
        raise NoThemes("Run synthesis first: there are no themes for this event yet.")
    run_id = result.params.get("run_id")
    if run_id is not None and "run_finished_at" not in result.params:
        row = db.execute("SELECT finished_at FROM synthesis_runs WHERE id = ?", [run_id]).fetchone()
        if row is not None and row[0]:
            result.params["run_finished_at"] = row[0]
    return result


def load_clouds(db: Database, result: SynthesisResult) -> dict[str, bytes]:
    """Return stored word-cloud PNGs by theme key, where the staff workspace has them."""
    clouds = {}
    for theme in result.themes:
        theme_id = getattr(theme, "id", None)
        if getattr(theme, "scrubbed", False):
            continue  # drawn afresh from the words it kept, not the stored picture
        png = theme_cloud_png(db, theme_id) if theme_id is not None else None
        if png:
            clouds[theme.key] = png
    return clouds
