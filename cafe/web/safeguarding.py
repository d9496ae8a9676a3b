"""The safeguarding lead's page: the private queue of notes that look like a disclosure."""

from __future__ import annotations

from flask import Blueprint, render_template

from cafe import queries
from cafe.web.auth import current_user, login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.strings import safeguarding_strings

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

ROLES = ("admin", "safeguarding")


@bp.get("/<slug>")
@login_required(*ROLES)
def queue(slug: str) -> str:
    """Show an event's safeguarding queue (live)."""
    event = event_or_404(slug)
    plan = queries.plan(event)
    return render_template(
        "staff/safeguarding.html",
        event=event,
        plan=plan,
        user=current_user(),
        strings=safeguarding_strings(),
    )
