"""Briefing drafts and exports: pure functions of an event's notes and a synthesis result (no Flask).

`cafe.briefing_reads` reads their inputs from the database.
"""

from cafe.briefing.draft import generate
from cafe.briefing.parts import Briefing, Selection
from cafe.briefing.source import EventSource

__all__ = ["Briefing", "EventSource", "Selection", "generate"]
