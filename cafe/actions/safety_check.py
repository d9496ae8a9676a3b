"""The safeguarding check before anything leaves the laptop (issue 18): before a briefing or a data
export is made, staff see the notes in it that the detector flags now and those it could not
screen, and send each to the safeguarding lead, exclude it, or keep it.

The detector improves after an event, so the stored text is screened again here
(`cafe.safety.classify_note`); a note the lead returned is not flagged again for the same words.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from cafe.actions.lead import do_send_note_to_lead
from cafe.actions.note_views import listed_names
from cafe.actions.synthesis.edits import do_set_excluded
from cafe.held import DETECTED, is_held, rescreened
from cafe.safety import classify_note

UNSCREENED = "unscreened"  # a note in a language the detector cannot read (set when it was written)

# The detector's verdict by (text, listed names): the briefing pages ask on every view, and screening
# 2,000 notes took about 2-4 s; unchanged words are not screened twice by this process (a restart,
# as after a rules update, screens everything again).
_VERDICTS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
MAX_VERDICTS = 50_000


def _flags_now(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    key = (text, names)
    found = _VERDICTS.get(key)
    if found is None:
        if len(_VERDICTS) >= MAX_VERDICTS:
            _VERDICTS.clear()
        found = _VERDICTS[key] = tuple(classify_note(text, names=names).flags)
    return found


def export_check(db: Database, event: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the notes a briefing or export could use that the detector flags now as a possible
    disclosure, or that it could not screen: `{id, text, table, round, consent, reasons}`.
    Notes held for the lead, withdrawn or excluded by staff are not in any export, so not here."""
    excluded = {
        row[0]
        for row in db.execute(
            "SELECT note_id FROM note_overrides WHERE event_id = ? AND excluded = 1", [event["id"]]
        ).fetchall()
    }
    names = listed_names(event)
    found = []
    for row in db.execute(
        "SELECT id, text, table_no, round_no, consent, flags_json FROM notes "
        "WHERE event_id = ? AND status = 'saved' AND text != '' ORDER BY id",
        [event["id"]],
    ).fetchall():
        note_id, text, table_no, round_no, consent, flags_json = row
        stored = json.loads(flags_json)
        if is_held(stored) or note_id in excluded:
            continue
        now = rescreened(stored, _flags_now(text, tuple(names)))
        reasons = [reason for reason in (DETECTED, UNSCREENED) if reason in now or reason in stored]
        if reasons:
            found.append({
                "id": note_id, "text": text, "table": table_no, "round": round_no,
                "consent": consent, "reasons": reasons,
            })
    return found


def do_send_checked_note(event: dict[str, Any], note_id: int, username: str) -> dict[str, Any]:
    """Send a note the check found to the safeguarding lead (held everywhere from now on)."""
    note, _sent = do_send_note_to_lead(event, note_id, username)
    return note


def do_exclude_checked_note(event: dict[str, Any], note_id: int, username: str) -> dict[str, Any]:
    """Exclude a note the check found from every theme, count, briefing and export (audited)."""
    return do_set_excluded(event, username, note_id, True)
