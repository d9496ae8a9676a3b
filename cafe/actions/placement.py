"""Where a note belongs: the server decides its table and round from the seat and the clock."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused

# One more column of the new-note checks (cafe/actions/notes.py, `_NOTE_CHECKS`, whose CTE `t`
# holds the table the note claims or, claiming none, the writer's seat): is that table and round
# somewhere the writer was? Either the round running now (or just ended, in the break) at the
# table they sit at now, or an earlier round at the table they sat at when it ended (a note
# written offline and sent late keeps where it was written). Parameters: see `placed_params`.
PLACED_SQL = (
    "((? = ?) AND t.no IS (SELECT table_no FROM participants WHERE id = ?)) "
    "OR EXISTS (SELECT 1 FROM seats WHERE event_id = ? AND participant_id = ? "
    "AND round_no = ? AND table_no = t.no AND planned = 0)"
)


def placed_params(event: dict[str, Any], participant_id: int, round_no: int) -> list[Any]:
    """Return the parameters of PLACED_SQL, in order."""
    return [round_no, event["current_round"], participant_id, event["id"], participant_id,
            round_no]


def check_placed(event: dict[str, Any], round_no: int, placed: Any) -> None:
    """Refuse a note that claims a table or round its writer was not at (a forged provenance)."""
    if round_no > event["current_round"]:
        raise Refused(_("That round has not started yet."), "placement")
    if not placed:
        raise Refused(
            _("A note belongs to the table you sat at, in the round you wrote it."), "placement"
        )


def record_seat(db: Database, event_id: int, round_no: int, participant_id: int,
                table_no: int) -> None:
    """Record where someone sat in a round before they stopped sitting anywhere (they left):
    a note from that table and round, sent late from their outbox, is still theirs to send."""
    db.execute(
        "INSERT INTO seats (event_id, round_no, participant_id, table_no, planned) "
        "VALUES (?, ?, ?, ?, 0) ON CONFLICT (event_id, round_no, participant_id) "
        "DO UPDATE SET table_no = excluded.table_no, planned = 0",
        [event_id, round_no, participant_id, table_no],
    )
