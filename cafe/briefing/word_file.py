"""The briefing as a Word document: real heading styles, the word clouds, tables as Word tables."""

from __future__ import annotations

import io
import re

from cafe.briefing.export_input import ExportInput
from cafe.briefing.markdown import CLOUDS_HEADING, tokens

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (they make Word refuse the file)."""
    text = "".join(c for c in str(text) if not 0xD800 <= ord(c) <= 0xDFFF)
    return _XML_ILLEGAL.sub("", text)


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
            para = document.add_paragraph(style=f"Heading {min(level, 9)}")
            _runs(para, stream[i + 1])
            if level == 2 and not clouds_placed and stream[i + 1].content == CLOUDS_HEADING:
                add_clouds()  # the word clouds are an appendix, under their own heading
                clouds_placed = True
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
