"""What every export format is made from: the briefing's Markdown, its word clouds and its note rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cafe.briefing.draft import generate
from cafe.briefing.markdown import render_markdown
from cafe.briefing.note_rows import note_rows
from cafe.briefing.parts import ALL, Briefing, Selection
from cafe.briefing.source import EventSource
from cafe.briefing.stored_draft import drop_pipeline, resign, scrub
from cafe.synthesis.types import SynthesisResult


@dataclass
class Cloud:
    key: str
    label: str
    png: bytes


@dataclass
class ExportInput:
    """Everything every format needs."""

    slug: str
    title: str
    markdown: str
    clouds: list[Cloud] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def cloud_png(word_weights: dict[str, float], seed: int = 0) -> bytes:
    """Render a theme's word cloud (for a theme the workspace has none stored for)."""
    return _cloud(json.dumps(word_weights, sort_keys=True), seed)


@lru_cache(maxsize=64)
def _cloud(weights_json: str, seed: int) -> bytes:
    from cafe.synthesis.clouds import render_cloud

    return render_cloud(json.loads(weights_json), seed=seed)


def draft_export(source: EventSource, draft: dict[str, Any],
                 stored_clouds: dict[str, bytes] | None = None) -> ExportInput:
    """Make everything every format needs from a stored draft (its text as staff left it).

    Notes are read afresh: a note withdrawn since the draft was made drops out of the rows, and
    its quote out of the text.
    """
    snap = json.loads(draft["source_json"] or "{}")
    quoted = {int(k): v for k, v in snap.get("quotes", {}).items()}
    markdown = scrub(draft["markdown"], source, quoted)
    stored = stored_clouds or {}
    themes = snap.get("themes", [])
    clouds = [Cloud(t["key"], t["label"], stored.get(t["key"]) or cloud_png(t["word_weights"]))
              for t in themes]
    theme_of = {i: t["label"] for t in themes for i in t["note_ids"]}
    markdown = resign(markdown, source, quoted, theme_of)
    markdown = drop_pipeline(markdown, snap.get("params", {}))
    selection = snap.get("selection", {}).get("kind", "all")
    rows = note_rows(source, theme_of, set(theme_of) if selection != "all" else None)
    return ExportInput(source.slug, draft["title"], markdown, clouds, rows, meta_of(source),
                       snap.get("params", {}))


def event_export(source: EventSource, result: SynthesisResult, selection: Selection = ALL,
                 stored_clouds: dict[str, bytes] | None = None) -> tuple[Briefing, ExportInput]:
    """Generate a briefing from themes and make everything every format needs."""
    source = source.with_themes(result)
    briefing = generate(source, result, selection)
    markdown = render_markdown(briefing)
    stored = stored_clouds or {}
    clouds = [Cloud(t.key, t.label, stored.get(t.key) or cloud_png(t.word_weights))
              for t in briefing.themes]
    theme_of = {n.id: n.theme_label for n in source.notes if n.theme_label}
    chosen = {i for t in selection.pick(result) for i in t.note_ids}
    rows = note_rows(source, theme_of, chosen if selection.kind != "all" else None)
    return briefing, ExportInput(source.slug, briefing.title, markdown, clouds, rows,
                                 meta_of(source), dict(briefing.evidence.params))


def meta_of(source: EventSource) -> dict[str, Any]:
    return {"slug": source.slug, "title": source.title, "date": source.date, "k": source.k,
            "questions": [{"round": r.number, "question": r.question} for r in source.rounds]}
