"""Briefing drafts and exports: pure functions of an event's notes and a synthesis result (no Flask)."""

from cafe.briefing.draft import Briefing, Selection, generate
from cafe.briefing.source import EventSource, NoThemes, load_clouds, load_result, load_source

__all__ = [
    "Briefing", "EventSource", "NoThemes", "Selection", "generate", "load_clouds", "load_result",
    "load_source",
]
