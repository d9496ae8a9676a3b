"""Notes: submit, edit, withdraw, approve for the wall, remove personal details; tell every screen."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import NoteDraft, Refused, now
from cafe.actions.harvest_cloud import refresh_cloud
from cafe.actions.host_briefing import refresh_host
from cafe.actions.note_checks import check_event_open
from cafe.actions.note_views import console_note_view, listed_names, own_note_view, wall_note_view
from cafe.actions.placement import PLACED_SQL, check_placed, placed_params
from cafe.actions.safeguarding import publish_to_safeguarding
from cafe.broadcast import publish
from cafe.db import get_writer
from cafe.held import edited, is_held, rescreened
from cafe.safety import classify_note, redact


def _note_flags(text: str, event: dict[str, Any]) -> list[str]:
    """Return the safety flags of a note's text (personal details, disclosure)."""
    return list(classify_note(text, names=listed_names(event)).flags)


def _shows_on_wall(note: dict[str, Any]) -> bool:
    # Only a note its writer let be quoted is shown word for word ("paraphrase only" notes that
    # were approved go to the host's recap, not the wall).
    return note["wall"] == "approved" and note["status"] == "saved" and note["consent"] == "quote"


def _approved(note: dict[str, Any]) -> bool:
    # Approved notes make the harvest's cloud and (quote or paraphrase) the host's recap.
    return note["wall"] == "approved" and note["status"] == "saved"


def _auto_wall(event: dict[str, Any], flags: list[str], consent: str) -> str:
    """Return where a new or re-written note starts: approved at once when the event needs no
    approval, nothing is flagged and its writer allowed at least a paraphrase."""
    shown = not event["wall_requires_approval"] and not flags and consent != "none"
    return "approved" if shown else "pending"


