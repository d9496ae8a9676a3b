"""Say in words what a change-log entry did, and which rounds and tables a run covers."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from cafe import queries
from cafe.actions.synthesis.audit import ACTION_NAMES
from cafe.actions.synthesis.reads import _names, workspace_notes
from cafe.safety import redact


class _Describer:
    """Say in words what a change-log entry did, by theme names and a short excerpt of each note.

    A note's words are shown only for notes the workspace shows (saved, not held as a disclosure),
    redacted as everywhere else; any other note is "a note no longer in the workspace".
    """

    EXCERPT_WORDS = 8

    def __init__(self, db, event: dict[str, Any]) -> None:
        self.db, self.event = db, event
        self.labels = dict(
            db.execute("SELECT id, label FROM themes WHERE event_id = ?", [event["id"]]).fetchall()
        )
        self._notes: dict[int, dict[str, Any]] | None = None

    def note(self, note_id: Any) -> str:
        if self._notes is None:
            self._notes = {n["id"]: n for n in workspace_notes(self.db, self.event["id"])}
        n = self._notes.get(note_id)
        if n is None:
            return _("a note no longer in the workspace")
        words = redact(n["text"], _names(self.event)).split()
        cut = " ".join(words[: self.EXCERPT_WORDS]) + ("…" if len(words) > self.EXCERPT_WORDS else "")
        return f"“{cut}”"

    def theme(self, theme_id: Any) -> str:
        if theme_id is None:
            return _("not yet themed")
        return f"“{self.labels.get(theme_id, theme_id)}”"

    def run_scope(self, run_id: Any) -> str:
        row = self.db.execute("SELECT params_json FROM synthesis_runs WHERE id = ?", [run_id])
        row = row.fetchone()
        scope = json.loads(row[0]).get("scope", {}) if row else {}
        if not scope.get("rounds") and not scope.get("tables"):
            return ""
        tables = {t["number"]: t["name"] for t in queries.tables(self.db, self.event["id"])}
        return " " + _("(%(scope)s only)", scope=scope_text(scope, tables))

    def change(self, e: dict[str, Any]) -> str:
        """Return e.g. "Moved a note: “Housing waiting lists…” from “Housing” to “Funding”"."""
        d, title = e["detail"], str(ACTION_NAMES.get(e["action"], e["action"]))
        action = e["action"]
        if action == "run":
            return (
                title
                + self.run_scope(d.get("run"))
                + ": "
                + ngettext("%(num)s theme", "%(num)s themes", int(d.get("themes") or 0))
            )
        if action == "rename":
            return f"{title}: “{d['from']}” → “{d['to']}”"
        if action == "merge":
            if d["label"] in d["labels"] and d.get("target_label"):
                # The name came from a theme merged in (a name staff gave): not "“X” into “X”".
                merged = [d["target_label"], *(label for label in d["labels"])]
                return title + ": " + _(
                    "%(labels)s into one theme named “%(label)s”",
                    labels=", ".join(f"“{label}”" for label in merged), label=d["label"])
            return title + ": " + _(
                "%(labels)s into “%(label)s”", labels=", ".join(d["labels"]), label=d["label"]
            )
        if action == "split":
            return title + ": " + _(
                "“%(label)s” into %(labels)s", label=d["label"], labels=", ".join(d["labels"])
            )
        if action in ("lock", "unlock"):
            return f"{title}: “{d['label']}”"
        if action == "move":
            return title + ": " + _(
                "%(note)s from %(from)s to %(to)s",
                note=self.note(d["note"]),
                **{"from": self.theme(d["from"])},
                to=self.theme(d["to"]),
            )
        if action in ("exclude", "include", "pin", "unpin"):
            return f"{title}: {self.note(d['note'])}"
        if action == "undo":
            return title + ": " + _(
                "“%(action)s” by %(name)s",
                action=ACTION_NAMES.get(d["action"], d["action"]),
                name=d["by"],
            )
        return title

    def state(self, raw: str) -> list[str]:
        """Return a snapshot (before or after a change) as lines of words."""
        st = json.loads(raw)
        members = {n: t for n, t in st["members"]}
        if st["all"]:
            themes = [t for t in st["themes"] if t.get("active", 1)]
            return [
                ngettext("%(num)s theme", "%(num)s themes", len(themes))
                + ", "
                + ngettext("%(num)s note in them", "%(num)s notes in them", len(members))
            ]
        lines = []
        for t in st["themes"]:
            label = f"“{t['label']}”"
            if not t.get("active", 1):
                lines.append(_("%(theme)s: no longer a theme", theme=label))
                continue
            size = sum(1 for theme in members.values() if theme == t["id"])
            lines.append(f"{label}: " + ngettext("%(num)s note", "%(num)s notes", size))
        marks = {o["note_id"]: o for o in st["overrides"]}
        for note_id in st["note_ids"]:
            where = [self.theme(members.get(note_id))]
            if marks.get(note_id, {}).get("excluded"):
                where.append(_("excluded"))
            if marks.get(note_id, {}).get("pinned"):
                where.append(_("pinned quote"))
            lines.append(f"{self.note(note_id)}: " + ", ".join(where))
        return lines


def scope_text(scope: dict[str, list[int]], table_names: dict[int, str]) -> str:
    """Say which rounds and tables a run covers, e.g. "round 1" or "rounds 1, 2 at table 3 (Oak)"."""
    rounds, tables = scope.get("rounds") or [], scope.get("tables") or []
    said_rounds = ngettext(
        "round %(list)s", "rounds %(list)s", len(rounds), list=", ".join(map(str, rounds))
    )
    said_tables = ngettext(
        "table %(list)s",
        "tables %(list)s",
        len(tables),
        list=", ".join(f"{t} ({table_names[t]})" if t in table_names else str(t) for t in tables),
    )
    if rounds and tables:
        return _("%(rounds)s at %(tables)s", rounds=said_rounds, tables=said_tables)
    return said_rounds if rounds else said_tables
