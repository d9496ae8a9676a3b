"""A host's briefing: the table's host link, its earlier notes (the recap), this round's insights.

Hosts stay at their table and are briefed again whenever what they may read out changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.insight_views import MAX_INSIGHTS, event_insights, insight_view
from cafe.actions.note_views import listed_names
from cafe.actions.seats import table_names
from cafe.broadcast import publish
from cafe.db import reading
from cafe.held import is_held
from cafe.safety import redact

RECAP_LIMIT = 60


def host_key(event: dict[str, Any], table_no: int) -> str:
    """Return the secret in a table's host link (keyed with the event's own host secret, not
    the wall token: seeing the wall's address must not let anyone host a table)."""
    message = f"host:{event['id']}:{table_no}".encode()
    return hmac.new(event["host_token"].encode(), message, hashlib.sha256).hexdigest()[:20]


# What a host may read out: only notes that could be on the wall (approved, or shown without
# approval when the event allows it; never hidden, withdrawn, flagged or a disclosure) whose
# writer let them be quoted or paraphrased. The host is just another participant: a note whose
# writer said "don't quote or paraphrase it" stays with the organisers.
RECAP_CONSENTS = ("quote", "paraphrase")


def recap(db: Database, event: dict[str, Any], table_no: int) -> list[dict[str, Any]]:
    """Return a table's earlier notes for its host, newest round first: only notes on the wall
    that may be quoted or paraphrased (redacted; never flagged, hidden, withdrawn or held)."""
    names = listed_names(event)
    rows = db.query(
        "SELECT id, round_no, text, consent, flags_json FROM notes WHERE event_id = ? "
        "AND table_no = ? AND status = 'saved' AND wall = 'approved' AND text != '' "
        "AND consent IN (?, ?) ORDER BY round_no DESC, id DESC",
        [event["id"], table_no, *RECAP_CONSENTS],
    )
    out = []
    for row in rows:
        flags = json.loads(row["flags_json"])
        if is_held(flags) or any(f.startswith("personal") for f in flags):
            continue  # approval refuses these; kept out here too should a flag come later
        if row["round_no"] > event["current_round"]:  # e.g. the demo's notes of rounds to come
            continue
        out.append(
            {
                "id": row["id"],
                "round": row["round_no"],
                "text": redact(row["text"], names),
                "consent": row["consent"],
            }
        )
        if len(out) >= RECAP_LIMIT:
            break
    return out


def host_view(db: Database, event: dict[str, Any], person: dict[str, Any]) -> dict | None:
    """Return a host's briefing: their table, its earlier notes, this round's insights so far."""
    table = person["host_table"]
    if table is None:
        return None
    names = table_names(db, event["id"])
    mine = [
        insight_view(i)
        for i in event_insights(db, event["id"])
        if i["table_no"] == table and i["round_no"] == event["current_round"]
    ]
    return {
        "table": table,
        "name": names.get(table, ""),
        "round": event["current_round"],
        "recap": recap(db, event, table),
        "insights": mine,
        "max_insights": MAX_INSIGHTS,
        "label": person.get("host_label") or "",  # the words the facilitator finds them by
        "pseudonym": person["pseudonym"],  # the name the console shows them by
    }


def refresh_host(event: dict[str, Any], table_no: int) -> None:
    """Brief a table's host again after one of its notes went on or came off the wall, so the
    recap never keeps a note the facilitator has since hidden (or the writer withdrew)."""
    with reading() as db:
        row = db.execute(
            "SELECT id FROM participants WHERE event_id = ? AND host_table = ? "
            "AND left_at IS NULL",
            [event["id"], table_no],
        ).fetchone()
        if row is None:
            return
        fresh = queries.event_by_slug(db, event["slug"])
        view = host_view(db, fresh, queries.participant(db, row[0]))
    publish(events.HostBriefed(view), rooms.participant(event["id"], row[0]))
