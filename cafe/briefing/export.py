"""Exports: Markdown, Word (DOCX), print-ready HTML, CSV and JSON of notes, and a zip of them all.

Every format is made from plain inputs: the briefing's Markdown (as generated or as staff edited
it), the word-cloud PNGs, and note rows already made safe by `note_rows`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cafe.briefing.draft import (
    ALL,
    Briefing,
    Places,
    Selection,
    attribution,
    generate,
    method_text,
    places,
)
from cafe.briefing.markdown import md_escape, plain, render_markdown, to_html, tokens
from cafe.briefing.opaque import without_order
from cafe.briefing.source import EventSource
from cafe.safety import redact
from cafe.synthesis.types import SynthesisResult

FORMATS = ("md", "docx", "html", "csv", "json", "zip")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "zip": "application/zip",
}
CSV_COLUMNS = ("note_id", "event", "round", "question", "table", "hidden", "theme", "consent",
               "flags", "text")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Cloud:
    key: str
    label: str
    png: bytes


@dataclass
class ExportInput:
    """Everything every format needs."""

    slug: str
    title: str
    markdown: str
    clouds: list[Cloud] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- safety


def neutralise(value: Any) -> str:
    """Return a CSV cell a spreadsheet will not run as a formula (a leading ' keeps it text)."""
    text = "" if value is None else str(value)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (they make Word refuse the file)."""
    text = "".join(c for c in str(text) if not 0xD800 <= ord(c) <= 0xDFFF)
    return _XML_ILLEGAL.sub("", text)


def scrub(markdown: str, source: EventSource, quoted: dict[int, str] | None = None) -> str:
    """Remove from (edited) Markdown any text of a note that may not be quoted (any more).

    A safety net under the editor: a quote whose writer has since withdrawn it, or note text that
    was pasted in from a note shared for paraphrase only or not for quoting.
    """
    for note_id, text in (quoted or {}).items():
        note = source.note(note_id)
        if (note is None or not note.quotable) and text:
            markdown = markdown.replace(text, "[quote removed: no longer available]")
    for note in source.notes:
        if note.quotable or not note.text:
            continue
        forms = {plain(note.text), md_escape(note.text), plain(redact(note.text, source.names)),
                 md_escape(redact(note.text, source.names))}
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 12 and form in markdown:
                markdown = markdown.replace(form, "[text removed: not for quoting]")
    return markdown


# ---------------------------------------------------------------- note rows


def theme_places(source: EventSource, theme_of: dict[int, str]) -> dict[int, Places]:
    """Return, for every usable note, which tables and rounds its theme allows to be named.

    Notes in no theme form one group of their own. The same rule signs the briefing's quotes, so
    no export is more precise about a note than the briefing is.
    """
    groups: dict[Any, list] = {}
    for note in source.notes:
        if note.usable:
            groups.setdefault(theme_of.get(note.id), []).append(note)
    out = {}
    for notes in groups.values():
        where = places(source, notes)
        out.update((n.id, where) for n in notes)
    return out


def hidden_note(note, table: bool, rnd: bool, k: int) -> str:
    """Say which of a note's table and round an export leaves out, and why."""
    missing = [word for word, known, shown in (("table", note.table, table),
                                                ("round", note.round, rnd))
               if known is not None and not shown]
    if not missing:
        return ""
    return f"{' and '.join(missing)} hidden: fewer than {k} people"


def note_rows(source: EventSource, theme_of: dict[int, str], only: set[int] | None = None
              ) -> list[dict[str, Any]]:
    """Return notes with provenance as exports show them.

    Left out: withdrawn notes, disclosures, notes whose writer did not allow quoting ('none').
    Text only of notes that may be quoted (personal details removed); paraphrase-only notes keep
    their provenance but not their words. A table or round is named only as the briefing would
    name it for the note's theme (`places`: at least k people); otherwise the cell is blank and
    the column `hidden` says so.
    """
    where = theme_places(source, theme_of)
    rows = []
    for note in source.notes:
        if not note.usable or note.consent == "none" or (only is not None and note.id not in only):
            continue
        table, rnd = where[note.id].of(note)
        shown_round = note.round if rnd else None
        rows.append({
            "note_id": note.id,
            "event": source.title,
            "round": shown_round,
            "question": source.question(shown_round) if shown_round is not None else None,
            "table": source.table_name(note.table) if table else None,
            "hidden": hidden_note(note, table, rnd, source.k),
            "theme": theme_of.get(note.id),
            "consent": note.consent,
            "flags": list(note.flags),
            "text": plain(redact(note.text, source.names)) if note.quotable else None,
        })
    return without_order(rows)  # issue 19: a hidden round is not read off the ids around it


_PIPELINE = re.compile(r"\n+### Pipeline\n\n(?:[ ]*- [^\n]*(?:\n|\Z))+")


def drop_pipeline(markdown: str, params: dict[str, Any]) -> str:
    """Replace the list of engine settings that drafts made before ended with by one plain line.

    The heading and the list under it go; anything staff wrote after it stays.
    """
    found = _PIPELINE.search(markdown)
    if not found:
        return markdown
    groups = params.get("groups") or []
    themes = sum(g.get("k", 0) for g in groups if isinstance(g, dict)
                 and isinstance(g.get("k", 0), int))
    line = method_text(params, 0, themes)
    rest = markdown[found.end():].lstrip("\n")
    return (markdown[:found.start()] + "\n\n" + md_escape(line) + "\n"
            + ("\n" + rest if rest else ""))


def resign(markdown: str, source: EventSource, quoted: dict[int, str],
           theme_of: dict[int, str]) -> str:
    """Sign each generated quote again by today's rule (drafts made before it may say more)."""
    where = theme_places(source, theme_of)
    for note_id, text in quoted.items():
        note = source.note(note_id)
        if note is None or note_id not in where or not text:
            continue
        signature = md_escape(attribution(source, note, where[note_id]))
        markdown = re.sub(
            "(“" + re.escape(text) + "”\n>\n> — )[^\n]*",
            lambda m, s=signature: m.group(1) + s, markdown,
        )
    return markdown


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


# ---------------------------------------------------------------- DOCX


def to_docx(inp: ExportInput) -> bytes:
    """Return a Word document: real heading styles, the word clouds, and tables as Word tables."""
    import docx
    from docx.shared import Inches, Mm

    document = docx.Document()
    section = document.sections[0]  # A4, 2 cm margins: UK paper
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    document.core_properties.title = xml_safe(inp.title)
    document.core_properties.author = "Café"
    document.core_properties.comments = ""
    stream = tokens(inp.markdown)
    clouds_placed = False

    def add_clouds() -> None:
        if len(inp.clouds) == 1:
            document.add_picture(io.BytesIO(inp.clouds[0].png), width=Inches(6.2))
            document.add_paragraph(xml_safe(f"Word cloud: {inp.clouds[0].label}"), style="Caption")
            return
        # Two to a row, so a briefing about many themes does not spend a page on each cloud.
        grid = document.add_table(rows=(len(inp.clouds) + 1) // 2, cols=2)
        for n, cloud in enumerate(inp.clouds):
            cell = grid.cell(n // 2, n % 2)
            cell.paragraphs[0].add_run().add_picture(io.BytesIO(cloud.png), width=Inches(3.0))
            cell.add_paragraph(xml_safe(f"Word cloud: {cloud.label}"), style="Caption")

    lists: list[list] = []  # [kind, counter]
    quote_depth = 0
    i = 0
    while i < len(stream):
        tok = stream[i]
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1])
            if level == 2 and not clouds_placed:
                add_clouds()
                clouds_placed = True
            para = document.add_paragraph(style=f"Heading {min(level, 9)}")
            _runs(para, stream[i + 1])
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind, int(tok.attrGet("start") or 1) - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            lists[-1][1] += 1
        elif kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
        elif kind == "paragraph_open":
            if lists:
                depth = min(len(lists), 3)
                ordered = lists[-1][0] == "ordered_list_open"
                style = "List Number" if ordered else "List Bullet"
                style += f" {depth}" if depth > 1 else ""
                para = document.add_paragraph(style="List Paragraph" if ordered else style)
                if ordered:
                    para.paragraph_format.left_indent = Inches(0.3 * depth)
                    para.add_run(f"{lists[-1][1]}. ")
            elif quote_depth:
                para = document.add_paragraph(style="Quote")
            else:
                para = document.add_paragraph()
            _runs(para, stream[i + 1])
            i += 3
            continue
        elif kind == "table_open":
            i = _table(document, stream, i)
            continue
        elif kind in ("fence", "code_block"):
            para = document.add_paragraph(xml_safe(tok.content.rstrip("\n")), style="No Spacing")
        elif kind == "hr":
            document.add_paragraph("—")
        i += 1
    if not clouds_placed:
        add_clouds()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _runs(paragraph, inline) -> None:
    """Add an inline token's text as runs, keeping bold, italic and code."""
    bold = italic = 0
    href = None
    for child in inline.children or []:
        t = child.type
        if t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t == "link_open":
            href = child.attrGet("href")
        elif t == "link_close":
            if href:
                paragraph.add_run(xml_safe(f" ({href})"))
            href = None
        elif t in ("text", "code_inline", "html_inline"):
            run = paragraph.add_run(xml_safe(child.content))
            run.bold = bool(bold) or None
            run.italic = bool(italic) or None
            if t == "code_inline":
                run.font.name = "Courier New"
        elif t in ("softbreak",):
            paragraph.add_run(" ")
        elif t == "hardbreak":
            paragraph.add_run().add_break()


def _table(document, stream, i: int) -> int:
    """Turn a Markdown table (tokens from `i`) into a Word table; return the index after it."""
    rows: list[list] = []
    header_rows = 0
    in_head = False
    while stream[i].type != "table_close":
        t = stream[i].type
        if t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            rows.append([])
            header_rows += in_head
        elif t == "inline":
            rows[-1].append(stream[i])
        i += 1
    columns = max((len(r) for r in rows), default=0)
    if rows and columns:
        table = document.add_table(rows=len(rows), cols=columns)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, inline in enumerate(row):
                para = table.cell(r, c).paragraphs[0]
                _runs(para, inline)
                if r < header_rows:
                    for run in para.runs:
                        run.bold = True
    return i + 1


# ---------------------------------------------------------------- HTML


def html_body(markdown: str, clouds: list[Cloud]) -> str:
    """Return the briefing's HTML body: safe Markdown, with the word clouds before the first h2."""
    from markupsafe import escape

    body = to_html(markdown)
    figures = "".join(
        f'<figure class="cloud"><img src="data:image/png;base64,{base64.b64encode(c.png).decode()}"'
        f' alt="{escape("Word cloud: " + c.label)}"><figcaption>{escape("Word cloud: " + c.label)}'
        "</figcaption></figure>\n"
        for c in clouds
    )
    figures = f'<div class="clouds">\n{figures}</div>\n' if figures else ""
    at = body.find("<h2>")
    return body[:at] + figures + body[at:] if at >= 0 else body + figures


def to_html_document(inp: ExportInput, css: str) -> str:
    """Return a standalone print-ready HTML file (A4 stylesheet embedded; it is not served)."""
    from markupsafe import escape

    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(plain(inp.title))}</title>\n<style>\n{css}\n</style>\n</head>\n"
        f'<body>\n<article class="briefing">\n{html_body(inp.markdown, inp.clouds)}</article>\n'
        "</body>\n</html>\n"
    )


