"""The notes as a CSV file (safe from spreadsheet formulas) and as JSON with the event's facts."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from cafe.briefing.export_input import ExportInput

CSV_COLUMNS = ("note_id", "event", "round", "question", "table", "hidden", "theme", "consent",
               "flags", "text")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Return a CSV cell a spreadsheet will not run as a formula (a leading ' keeps it text)."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Return rows as CSV with every cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = []
        for column in CSV_COLUMNS:
            value = row.get(column)
            if isinstance(value, list):
                value = ";".join(value)
            cells.append(neutralise(value))
        writer.writerow(cells)
    return buffer.getvalue()


def to_json(inp: ExportInput) -> str:
    """Return the notes with provenance, the event's facts and the synthesis settings as JSON."""
    return json.dumps({"event": inp.meta, "title": inp.title, "notes": inp.rows,
                       "synthesis": inp.params},
                      ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
