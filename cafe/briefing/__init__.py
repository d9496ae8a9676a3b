"""Briefing drafts and exports: pure functions of an event's notes and a synthesis result (no Flask).

`cafe.briefing_reads` reads their inputs from the database.
"""

from cafe.briefing.draft import Briefing, Selection, generate
from cafe.briefing.source import EventSource

__all__ = ["Briefing", "EventSource", "Selection", "generate"]
