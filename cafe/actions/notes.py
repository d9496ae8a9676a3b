"""Participants and their notes: join, choose a table, submit, edit, withdraw, approve for the wall."""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import events, queries, rooms
from cafe.actions.common import NoteDraft, Refused, _publish, check_payload, now
from cafe.actions.placement import PLACED_SQL, check_placed, placed_params
from cafe.db import get_writer
from cafe.safety import classify_note, find_personal_details, redact

CONSENTS = ("quote", "paraphrase", "none")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ADJECTIVES = (
    "Amber",
    "Bright",
    "Calm",
    "Coral",
    "Gentle",
    "Golden",
    "Jade",
    "Kind",
    "Quiet",
    "Ruby",
    "Silver",
    "Steady",
    "Sunny",
    "Warm",
    "Wise",
    "Brave",
)
_NOUNS = (
    "Heron",
    "Maple",
    "River",
    "Willow",
    "Robin",
    "Cedar",
    "Lotus",
    "Harbour",
    "Meadow",
    "Lark",
    "Jasmine",
    "Kestrel",
    "Orchard",
    "Pebble",
    "Saffron",
    "Comet",
)


# ---- checks -------------------------------------------------------------------------------------


def check_note_text(text: Any, max_chars: int) -> str:
    """Return note text fit to store, or refuse it with the reason."""
    if not isinstance(text, str):
        raise Refused(_("A note must be text."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise Refused(_("The note is empty."))
    if len(text) > max_chars:
        raise Refused(
            _(
                "The note is %(length)s characters long; the limit is %(limit)s.",
                length=len(text),
                limit=max_chars,
            )
        )
    for char in text:
        category = unicodedata.category(char)
        if char not in "\n\t" and (category == "Cc" or category == "Cs"):
            raise Refused(_("The note contains control characters."))
    return text.strip()


def check_consent(consent: Any) -> str:
    """Return a known quote-consent choice or refuse."""
    if consent not in CONSENTS:
        raise Refused(_("Choose whether your note may be quoted."))
    return consent


def _optional_int(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10_000:
        raise Refused(_("'%(key)s' must be a positive whole number.", key=key))
    return value


def check_submit_note(payload: Any, max_chars: int) -> NoteDraft:
    """Validate a `submit_note` payload."""
    payload = check_payload(payload)
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise Refused(_("The note has no valid client id."))
    return NoteDraft(
        client_id=client_id,
        text=check_note_text(payload.get("text"), max_chars),
        consent=check_consent(payload.get("consent")),
        table_no=_optional_int(payload, "table"),
        round_no=_optional_int(payload, "round"),
    )


def check_note_id(payload: Any) -> int:
    """Return the note id in a payload."""
    note_id = check_payload(payload).get("id")
    if isinstance(note_id, bool) or not isinstance(note_id, int) or note_id <= 0:
        raise Refused(_("Unknown note."))
    return note_id


def check_event_open(event: dict[str, Any]) -> None:
    """Refuse changes to notes once an event has closed."""
    if event["status"] != "open":
        raise Refused(_("This café has closed; notes can no longer be changed."), "closed")


TOKEN_GRACE = timedelta(days=1)


def participation_over(event: dict[str, Any]) -> bool:
    """Tell whether participant passes have expired: a day after closing, or once purged."""
    if event.get("purged_at"):
        return True
    if not event.get("closed_at"):
        return False
    closed = datetime.fromisoformat(event["closed_at"].replace("Z", "+00:00"))
    return datetime.now(UTC) > closed + TOKEN_GRACE


def _note_flags(text: str, event: dict[str, Any]) -> list[str]:
    """Return the safety flags of a note's text (personal details, disclosure)."""
    return list(classify_note(text, names=listed_names(event)).flags)


# ---- views sent to clients ---------------------------------------------------------------------


def own_note_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a note as its writer's phone sees it."""
    return {
        "id": note["id"],
        "client_id": note["client_id"],
        "text": note["text"],
        "consent": note["consent"],
        "status": note["status"],
        "table": note["table_no"],
        "round": note["round_no"],
    }


def listed_names(event: dict[str, Any]) -> tuple[str, ...]:
    """Return the names the event's plan asks to flag and redact."""
    return _names_in_plan(event["plan_json"])


@lru_cache(maxsize=64)
def _names_in_plan(plan_json: str) -> tuple[str, ...]:
    # Parsing the whole plan for every note was a third of the event loop's time at 500 tables.
    return tuple(json.loads(plan_json).get("names", []))


def console_note_view(
    note: dict[str, Any], names: list[str] | tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return a note as the facilitator console sees it (disclosure text held back)."""
    flags = json.loads(note["flags_json"])
    held = "disclosure" in flags
    spans = []
    if not held and any(f.startswith("personal") for f in flags):
        spans = [[s.start, s.end, s.kind] for s in find_personal_details(note["text"], names)]
    return {
        "spans": spans,
        "id": note["id"],
        "table": note["table_no"],
        "round": note["round_no"],
        "text": "" if held or note["status"] == "withdrawn" else note["text"],
        "held": held,
        "consent": note["consent"],
        "status": note["status"],
        "wall": note["wall"],
        "flags": flags,
        "pseudonym": note.get("pseudonym"),
        "created_at": note["created_at"],
    }


def wall_note_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a note as the projector wall shows it."""
    return {
        "id": note["id"],
        "table": note["table_no"],
        "round": note["round_no"],
        "text": note["text"],
    }


def safeguarding_view(note: dict[str, Any]) -> dict[str, Any]:
    """Return a held note as the safeguarding lead sees it (the only screen that shows its text)."""
    return {
        **wall_note_view(note),
        "status": note["status"],
        "sg_status": note["sg_status"],
        "pseudonym": note.get("pseudonym"),
        "created_at": note["created_at"],
        "updated_at": note["updated_at"],
        "sg_updated_by": note["sg_updated_by"],
        "sg_updated_at": note["sg_updated_at"],
    }


def _publish_to_safeguarding(event: dict[str, Any], note: dict[str, Any]) -> None:
    if note["sg_status"] is not None:
        _publish(
            events.SafeguardingItemChanged(safeguarding_view(note)), rooms.safeguarding(event["id"])
        )
        from cafe.live.safeguarding import whereabouts_changed  # where this writer is now

        whereabouts_changed(event["id"])


def _shows_on_wall(note: dict[str, Any]) -> bool:
    return note["wall"] == "approved" and note["status"] == "saved"


def _broadcast_note(
    event: dict[str, Any], before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    """Tell consoles, walls and the writer's other phones about a changed note."""
    _publish(
        events.NoteChanged(console_note_view(after, listed_names(event))),
        rooms.console(event["id"]),
    )
    if _shows_on_wall(after):
        _publish(events.WallNoteShown(wall_note_view(after)), rooms.wall(event["id"]))
    elif before is not None and _shows_on_wall(before):
        _publish(events.WallNoteRemoved(after["id"]), rooms.wall(event["id"]))
    _publish_to_safeguarding(event, after)
    if _shows_on_wall(after) or (before is not None and _shows_on_wall(before)):
        from cafe.actions.rotation import refresh_cloud, refresh_host  # built on these notes

        refresh_cloud(event)  # in the harvest the wall's word cloud follows the wall
        refresh_host(event, after["table_no"])  # the host's recap follows the wall (and consent)
    if after["participant_id"]:
        _publish(
            events.OwnNoteChanged(own_note_view(after)),
            rooms.participant(event["id"], after["participant_id"]),
        )


# ---- participants and notes --------------------------------------------------------------------


def do_join_event(event: dict[str, Any], table_no: int | None = None) -> tuple[dict[str, Any], str]:
    """Create an anonymous participant; return it and its secret token (shown once, to the phone)."""
    if event.get("purged_at"):
        raise Refused(_("This café has ended and its notes have been deleted."), "purged")
    check_event_open(event)
    token = secrets.token_urlsafe(32)
    pseudonym = (
        f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_NOUNS)} {secrets.randbelow(90) + 10}"
    )

    def insert(db: Database) -> dict[str, Any]:
        if table_no is not None and not _table_exists(db, event["id"], table_no):
            raise Refused(_("There is no such table."))
        cursor = db.execute(
            "INSERT INTO participants (event_id, token_hash, pseudonym, table_no, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [event["id"], queries.token_hash(token), pseudonym, table_no, now()],
        )
        return queries.participant(db, cursor.lastrowid)

    participant = get_writer().write(insert)
    _publish_people(event)
    return participant, token


def do_end_pass(event: dict[str, Any], token: str) -> int | None:
    """End a phone's pass ("Exit this page"): its token no longer opens the café, so nobody who
    picks the phone up can read its notes. The notes stay saved. Return the participant's id."""

    def end(db: Database) -> int | None:
        participant = queries.participant_by_token(db, event["id"], token)
        if participant is None:
            return None
        db.execute(
            "UPDATE participants SET token_hash = ? WHERE id = ?",
            [queries.token_hash(secrets.token_urlsafe(32)), participant["id"]],
        )
        return participant["id"]

    return get_writer().write(end)


def _publish_people(event: dict[str, Any]) -> None:
    """Keep the console's rotation panel (who is here, and where) up to date."""
    from cafe.actions.rotation import publish_rotation_soon  # rotation builds on these notes

    publish_rotation_soon(event)


def _table_exists(db: Database, event_id: int, table_no: int) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM tables WHERE event_id = ? AND number = ?", [event_id, table_no]
        ).fetchone()
        is not None
    )


def do_choose_table(event: dict[str, Any], participant: dict[str, Any], table_no: Any) -> int:
    """Seat a participant at a table (during the move break, also in the next round's plan)."""
    check_event_open(event)
    if isinstance(table_no, bool) or not isinstance(table_no, int):
        raise Refused(_("Choose a table."))

    def update(db: Database) -> tuple[int | None, dict[int, int]]:
        if not _table_exists(db, event["id"], table_no):
            raise Refused(_("There is no such table."))
        gone = db.execute(
            "SELECT left_at FROM participants WHERE id = ?", [participant["id"]]
        ).fetchone()
        if gone and gone[0]:
            raise Refused(_("You have left the café. Choose “I'm back” first."), "left")
        db.execute(
            "UPDATE participants SET table_no = ? WHERE id = ?", [table_no, participant["id"]]
        )
        from cafe.actions.rotation import keep_own_choice  # rotation builds on these notes

        return keep_own_choice(db, event, participant["id"], table_no)

    upcoming, moves = get_writer().write(update)
    _publish(events.TableChanged(table_no), rooms.participant(event["id"], participant["id"]))
    _publish_people(event)
    if upcoming is not None:  # their own choice is their seat in the next round's plan
        from cafe.actions.rotation import tell_moves

        tell_moves(event, upcoming, moves)
    return table_no


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
         json.dumps(flags), stamp, stamp, "new" if "disclosure" in flags else None],
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
        auto_wall = not event["wall_requires_approval"] and not flags
        note = _insert_note_row(
            db, event["id"], draft.client_id, participant["id"], table_no, round_no, draft.text,
            draft.consent, "approved" if auto_wall else "pending", flags,
        )
        return note, True

    note, created = get_writer().write(insert)
    if created:
        view = console_note_view(
            {**note, "pseudonym": participant["pseudonym"]}, listed_names(event)
        )
        _publish(events.NoteAdded(view), rooms.console(event["id"]))
        if _shows_on_wall(note):
            _publish(events.WallNoteShown(wall_note_view(note)), rooms.wall(event["id"]))
        _publish_to_safeguarding(event, {**note, "pseudonym": participant["pseudonym"]})
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
    flags = _note_flags(text, event)

    def update(db: Database) -> tuple[dict, dict]:
        before = _own_note(db, event, participant, note_id)
        if before["status"] != "saved":
            raise Refused(_("That note was withdrawn."))
        wall = before["wall"]
        if before["text"] != text:
            wall = "approved" if not event["wall_requires_approval"] and not flags else "pending"
        db.execute(
            "UPDATE notes SET text = ?, consent = ?, flags_json = ?, wall = ?, updated_at = ?, "
            "sg_status = CASE WHEN ? THEN COALESCE(sg_status, 'new') ELSE sg_status END "
            "WHERE id = ?",
            [text, consent, json.dumps(flags), wall, now(), "disclosure" in flags, note_id],
        )
        return before, queries.note(db, note_id)

    before, after = get_writer().write(update)
    _broadcast_note(event, before, {**after, "pseudonym": participant["pseudonym"]})
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
    _broadcast_note(event, before, {**after, "pseudonym": participant["pseudonym"]})
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
            if "disclosure" in flags:
                raise Refused("This note is held for the safeguarding lead and cannot be shown.")
            if any(flag.startswith("personal") for flag in flags):
                raise Refused("This note contains personal details; it cannot go on the wall.")
        db.execute(
            "UPDATE notes SET wall = ?, updated_at = ? WHERE id = ?", [state, now(), note_id]
        )
        after = queries.note_with_pseudonym(db, note_id)
        return before, after

    before, after = get_writer().write(update)
    _broadcast_note(event, before, after)
    return after


def do_redact_note(event: dict[str, Any], note_id: int) -> dict[str, Any]:
    """Replace the personal details in a note with placeholders; it may then go on the wall."""

    def update(db: Database) -> tuple[dict, dict]:
        before = queries.note(db, note_id)
        if before is None or before["event_id"] != event["id"] or before["status"] != "saved":
            raise Refused(_("Unknown note."))
        names = listed_names(event)
        text = redact(before["text"], names)
        flags = [f for f in json.loads(before["flags_json"]) if not f.startswith("personal")]
        flags += list(classify_note(text, names=names).flags)
        db.execute(
            "UPDATE notes SET text = ?, flags_json = ?, updated_at = ? WHERE id = ?",
            [text, json.dumps(sorted(set(flags))), now(), note_id],
        )
        after = queries.note_with_pseudonym(db, note_id)
        return before, after

    before, after = get_writer().write(update)
    _broadcast_note(event, before, after)
    return after
