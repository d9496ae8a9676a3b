"""Every state change: `check_*` validates (raising Refused), `do_*` writes, commits, then broadcasts.

Split by concern; import from here.
"""

from cafe.actions.accounts import (
    ROLES,
    check_new_user,
    do_create_user,
    do_disable_user,
    do_enable_user,
    do_end_session,
    do_set_password,
    do_start_session,
    new_password,
)
from cafe.actions.clock import (
    check_round_action,
    clock_view,
    do_change_round,
    do_hold,
    do_send_message,
    round_view,
    server_time,
)
from cafe.actions.common import NoteDraft, Refused, check_payload, now
from cafe.actions.note_checks import (
    CLIENT_ID_RE,
    CONSENTS,
    check_consent,
    check_event_open,
    check_note_id,
    check_note_text,
    check_submit_note,
    participation_over,
)
from cafe.actions.note_views import (
    console_note_view,
    own_note_view,
    safeguarding_view,
    wall_note_view,
)
from cafe.actions.notes import (
    do_edit_note,
    do_redact_note,
    do_set_wall,
    do_submit_note,
    do_withdraw_note,
)
from cafe.actions.participants import do_choose_table, do_end_pass, do_join_event
from cafe.actions.retention import do_backup, do_purge_event, do_purge_expired, expired_events
from cafe.actions.safeguarding import SG_STATUSES, do_set_safeguarding_status
from cafe.actions.setup import do_create_event, new_code

__all__ = [
    "check_round_action",
    "clock_view",
    "do_change_round",
    "do_hold",
    "do_send_message",
    "round_view",
    "server_time",
    "do_redact_note",
    "participation_over",
    "do_disable_user",
    "do_enable_user",
    "do_set_password",
    "do_backup",
    "do_purge_event",
    "do_purge_expired",
    "expired_events",
    "SG_STATUSES",
    "do_set_safeguarding_status",
    "safeguarding_view",
    "CLIENT_ID_RE",
    "CONSENTS",
    "ROLES",
    "NoteDraft",
    "Refused",
    "check_consent",
    "check_event_open",
    "check_new_user",
    "new_password",
    "check_note_id",
    "check_note_text",
    "check_payload",
    "check_submit_note",
    "console_note_view",
    "do_choose_table",
    "do_create_event",
    "do_create_user",
    "do_edit_note",
    "do_end_pass",
    "do_end_session",
    "do_join_event",
    "do_set_wall",
    "do_start_session",
    "do_submit_note",
    "do_withdraw_note",
    "new_code",
    "now",
    "own_note_view",
    "wall_note_view",
]
