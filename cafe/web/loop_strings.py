"""The words of "people in the loop" (issue 18) on each screen: sending a note to the safeguarding
lead, the lead's return and private message, consent beside Approve, the check before export."""

from __future__ import annotations

from flask_babel import gettext as _


def console_loop_strings() -> dict[str, str]:
    """Return the console's words for sending to the lead and for each note's consent."""
    return {
        "sent_flag": _("Sent to the safeguarding lead"),
        "writer_held": _("writer not shown"),
        "in_recap": _("approved for the host's recap (not on the wall)"),
        "send_to_lead": _("Send to safeguarding lead"),
        "sent_to_lead_done": _("Sent to the safeguarding lead. It is off the wall and the recap."),
        "consent_says_quote": _("Writer says: may be quoted"),
        "consent_says_paraphrase": _(
            "Writer says: paraphrase only (approve for the host's recap; never shown on the wall)"
        ),
        "consent_says_none": _("Writer says: do not quote or paraphrase (never on the wall)"),
    }


def lead_loop_strings() -> dict[str, str]:
    """Return the safeguarding lead's words for returning a note and messaging its writer."""
    return {
        "sent_by_hand": _("Sent to you by hand by %(name)s", name="{name}"),
        "return_note": _("Not a disclosure – return to moderation"),
        "confirm_return": _(
            "Return this note to normal moderation? It leaves your queue and the facilitator "
            "may put it on the wall."
        ),
        "message_writer": _("Send the writer a private message"),
        "message_label": _("Private message to the writer's phone"),
        "message_default": _(
            "Grace from the support team would like a quiet word – by the main door"
        ),
        "message_send": _("Send to their phone"),
        "message_sent": _(
            "Sent at %(time)s. Only the writer's phone shows it; it is not stored anywhere.",
            time="{time}",
        ),
        "message_offline": _(
            "Their phone is not connected now: the message reaches it only if it is open."
        ),
    }


def phone_loop_strings() -> dict[str, str]:
    """Return a phone's words for the lead's private message and the host's "send to the lead"."""
    return {
        "lead_message_title": _("A private message for you"),
        "lead_message_close": _("Close"),
        "recap_send_to_lead": _("Send to safeguarding lead"),
        "recap_sent_to_lead": _("Sent to the safeguarding lead. Thank you."),
    }
