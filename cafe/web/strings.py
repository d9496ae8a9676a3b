"""Strings the browser scripts show, translated on the server and handed over as JSON data."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from cafe.events import DEFAULT_HOLD_MESSAGE
from cafe.web.loop_strings import console_loop_strings, lead_loop_strings, phone_loop_strings


def plural_forms(make: Callable[[int], str]) -> dict[str, str]:
    """Return a plural message's text for each of the language's CLDR plural categories.

    The browser picks one with `Intl.PluralRules` (static/js/strings.js); `make(n)` calls
    `ngettext` with a number of that category, so the catalogue's own plural forms are used.
    """
    locale = get_locale()
    rule = locale.plural_form if locale is not None else None
    forms: dict[str, str] = {}
    for n in range(200):
        category = rule(n) if rule is not None else ("one" if n == 1 else "other")
        forms.setdefault(category, make(n))
    return forms


def clock_strings() -> dict[str, str]:
    """Return the countdown's words (every screen has a countdown)."""
    return {
        "lobby": _("Starting soon"),
        "paused": _("Paused"),
        "ended": _("Time to move"),
        "ended_stay": _("Round over"),
        "ended_last": _("That was the last round – thank you"),
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
        "purged": _("This café has ended and its notes have been deleted."),
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
        "note_saved": _("Note saved"),
        "note_kept": _("Note kept on this phone – it will be sent when the connection returns"),
        "round_question": _("Round %(number)s: %(question)s", number="{number}", question="{question}"),
        "clock_waiting": _("waiting for connection"),
        "confirm_discard": _("Discard this note? It has not been sent and will be deleted from this phone."),
        "joining": _("Joining…"),
        "sending_now": _("This note is being sent right now. Edit it once it shows Saved."),
        "still_adding": _("Still adding to round %(number)s", number="{number}"),
            **rotation_strings(),
            **phone_loop_strings(),
        "hold_default": DEFAULT_HOLD_MESSAGE,
    }


