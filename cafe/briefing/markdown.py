"""Briefings as Markdown, and Markdown as safe HTML (markdown-it-py, raw HTML and images off)."""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt

from cafe.briefing.parts import Briefing, KeyPoint, Support
from cafe.briefing.wording import finding_support

# Characters that could start Markdown syntax inside a line: links and images ([ ]), emphasis,
# code, HTML and autolinks (< >), entities (&), tables (|), strikethrough. "(" and "!" need a "[",
# which is always escaped. Syntax that only counts at the start of a line is escaped there.
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def plain(text: str) -> str:
    """Drop control characters and fold white space (newlines included) into single spaces."""
    text = "".join(c for c in str(text) if not 0xD800 <= ord(c) <= 0xDFFF)
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())


def md_escape(text: str) -> str:
    """Return text that Markdown shows literally: no links, images, HTML or emphasis."""
    text = _SPECIAL.sub(r"\\\1", plain(text))
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def support_text(s: Support) -> str:
    """Say how many notes from which tables and rounds back a point."""
    words = [f"{s.n} note{'s' if s.n != 1 else ''}"]
    tables = [f"{md_escape(name)} ({n})" for name, n in s.tables]
    if s.other_tables and tables:
        tables.append(f"other tables ({s.other_tables})")
    if tables:
        words.append("tables " + ", ".join(tables))
    rounds = [f"{number} ({n})" for number, n in s.rounds]
    if s.other_rounds and rounds:
        rounds.append(f"other rounds ({s.other_rounds})")
    if rounds:
        words.append("rounds " + ", ".join(rounds))
    return "; ".join(words)


def finding_text(point: KeyPoint) -> str:
    """Return a finding as the briefing states it (escaped): its sentence, or for a loose theme
    the points made within it, each with its own notes and tables."""
    if not point.parts:
        return md_escape(point.text)
    within = " ".join(f"{md_escape(p.text)} ({finding_support(p.support)})"
                      for p in point.parts)
    return f"{md_escape(_cap(point.title))}: several different points. {within}"


CLOUDS_HEADING = "Appendix: word clouds"


def render_markdown(b: Briefing) -> str:
    """Return the briefing as Markdown; every piece of note-derived text is escaped."""
    e = b.evidence
    out = [f"# {md_escape(b.title)}", ""]
    if b.audience:
        out += [f"**Who this is for and why:** {md_escape(b.audience)}", ""]
    out += ["## Summary", "", md_escape(b.summary), "", "## Key points", ""]
    if b.points:
        for i, point in enumerate(b.points, 1):
            out.append(f"{i}. {finding_text(point)} **({finding_support(point.support)})**")
    else:
        out.append("No key points yet.")
    if b.points_note:
        out += ["", md_escape(b.points_note)]
    out += ["", "## Where people disagreed", ""]
    if b.disagreements:
        for d in b.disagreements:
            m, o = d.main_support, d.other_support
            out.append(
                f"- **{md_escape(_cap(d.title))}.** Most said: {md_escape(d.main)} "
                f"({finding_support(m)}). {o.n} note{'s' if o.n != 1 else ''}"
                f"{f' from {o.n_tables} table' + ('s' if o.n_tables != 1 else '') if o.n_tables else ''}"
                f" disagreed: {md_escape(d.other)}")
    else:
        out.append("No theme held clearly opposite views (Café looks for notes that say no to "
                   "what the rest of their theme says; read the notes before relying on this).")
    out += ["", "## What participants said", ""]
    if b.quotes:
        for quote in b.quotes:
            out += [f"> “{md_escape(quote.text)}”", ">", f"> — {md_escape(quote.attribution)}", ""]
    else:
        out += ["No participant in these themes agreed to be quoted.", ""]
    for line in b.paraphrases:
        out.append(f"- {md_escape(line)}")
    if b.paraphrases:
        out.append("")
    out += ["## Recommendations and asks", ""]
    if b.asks:
        for ask in b.asks:
            who = f"**{md_escape(ask.who)}:** " if ask.who else ""
            out.append(f"- {who}{md_escape(ask.text)} (asked in {finding_support(ask.support)})")
    else:
        out.append("No note was phrased as an ask of anyone.")
    out += ["", "## Questions for further conversation", ""]
    out += [f"- {md_escape(q)}" for q in b.questions]
    out += ["", "## How this briefing was made", "", md_escape(b.how or e.method)]
    out += [
        "", "## Evidence", "",
        f"- **Event:** {md_escape(e.event)}",
        f"- **Date:** {md_escape(e.date)}",
        "- **Questions asked:**",
    ]
    out += [f"  {n}. {md_escape(q)}" for n, q in e.questions]
    out += [
        f"- **Participants:** {e.participants} joined, {e.writers} wrote notes",
        f"- **Notes counted:** {e.notes_total} in the event, {e.notes_in_briefing} in this briefing "
        f"({e.quotable} may be quoted, {e.paraphrase} paraphrase only, {e.not_quoted} not for "
        "quoting and counted only)",
        f"- **Small-group protection:** tables and rounds where fewer than {e.k} people wrote are "
        "not named",
        f"- {md_escape(e.method)}",
        "", "### Supporting notes per point", "",
        "| Point | Notes | Tables | Rounds | Note ids |",
        "| --- | --- | --- | --- | --- |",
    ]
    for i, point in enumerate(b.points, 1):
        out.append(_evidence_row(f"{i}.", md_escape(point.title or point.text), point.support))
        # A loose theme's finding: a row for each point made within it, "3a", "3b", ...
        for letter, part in zip("abcdefgh", point.parts, strict=False):
            out.append(_evidence_row(f"{i}{letter}.", md_escape(part.text), part.support))
    if b.themes:
        out += ["", f"## {CLOUDS_HEADING}", "",
                "One cloud per theme: the bigger a word, the more it marks that theme's notes."]
    return "\n".join(out).rstrip() + "\n"


def _evidence_row(number: str, name: str, s: Support) -> str:
    """Return a row of the evidence table: a point, its notes, tables, rounds and note ids."""
    tables = ", ".join(f"{md_escape(t)} ({n})" for t, n in s.tables) or "not named"
    if s.other_tables and s.tables:
        tables += f", other ({s.other_tables})"
    rounds = ", ".join(f"{r} ({n})" for r, n in s.rounds) or "not named"
    if s.other_rounds and s.rounds:
        rounds += f", other ({s.other_rounds})"
    ids = ", ".join(str(x) for x in s.note_ids)
    return f"| {number} {name} | {s.n} | {tables} | {rounds} | {ids} |"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# ---------------------------------------------------------------- Markdown -> HTML

_SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))
    return md


_MD = _parser()


def tokens(markdown: str):
    """Return markdown-it tokens of (staff-edited) Markdown, with raw HTML and images off."""
    return _MD.parse(plain_lines(markdown))


def plain_lines(markdown: str) -> str:
    """Drop control characters but keep line breaks (for Markdown typed by staff)."""
    text = "".join(c for c in str(markdown) if not 0xD800 <= ord(c) <= 0xDFFF)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", "", text)


def to_html(markdown: str) -> str:
    """Render Markdown to HTML that is safe to put in a page: raw HTML is escaped, no images,
    links only to http(s), mailto and anchors (opened without referrer)."""
    html = _MD.render(plain_lines(markdown))
    # Table alignment comes out as style attributes, which the CSP (no inline styles) refuses.
    html = re.sub(r' style="text-align:(?:left|right|center)"', "", html)
    return html.replace("<a href=", '<a rel="noopener noreferrer nofollow" href=')
