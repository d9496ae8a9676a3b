"""Exports: one format's bytes by name (Markdown, Word, print-ready HTML, CSV, JSON), a zip of them all.

Every format is made from plain inputs (`export_input.ExportInput`): the briefing's Markdown (as
generated or as staff edited it), the word-cloud PNGs, and note rows already made safe by
`note_rows`. Each format has its own module: `word_file`, `print_page`, `notes_file`.
"""

from __future__ import annotations

import io
import re
import zipfile

from cafe.briefing.export_input import ExportInput
from cafe.briefing.markdown import plain
from cafe.briefing.notes_file import to_csv, to_json
from cafe.briefing.print_page import print_css, to_html_document
from cafe.briefing.word_file import to_docx

FORMATS = ("md", "docx", "html", "csv", "json", "zip")


MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}


def render(inp: ExportInput, fmt: str) -> bytes:
    """Return one format's bytes."""
    if fmt == "md":
        return inp.markdown.encode("utf-8")
    if fmt == "docx":
        return to_docx(inp)
    if fmt == "html":
        return to_html_document(inp, print_css()).encode("utf-8")
    if fmt == "csv":
        return ("\ufeff" + to_csv(inp.rows)).encode("utf-8")
    if fmt == "json":
        return to_json(inp).encode("utf-8")
    if fmt == "zip":
        return to_zip(inp)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def to_zip(inp: ExportInput) -> bytes:
    """Return a zip of every format and the word-cloud PNGs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for fmt in ("md", "docx", "html", "csv", "json"):
            name = "notes" if fmt in ("csv", "json") else "briefing"
            archive.writestr(f"{inp.slug}-{name}.{fmt}", render(inp, fmt))
        for n, cloud in enumerate(inp.clouds, 1):
            archive.writestr(f"clouds/{n:02d}-{_file_slug(cloud.label)}.png", cloud.png)
    return buffer.getvalue()


def _file_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(text).lower()).strip("-")[:40] or "theme"


def filename(slug: str, fmt: str, suffix: str = "") -> str:
    """Return a download's file name."""
    name = "notes" if fmt in ("csv", "json") else "briefing"
    return f"{_file_slug(slug)}{suffix}-{name}.{fmt}"
