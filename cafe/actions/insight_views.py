"""Hosts' key insights as each screen sees them, and which are up on the wall and for votes."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from cafe.held import is_held, moderation_flags
from cafe.safety import find_personal_details

MAX_INSIGHTS = 3


def event_insights(db: Database, event_id: int) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.query("SELECT * FROM insights WHERE event_id = ? ORDER BY id", [event_id])
    ]


def insight_view(insight: dict[str, Any]) -> dict[str, Any]:
    """Return an insight as its host's phone sees it (the text of a held one is kept back), with
    whether the facilitator has let it on the wall yet."""
    flags = json.loads(insight["flags_json"])
    held = is_held(flags)
    return {
        "id": insight["id"],
        "client_id": insight["client_id"],
        "table": insight["table_no"],
        "round": insight["round_no"],
        "text": "" if held else insight["text"],
        "held": held,
        "wall": insight["wall"],
        "flags": moderation_flags(flags),
    }


def console_insight_view(
    insight: dict[str, Any], names: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return an insight as the facilitator console sees it: as a note is (personal details
    marked for "Remove personal details"; a possible disclosure's text held back)."""
    view = insight_view(insight)
    spans = []
    if not view["held"] and any(f.startswith("personal") for f in view["flags"]):
        spans = [[s.start, s.end, s.kind] for s in find_personal_details(insight["text"], names)]
    return {**view, "spans": spans}


def public_insight_view(insight: dict[str, Any]) -> dict[str, Any]:
    """Return an approved insight as the wall and the phones' dot-voting show it."""
    return {
        "id": insight["id"],
        "table": insight["table_no"],
        "round": insight["round_no"],
        "text": insight["text"],
    }


def insight_shown(insight: dict[str, Any]) -> bool:
    """Tell whether an insight may be on the wall and voted on: approved, nothing flagged."""
    flags = json.loads(insight["flags_json"])
    return insight["wall"] == "approved" and not moderation_flags(flags)


def shown_insights(db: Database, event_id: int) -> list[dict[str, Any]]:
    """Return the insights everyone may see and vote on: those the facilitator approved."""
    return [public_insight_view(i) for i in event_insights(db, event_id) if insight_shown(i)]
