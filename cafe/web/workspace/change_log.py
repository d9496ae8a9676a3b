"""The workspace's change log: who changed what and when, each with undo."""

from __future__ import annotations

from typing import Any

from flask import render_template

from cafe.actions.synthesis.audit import ACTION_NAMES
from cafe.actions.synthesis.undo import audit_log
from cafe.i18n import local_time
from cafe.offloop import read_off_loop
from cafe.web.auth import login_required
from cafe.web.event_lookup import event_or_404
from cafe.web.workspace.blueprint import ROLES, bp
from cafe.web.workspace.describe import _Describer
from cafe.web.workspace.frame import _common, _status


@bp.get("/<slug>/audit")
@login_required(*ROLES)
def audit(slug: str) -> str:
    """Show who changed what and when, each change with its before/after and an undo button."""
    event = event_or_404(slug)
    entries, status = read_off_loop(_audit_data, event)
    return render_template("staff/workspace/audit.html", entries=entries, **_common(event, status))


def _audit_data(db, event: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    say = _Describer(db, event)
    entries = audit_log(db, event["id"])
    for e in entries:
        e["summary"] = say.change(e)
        e["before"], e["after"] = say.state(e["before_json"]), say.state(e["after_json"])
        if e["blocked_by"]:
            b = e["blocked_by"]
            e["blocked"] = {
                "change": ACTION_NAMES.get(b["action"], b["action"]),
                "name": b["actor"],
                "time": local_time(b["at"]),
                "id": b["id"],
            }
    return entries, _status(db, event)
