"""Strings the browser scripts show, translated on the server and handed over as JSON data."""

from __future__ import annotations

from flask_babel import gettext as _


def clock_strings() -> dict[str, str]:
    """Return the countdown's words (every screen has a countdown)."""
    return {
        "lobby": _("Starting soon"),
        "paused": _("Paused"),
        "ended": _("Time to move"),
        "harvest": _("Harvest"),
        "closed": _("Closed"),
        "left": _("%(time)s left", time="{time}"),
        "paused_left": _("Paused · %(time)s left", time="{time}"),
        "two_minutes": _("Two minutes left in this round."),
        "time_up": _("Time is up for this round."),
        "minutes_left": _("%(minutes)s minutes left.", minutes="{minutes}"),
        "one_minute_left": _("One minute left."),
    }


def phone_strings() -> dict[str, str]:
    """Return every word the phone's script may show."""
    return {
        **clock_strings(),
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "offline": _(
            "Offline – your notes are kept on this phone and sent when the connection returns."
        ),
        "unreachable": _("Can't reach the café right now – your notes are kept on this phone."),
        "no_network": _("No connection. Check your Wi-Fi and try again."),
        "could_not_join": _("Could not join."),
        "not_connected": _("Not connected yet – try again in a moment."),
        "no_answer": _("No answer – try again."),
        "table": _("Table %(number)s", number="{number}"),
        "table_named": _("Table %(number)s · %(name)s", number="{number}", name="{name}"),
        "round_of": _("Round %(number)s of %(count)s", number="{number}", count="{count}"),
        "content_warning": _("Content warning: %(warning)s", warning="{warning}"),
        "characters": _("%(count)s of %(limit)s characters", count="{count}", limit="{limit}"),
        "empty": _("Write something first, or pass – that's fine too."),
        "too_long": _(
            "This note is too long (%(count)s of %(limit)s characters). Split it into two.",
            count="{count}",
            limit="{limit}",
        ),
        "not_kept": _("This phone could not keep the note. Please try again."),
        "consent_quote": _("May be quoted"),
        "consent_paraphrase": _("Paraphrase only"),
        "consent_none": _("Do not quote"),
        "withdrawn_text": _("Withdrawn – the text has been deleted."),
        "not_sent": _("Not sent: %(reason)s", reason="{reason}"),
        "waiting": _("Waiting – kept on this phone"),
        "withdrawn": _("Withdrawn"),
        "saved": _("Saved"),
        "edit": _("Edit"),
        "withdraw": _("Withdraw"),
        "discard": _("Discard"),
        "edit_label": _("Edit your note"),
        "may_quote": _("May we quote this note?"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "offline_retry": _("You are offline. Try again when connected."),
        "confirm_withdraw": _(
            "Withdraw this note? Its text will be deleted and it will not be used."
        ),
            **rotation_strings(),
    }


def rotation_strings() -> dict[str, str]:
    """Return the phone's words for moving tables, hosting and dot-voting."""
    return {
        "move_to": _("Move to table %(number)s", number="{number}"),
        "stay_at": _("Stay at table %(number)s", number="{number}"),
        "move_text": _("When the next round starts, please go to this table. Its card shows its name."),
        "stay_text": _("Please stay at this table for the next round."),
        "host_stay_text": _("You host this table: please stay and welcome the people who arrive."),
        "move_confirm": _("I'm at table %(number)s", number="{number}"),
        "move_say": _(
            "Next round: move to table %(number)s, %(name)s.", number="{number}", name="{name}"
        ),
        "stay_say": _("Next round: stay at table %(number)s.", number="{number}"),
        "host_of": _("You host table %(number)s · %(name)s", number="{number}", name="{name}"),
        "recap_round": _("Round %(number)s", number="{number}"),
        "insight_empty": _("Write the insight first."),
        "insights_full": _("Your table has shared its key insights for this round. Thank you!"),
        "dots_left": _("You have %(left)s of %(dots)s dots left.", left="{left}", dots="{dots}"),
        "dots_on": _("Dots: %(count)s", count="{count}"),
        "add_dot": _("Add a dot"),
        "remove_dot": _("Take a dot back"),
        "from_table": _("From table %(number)s", number="{number}"),
    }


def wall_strings() -> dict[str, str]:
    """Return the wall's words (the countdown's and the harvest's)."""
    return {
        **clock_strings(),
        "cloud_note": _("Only words that at least %(k)s people used.", k="{k}"),
        "used_by": _("used by %(count)s people", count="{count}"),
        "dots": _("Dots: %(count)s", count="{count}"),
        "from_table": _("From table %(number)s", number="{number}"),
    }
