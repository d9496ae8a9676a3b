"""Which notes are held for the safeguarding lead: one answer for every screen, export and run.

A note (or a host's insight) is held when the detector thinks it is a disclosure (`disclosure`)
or when someone sent it to the lead by hand (`sent_to_lead`). A held note is off the wall and the
host's recap, out of synthesis, labels, clouds and every export, and in the lead's queue. The lead
can return it to normal moderation: the held flags go and `returned_by_lead` stays, so a pass of
the detector over the same words does not hold it again (an edit screens the new words afresh).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

DETECTED = "disclosure"
SENT_TO_LEAD = "sent_to_lead"
RETURNED_BY_LEAD = "returned_by_lead"
HELD_FLAGS = (DETECTED, SENT_TO_LEAD)


def is_held(flags: Iterable[str] | str | None) -> bool:
    """Say whether flags (a list, or the stored JSON text) hold a note for the safeguarding lead."""
    if flags is None:
        return False
    if isinstance(flags, str):
        flags = json.loads(flags or "[]")
    return any(flag in HELD_FLAGS for flag in flags)


def rescreened(stored: Iterable[str], detected: Iterable[str]) -> list[str]:
    """Return a note's flags after the detector looked at its unchanged words again: a note the
    lead returned is not held again for the same words; a note sent by hand stays held."""
    stored = list(stored)
    flags = set(detected)
    if RETURNED_BY_LEAD in stored:
        flags.discard(DETECTED)
        flags.add(RETURNED_BY_LEAD)
    if SENT_TO_LEAD in stored:
        flags.add(SENT_TO_LEAD)
    return sorted(flags)


def sent_to_lead(flags: Iterable[str]) -> list[str]:
    """Return flags with the note sent to the lead by hand (a former return forgotten)."""
    return sorted({f for f in flags if f != RETURNED_BY_LEAD} | {SENT_TO_LEAD})


def returned(flags: Iterable[str]) -> list[str]:
    """Return flags with the note given back to normal moderation by the lead."""
    return sorted({f for f in flags if f not in HELD_FLAGS} | {RETURNED_BY_LEAD})


def edited(stored: Iterable[str], detected: Iterable[str]) -> list[str]:
    """Return a note's flags after its writer changed its words: the detector's verdict on the new
    words, and still held if it was sent to the lead by hand (a lead's return is forgotten)."""
    flags = set(detected)
    if SENT_TO_LEAD in stored:
        flags.add(SENT_TO_LEAD)
    return sorted(flags)


def moderation_flags(flags: Iterable[str]) -> list[str]:
    """Return the flags that stop a note or insight going on the wall (a return does not)."""
    return [f for f in flags if f != RETURNED_BY_LEAD]
