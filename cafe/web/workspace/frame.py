"""What every workspace page shows around its content: the run's state and the undo button."""

from __future__ import annotations

import json
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from cafe.actions.synthesis.reads import current_run, latest_run, run_view
from cafe.i18n import local_time
from cafe.web.auth import current_user
from cafe.web.strings import run_message, workspace_strings
from cafe.web.workspace.describe import _Describer


def _status(db, event: dict[str, Any]) -> dict[str, Any]:
    run = run_view(latest_run(db, event["id"]))
    if run and run["status"] == "done":
        current = current_run(db, event["id"])
        run["undone"] = current is None or current["id"] != run["id"]
    last = db.execute(
        "SELECT * FROM synthesis_audit WHERE event_id = ? AND undone_by IS NULL "
        "AND undoes IS NULL ORDER BY id DESC LIMIT 1",
        [event["id"]],
    ).fetchone()
    undo_label = None
    if last is not None:
        entry = {**dict(last), "detail": json.loads(last["detail_json"])}
        # The button says what it will undo: "Undo: Renamed a theme: “A” → “B”, 15:02".
        undo_label = _(
            "Undo: %(change)s, %(time)s",
            change=_Describer(db, event).change(entry),
            time=local_time(entry["at"])[11:16],
        )
    return {"run": run, "can_undo": last is not None, "undo_label": undo_label}


def _translated(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the run with its progress message in the page's language."""
    return None if run is None else {**run, "message": run_message(run["message"])}


def _common(event: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event,
        **status,
        "run": _translated(status["run"]),
        "strings": workspace_strings(),
        "user": current_user(),
        "status_url": url_for("workspace.run_status", slug=event["slug"]),
    }