def print_css() -> str:
    from cafe import resource_dir

    return (resource_dir("static") / "css" / "briefing.css").read_text(encoding="utf-8")


# ---------------------------------------------------------------- all of them


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


def cloud_png(word_weights: dict[str, float], seed: int = 0) -> bytes:
    """Render a theme's word cloud (for a theme the workspace has none stored for)."""
    return _cloud(json.dumps(word_weights, sort_keys=True), seed)


@lru_cache(maxsize=64)
def _cloud(weights_json: str, seed: int) -> bytes:
    from cafe.synthesis.clouds import render_cloud

    return render_cloud(json.loads(weights_json), seed=seed)


def draft_export(source: EventSource, draft: dict[str, Any],
                 stored_clouds: dict[str, bytes] | None = None) -> ExportInput:
    """Make everything every format needs from a stored draft (its text as staff left it).

    Notes are read afresh: a note withdrawn since the draft was made drops out of the rows, and
    its quote out of the text.
    """
    snap = json.loads(draft["source_json"] or "{}")
    quoted = {int(k): v for k, v in snap.get("quotes", {}).items()}
    markdown = scrub(draft["markdown"], source, quoted)
    stored = stored_clouds or {}
    themes = snap.get("themes", [])
    clouds = [Cloud(t["key"], t["label"], stored.get(t["key"]) or cloud_png(t["word_weights"]))
              for t in themes]
    theme_of = {i: t["label"] for t in themes for i in t["note_ids"]}
    markdown = resign(markdown, source, quoted, theme_of)
    markdown = drop_pipeline(markdown, snap.get("params", {}))
    selection = snap.get("selection", {}).get("kind", "all")
    rows = note_rows(source, theme_of, set(theme_of) if selection != "all" else None)
    return ExportInput(source.slug, draft["title"], markdown, clouds, rows, meta_of(source),
                       snap.get("params", {}))


def event_export(source: EventSource, result: SynthesisResult, selection: Selection = ALL,
                 stored_clouds: dict[str, bytes] | None = None) -> tuple[Briefing, ExportInput]:
    """Generate a briefing from themes and make everything every format needs."""
    source = source.with_themes(result)
    briefing = generate(source, result, selection)
    markdown = render_markdown(briefing)
    stored = stored_clouds or {}
    clouds = [Cloud(t.key, t.label, stored.get(t.key) or cloud_png(t.word_weights))
              for t in briefing.themes]
    theme_of = {n.id: n.theme_label for n in source.notes if n.theme_label}
    chosen = {i for t in selection.pick(result) for i in t.note_ids}
    rows = note_rows(source, theme_of, chosen if selection.kind != "all" else None)
    return briefing, ExportInput(source.slug, briefing.title, markdown, clouds, rows,
                                 meta_of(source), dict(briefing.evidence.params))


def meta_of(source: EventSource) -> dict[str, Any]:
    return {"slug": source.slug, "title": source.title, "date": source.date, "k": source.k,
            "questions": [{"round": r.number, "question": r.question} for r in source.rounds]}
