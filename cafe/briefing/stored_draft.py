"""Make a stored draft fit to export today: scrub text that may not be quoted, re-sign quotes, shorten old method notes."""

from __future__ import annotations

import re
from typing import Any

from cafe.briefing.markdown import md_escape, plain
from cafe.briefing.note_rows import theme_places
from cafe.briefing.parts import attribution
from cafe.briefing.source import EventSource
from cafe.briefing.wording import method_text
from cafe.safety import redact


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