def rotation_strings() -> dict[str, str]:
    """Return the phone's words for moving tables, hosting and dot-voting."""
    return {
        "move_to": _("Move to table %(number)s", number="{number}"),
        "stay_at": _("Stay at table %(number)s", number="{number}"),
        "move_text": _("When the next round starts, please go to this table. Its card shows its name."),
        "stay_text": _("Please stay at this table for the next round."),
        "host_stay_text": _("You host this table: please stay and welcome the people who arrive."),
        "host_welcome_text": _(
            "You are this table's host: please stay here and welcome the people who arrive. "
            "Brief them with what the table said before."
        ),
        "host_done_text": _(
            "The last round is over: thank you for hosting. Share your table's key insights, "
            "then join the harvest."
        ),
        "move_confirm": _("I'm at table %(number)s", number="{number}"),
        "move_say": _(
            "Next round: move to table %(number)s, %(name)s.", number="{number}", name="{name}"
        ),
        "stay_say": _("Next round: stay at table %(number)s.", number="{number}"),
        "reseat_say": _(
            "Your table has changed: please move to table %(number)s, %(name)s.",
            number="{number}", name="{name}",
        ),
        "host_of": _("You host table %(number)s · %(name)s", number="{number}", name="{name}"),
        "host_label_saved": _("The facilitator now sees: %(label)s", label="{label}"),
        "host_label_cleared": _("The facilitator sees no name for you."),
        "host_known_as": _("On the facilitator's screen you are %(name)s.", name="{name}"),
        "recap_round": _("Round %(number)s", number="{number}"),
        "recap_paraphrase": _("Say this in your own words"),
        "insight_waiting": _("waiting for the facilitator's approval"),
        "insight_not_shown": _("not shown"),
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
        "used_by": plural_forms(
            lambda n: ngettext("used by %(count)s person", "used by %(count)s people", n,
                               count="{count}")
        ),
        "dots": _("Dots: %(count)s", count="{count}"),
        **connection_strings(),
        "from_table": _("From table %(number)s", number="{number}"),
        "hold_default": DEFAULT_HOLD_MESSAGE,
        "hold_title": _("Let's pause for a moment"),
        "closed_thanks": _("Thank you – the café is closed"),
        "wall_page": _("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
        "wall_count": plural_forms(
            lambda n: ngettext("%(count)s note this round", "%(count)s notes this round", n,
                               count="{count}")
        ),
        "more_insights": plural_forms(
            lambda n: ngettext("and %(count)s more insight", "and %(count)s more insights", n,
                               count="{count}")
        ),
    }


def connection_strings() -> dict[str, str]:
    """Return the words every live staff screen uses for its connection."""
    return {
        "live": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "cannot_connect": _("Cannot connect."),
        "no_answer_server": _("No answer from the server – try again."),
    }


def console_strings() -> dict[str, object]:
    """Return every word the facilitator console's scripts may show."""
    return {
        **clock_strings(),
        **connection_strings(),
        **console_loop_strings(),
        "held_flag": _("Held for the safeguarding lead"),
        "personal_flag": _("Personal details (%(kind)s)", kind="{kind}"),
        "unscreened_flag": _("Not screened – %(language)s?", language="{language}"),
        "unknown_language": _("unknown language"),
        "withdrawn_note": _("Withdrawn by the writer."),
        "held_note": _("This note is held for the safeguarding lead."),
        "anonymous": _("anonymous"),
        "consent_quote": _("may be quoted"),
        "consent_paraphrase": _("paraphrase only"),
        "consent_none": _("do not quote"),
        "on_wall": _("on the wall"),
        "hidden": _("hidden"),
        "awaiting": _("awaiting approval"),
        "note_meta": _(
            "Round %(round)s · %(writer)s · %(consent)s · %(wall)s",
            round="{round}", writer="{writer}", consent="{consent}", wall="{wall}",
        ),
        "queue_where": _("Table %(table)s · round %(round)s", table="{table}", round="{round}"),
        "bulk_approve": plural_forms(
            lambda n: ngettext(
                "Put %(count)s quotable, unflagged note on the wall",
                "Put all %(count)s quotable, unflagged notes on the wall", n, count="{count}",
            )
        ),
        "confirm_bulk": plural_forms(
            lambda n: ngettext(
                "Put %(count)s note on the wall? Only notes with no flag whose writers said they "
                "may be quoted.",
                "Put %(count)s notes on the wall? Only notes with no flag whose writers said they "
                "may be quoted.", n, count="{count}",
            )
        ),
        "bulk_done": plural_forms(
            lambda n: ngettext("%(count)s note put on the wall.", "%(count)s notes put on the wall.",
                               n, count="{count}")
        ),
        "bulk_failed": plural_forms(
            lambda n: ngettext("%(count)s note could not be approved: try it on its own.",
                               "%(count)s notes could not be approved: try them on their own.",
                               n, count="{count}")
        ),
        "queue_approved": _("Approved: %(words)s", words="{words}"),
        "queue_hidden": _("Hidden: %(words)s", words="{words}"),
        "redact": _("Remove personal details"),
        "approve": _("Approve"),
        "take_down": _("Take down"),
        "hide": _("Hide"),
        "phones": plural_forms(
            lambda n: ngettext("%(count)s phone", "%(count)s phones", n, count="{count}")
        ),
        "quiet_for": plural_forms(
            lambda n: ngettext("Quiet for %(count)s minute", "Quiet for %(count)s minutes", n,
                               count="{count}")
        ),
        "phase_lobby": _("not started"),
        "phase_running": _("running"),
        "phase_paused": _("paused"),
        "phase_ended": _("ended – travellers move"),
        "phase_ended_stay": _("ended – nobody moves"),
        "phase_ended_last": _("ended – the last round"),
        "phase_harvest": _("harvest"),
        "phase_closed": _("closed"),
        "harvest_line": _("The tables share their key insights."),
        "closed_line": _("The café is closed."),
        "round_line": _(
            "Round %(number)s of %(count)s (%(phase)s): %(question)s",
            number="{number}", count="{count}", phase="{phase}", question="{question}",
        ),
        "start_round_n": _("Start round %(number)s", number="{number}"),
        "start_next": _("Start next round"),
        "confirm_close": _("Close the café? Phones will no longer be able to add or change notes."),
        "confirm_end_round": _(
            "End round %(number)s now? Its clock stops at every table.", number="{number}"
        ),
        "confirm_start_harvest": _(
            "Start the harvest now? The wall shows the word cloud and phones get the key insights "
            "to give dots to."
        ),
        "connection_live": _("Connection: live"),
        "done_start_round": _("Round %(number)s started.", number="{number}"),
        "done_pause_round": _("The clock is paused."),
        "done_resume_round": _("The clock is running again."),
        "done_extend_round": plural_forms(
            lambda n: ngettext("%(count)s minute added.", "%(count)s minutes added.", n,
                               count="{count}")
        ),
        "done_end_round": _("Round %(number)s ended.", number="{number}"),
        "done_start_harvest": _("The harvest has started."),
        "done_hold": _("Everyone is paused."),
        "done_release": _("The pause is lifted."),
        "hold_state": _("Phones are paused."),
        "new_note_at": _("New note at table %(table)s", table="{table}"),
        "message_sent_table": _("Message sent to table %(table)s.", table="{table}"),
        "message_sent_all": _("Message sent to everyone."),
        # the rotation panel
        "nobody": _("nobody"),
        "people_list": _("%(count)s: %(names)s", count="{count}", names="{names}"),
        "cant_move": _("(can't move)"),
        "arriving": _("(arriving)"),
        "host_of_table": _("Host of table %(number)s · %(name)s", number="{number}", name="{name}"),
        "no_host": _("no host"),
        "host_link": _("host link"),
        "host_link_label": _(
            "Host link for table %(number)s (give it to the table's host)", number="{number}"
        ),
        "planned": _(
            "Round %(number)s is planned: every phone shows its table. Sizes: %(sizes)s.",
            number="{number}", sizes="{sizes}",
        ),
        "not_planned": _("The next plan is made when a round whose travellers move ends."),
        "late_at_table": _(
            "%(name)s (at table %(table)s, not in the plan)", name="{name}", table="{table}"
        ),
        "late_no_table": _("%(name)s (no table yet)", name="{name}"),
        "insight_held": _("Held: this insight looks like a disclosure and is not shown."),
        "insight_from": _(
            "table %(table)s, round %(round)s", table="{table}", round="{round}"
        ),
        "dot_count": plural_forms(
            lambda n: ngettext("%(count)s dot", "%(count)s dots", n, count="{count}")
        ),
        "new_insight_at": _("New key insight from table %(table)s", table="{table}"),
        "needs_host": _("needs a host"),
        # who hosts each table, in words the facilitator can act on
        "host_by_label": _("Who hosts table %(number)s", number="{number}"),
        "host_by_seat": _("Whoever sits at seat 1"),
        "host_by_link": _("Whoever opens the host link"),
        "host_named": _("“%(label)s” (%(name)s on their phone)", label="{label}", name="{name}"),
        "host_unnamed": _("%(name)s (the name on their phone)", name="{name}"),
        "host_via_seat": _("%(who)s hosts: sits at seat 1.", who="{who}"),
        "host_via_link": _("%(who)s hosts: opened the host link.", who="{who}"),
        "host_via_console": _("%(who)s hosts: chosen here.", who="{who}"),
        "host_away": _("Not at this table now."),
        "host_wait_seat": _(
            "No host yet. Whoever sits at seat 1 hosts: ask them to press “I am in seat 1” on "
            "their phone."
        ),
        "host_wait_link": _(
            "No host yet. Whoever opens the host link hosts: give it to them, or the printed "
            "host card."
        ),
        "host_left_seat": _(
            "The host left. Whoever sits at seat 1 now hosts: ask them to press “I am in seat 1”."
        ),
        "host_left_link": _("The host left. Give the host link to the next host."),
        "host_choose": _("Or choose the host yourself"),
        "person_at": _("%(name)s · table %(table)s", name="{name}", table="{table}"),
        "person_no_table": _("%(name)s · no table yet", name="{name}"),
        "person_left": _("%(name)s · left the café", name="{name}"),
        "mark_left": _("Mark as left"),
        "mark_back": _("Mark as back"),
        "marked_left": _("%(name)s is marked as left.", name="{name}"),
        "marked_back": _("%(name)s is back.", name="{name}"),
    }


def safeguarding_strings() -> dict[str, object]:
    """Return every word the safeguarding queue's script may show."""
    return {
        **connection_strings(),
        **lead_loop_strings(),
        "status_new": _("New"),
        "status_acknowledged": _("Acknowledged"),
        "status_resolved": _("Resolved"),
        "withdrawn_item": _("(Withdrawn by the writer: the text was deleted.)"),
        "item_meta": _(
            "%(status)s · written at table %(table)s in round %(round)s · %(writer)s · %(time)s",
            status="{status}", table="{table}", round="{round}", writer="{writer}", time="{time}",
        ),
        "where_now": _("Now at table %(table)s · %(name)s", table="{table}", name="{name}"),
        "where_offline": _("their phone is not connected"),
        "where_unseated": _("Not at a table now"),
        "where_left": _("Has left the café"),
        "where_unknown": _("Where they are now is not known: their pass has ended."),
        "where_checking": _("Finding where they are now…"),
        "updated_by": _("%(status)s by %(name)s", status="{status}", name="{name}"),
        "anonymous": _("anonymous"),
        "acknowledge": _("Acknowledge – I'm on it"),
        "resolve": _("Resolve"),
        "reopen": _("Reopen"),
        "title": _("Safeguarding – Café"),
        "new_item_at": _("New item at table %(table)s.", table="{table}"),
    }


def workspace_strings() -> dict[str, object]:
    """Return the words the synthesis workspace's script may show."""
    return {
        "run_failed": _("The run failed: %(message)s", message="{message}"),
        "running": _("%(message)s… (%(percent)s%%)", message="{message}", percent="{percent}"),
        "finished": _("Finished: %(message)s. Loading the themes…", message="{message}"),
        "lost_contact": _("Lost contact with the server – retrying…"),
        "stopped": _("The run has stopped. Loading…"),
        "server_down": _(
            "Café’s server is not answering, so nothing was changed. What you typed is kept "
            "here: try again when the server is back."
        ),
    }


def run_message(message: str) -> str:
    """Return a synthesis run's progress message (stored in English by the worker) translated."""
    known = {
        "Starting": _("Starting"),
        "Reading notes": _("Reading notes"),
        "Reading the words in the notes": _("Reading the words in the notes"),
        "Placing notes under your frames": _("Placing notes under the expected themes"),
        "Grouping notes into themes": _("Grouping notes into themes"),
        "Naming themes": _("Naming themes"),
        "Choosing representative notes": _("Choosing representative notes"),
        "Drawing word clouds": _("Drawing word clouds"),
        "Saving themes": _("Saving themes"),
        "Done": _("Done"),
        "Waiting to start": _("Waiting to start"),
        "Cancelled": _("Cancelled"),
        "The synthesis process stopped responding and was stopped.": _(
            "The synthesis process stopped responding and was stopped."
        ),
        "The synthesis process stopped before it finished.": _(
            "The synthesis process stopped before it finished."
        ),
    }
    if message in known:
        return known[message]
    took = re.fullmatch(r"The run took longer than (\d+) minutes and was stopped\.", message or "")
    if took is not None:
        return ngettext(
            "The run took longer than %(num)s minute and was stopped (CAFE_SYNTHESIS_TIMEOUT).",
            "The run took longer than %(num)s minutes and was stopped (CAFE_SYNTHESIS_TIMEOUT).",
            int(took[1]),
        )
    encoding = re.fullmatch(r"Encoding the notes: (\d+) of (\d+)", message or "")
    if encoding is not None:
        return _("Encoding the notes: %(done)s of %(total)s", done=encoding[1], total=encoding[2])
    ended = re.fullmatch(r"The synthesis process (was killed \(signal|stopped \(exit code) (-?\d+)\)\.",
                         message or "")
    if ended is not None:
        if ended[1].startswith("was killed"):
            return _("The synthesis process was killed (signal %(num)s).", num=ended[2])
        return _("The synthesis process stopped (exit code %(num)s).", num=ended[2])
    unsaved = re.fullmatch(r"Could not save the themes: (.*)", message or "", re.S)
    if unsaved is not None:
        return _("Could not save the themes: %(reason)s", reason=unsaved[1])
    found = re.fullmatch(r"Found (\d+) themes(?:; kept (\d+) locked)?", message or "")
    if found is None:
        return message
    text = ngettext("Found %(num)s theme", "Found %(num)s themes", int(found[1]))
    if found[2] is not None:
        text += ngettext("; kept %(num)s locked", "; kept %(num)s locked", int(found[2]))
    return text