def broadcast_note(
    event: dict[str, Any], before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """Tell consoles, walls and the writer's other phones about a changed note."""
    publish(
        events.NoteChanged(console_note_view(after, listed_names(event))),
        rooms.console(event["id"]),
    )
    if _shows_on_wall(after):
        publish(events.WallNoteShown(wall_note_view(after)), rooms.wall(event["id"]))
    elif before is not None and _shows_on_wall(before):
        publish(events.WallNoteRemoved(after["id"]), rooms.wall(event["id"]))
    publish_to_safeguarding(event, after)
    if _approved(after) or (before is not None and _approved(before)):
        refresh_cloud(event)  # in the harvest the wall's word cloud follows the wall
        refresh_host(event, after["table_no"])  # the host's recap follows the wall (and consent)
    if after["participant_id"]:
        publish(
            events.OwnNoteChanged(own_note_view(after)),
            rooms.participant(event["id"], after["participant_id"]),
        )


def insert_note(
    db: Database, event_id: int, client_id: str, participant_id: int, table_no: int,
    round_no: int, text: str, consent: str, wall: str, flags: list[str],
) -> int:
    """Insert a note inside the caller's write; a disclosure enters the safeguarding queue."""
    return _insert_note_row(
        db, event_id, client_id, participant_id, table_no, round_no, text, consent, wall, flags
    )["id"]


_RETURNED = queries.NOTE_COLUMNS.replace("n.", "")


def _insert_note_row(
    db: Database, event_id: int, client_id: str, participant_id: int, table_no: int,
    round_no: int, text: str, consent: str, wall: str, flags: list[str],
) -> dict[str, Any]:
    """Insert a note and return its stored row (as `queries.note` reads it) in one statement."""
    stamp = now()
    cursor = db.execute(
        "INSERT INTO notes (event_id, client_id, participant_id, table_no, round_no, text, "
        "consent, wall, flags_json, created_at, updated_at, sg_status) "
        f"VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING {_RETURNED}",
        [event_id, client_id, participant_id, table_no, round_no, text, consent, wall,
         json.dumps(flags), stamp, stamp, "new" if is_held(flags) else None],
    )
    return dict(cursor.fetchone())


# One statement for a new note's checks (the writer thread takes the GIL back after every
# statement, and each one it took made the event loop wait): is the client id already used,
# which table (the one sent, or where the participant sits), does it exist, does the round exist.
_NOTE_CHECKS = (
    "WITH t(no) AS (SELECT COALESCE(?, (SELECT table_no FROM participants WHERE id = ?))) "
    "SELECT (SELECT id FROM notes WHERE event_id = ? AND client_id = ?), t.no, "
    "EXISTS (SELECT 1 FROM tables WHERE event_id = ? AND number = t.no), "
    "EXISTS (SELECT 1 FROM rounds WHERE event_id = ? AND number = ?), "
    f"{PLACED_SQL} FROM t"  # issue 19: the server decides the table and round
)


def do_submit_note(
    event: dict[str, Any], participant: dict[str, Any], draft: NoteDraft
) -> tuple[dict[str, Any], bool]:
    """Store a note once (a resend returns the stored one); return it and whether it is new."""
    check_event_open(event)
    flags = _note_flags(draft.text, event)
    round_no = draft.round_no or event["current_round"]

    def insert(db: Database) -> tuple[dict[str, Any], bool]:
        existing_id, table_no, table_ok, round_ok, placed = db.execute(
            _NOTE_CHECKS,
            [draft.table_no or None, participant["id"], event["id"], draft.client_id,
             event["id"], event["id"], round_no,
             *placed_params(event, participant["id"], round_no)],
        ).fetchone()
        if existing_id is not None:
            existing = queries.note(db, existing_id)
            if existing["participant_id"] != participant["id"]:
                raise Refused(_("That note id belongs to someone else."))
            return existing, False
        if table_no is None:
            raise Refused(_("Choose your table first."), "no_table")
        if not table_ok:
            raise Refused(_("There is no such table."))
        if not round_ok:
            raise Refused(_("There is no such round."))
        check_placed(event, round_no, placed)
        note = _insert_note_row(
            db, event["id"], draft.client_id, participant["id"], table_no, round_no, draft.text,
            draft.consent, _auto_wall(event, flags, draft.consent), flags,
        )
        return note, True

    note, created = get_writer().write(insert)
    if created:
        view = console_note_view(
            {**note, "pseudonym": participant["pseudonym"]}, listed_names(event)
        )
        publish(events.NoteAdded(view), rooms.console(event["id"]))
        if _shows_on_wall(note):
            publish(events.WallNoteShown(wall_note_view(note)), rooms.wall(event["id"]))
        publish_to_safeguarding(event, {**note, "pseudonym": participant["pseudonym"]})
    return note, created


def _own_note(
    db: Database, event: dict[str, Any], participant: dict[str, Any], note_id: int
) -> dict:
    note = queries.note(db, note_id)
    if (
        note is None
        or note["event_id"] != event["id"]
        or note["participant_id"] != participant["id"]
    ):
        raise Refused(_("Unknown note."))
    return note


def do_edit_note(
    event: dict[str, Any], participant: dict[str, Any], note_id: int, text: str, consent: str
) -> dict[str, Any]:
    """Change the text or consent of one's own note; an edited note needs approval again."""
    check_event_open(event)
    detected = _note_flags(text, event)

    def update(db: Database) -> tuple[dict, dict]:
        before = _own_note(db, event, participant, note_id)
        if before["status"] != "saved":
            raise Refused(_("That note was withdrawn."))
        stored = json.loads(before["flags_json"])
        if before["text"] != text:
            flags = edited(stored, detected)  # new words are screened afresh
        else:
            flags = rescreened(stored, detected)
        wall = before["wall"]
        if before["text"] != text:
            wall = _auto_wall(event, flags, consent)
        elif consent == "none" and wall == "approved":
            wall = "pending"  # "don't quote or paraphrase" never stays on the wall or the recap
        if is_held(flags):
            wall = "hidden" if wall == "approved" else wall
        db.execute(
            "UPDATE notes SET text = ?, consent = ?, flags_json = ?, wall = ?, updated_at = ?, "
            "sg_status = CASE WHEN ? THEN COALESCE(sg_status, 'new') ELSE sg_status END "
            "WHERE id = ?",
            [text, consent, json.dumps(flags), wall, now(), is_held(flags), note_id],
        )
        return before, queries.note(db, note_id)

    before, after = get_writer().write(update)
    broadcast_note(event, before, {**after, "pseudonym": participant["pseudonym"]})
    return after


def do_withdraw_note(
    event: dict[str, Any], participant: dict[str, Any], note_id: int
) -> dict[str, Any]:
    """Withdraw one's own note: its text is erased at once and it leaves every screen."""
    check_event_open(event)

    def update(db: Database) -> tuple[dict, dict]:
        before = _own_note(db, event, participant, note_id)
        db.execute(
            "UPDATE notes SET status = 'withdrawn', text = '', wall = 'hidden', flags_json = '[]', "
            "updated_at = ? WHERE id = ?",
            [now(), note_id],
        )
        return before, queries.note(db, note_id)

    before, after = get_writer().write(update)
    broadcast_note(event, before, {**after, "pseudonym": participant["pseudonym"]})
    return after


def do_set_wall(event: dict[str, Any], note_id: int, state: str) -> dict[str, Any]:
    """Approve a note for the wall or hide it from the wall."""
    if state not in ("approved", "hidden"):
        raise Refused("Unknown wall state.")

    def update(db: Database) -> tuple[dict, dict]:
        before = queries.note(db, note_id)
        if before is None or before["event_id"] != event["id"]:
            raise Refused(_("Unknown note."))
        if state == "approved":
            if before["status"] != "saved":
                raise Refused(_("That note was withdrawn."))
            flags = json.loads(before["flags_json"])
            if is_held(flags):
                raise Refused(
                    _("This note is held for the safeguarding lead and cannot be shown."), "held"
                )
            if any(flag.startswith("personal") for flag in flags):
                raise Refused(
                    _("This note contains personal details; it cannot go on the wall."), "personal"
                )
            if before["consent"] == "none":
                raise Refused(
                    _(
                        "The writer asked not to be quoted or paraphrased: this note stays off "
                        "the wall and out of the host's recap."
                    ),
                    "consent",
                )
        db.execute(
            "UPDATE notes SET wall = ?, updated_at = ? WHERE id = ?", [state, now(), note_id]
        )
        after = queries.note_with_pseudonym(db, note_id)
        return before, after

    before, after = get_writer().write(update)
    broadcast_note(event, before, after)
    return after


def do_redact_note(event: dict[str, Any], note_id: int) -> dict[str, Any]:
    """Replace the personal details in a note with placeholders; it may then go on the wall."""

    def update(db: Database) -> tuple[dict, dict]:
        before = queries.note(db, note_id)
        if before is None or before["event_id"] != event["id"] or before["status"] != "saved":
            raise Refused(_("Unknown note."))
        names = listed_names(event)
        text = redact(before["text"], names)
        stored = json.loads(before["flags_json"])
        flags = [f for f in stored if not f.startswith("personal")]
        flags += list(classify_note(text, names=names).flags)
        flags = rescreened(stored, flags)
        db.execute(
            "UPDATE notes SET text = ?, flags_json = ?, updated_at = ?, "
            "sg_status = CASE WHEN ? THEN COALESCE(sg_status, 'new') ELSE sg_status END "
            "WHERE id = ?",
            [text, json.dumps(flags), now(), is_held(flags), note_id],
        )
        after = queries.note_with_pseudonym(db, note_id)
        return before, after

    before, after = get_writer().write(update)
    broadcast_note(event, before, after)
    return after
