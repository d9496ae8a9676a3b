"""The briefing as a standalone print-ready HTML page (A4 stylesheet embedded)."""

from __future__ import annotations

import base64

from cafe.briefing.export_input import Cloud, ExportInput
from cafe.briefing.markdown import CLOUDS_HEADING, plain, to_html
from cafe.resources import resource_dir


def html_body(markdown: str, clouds: list[Cloud]) -> str:
    """Return the briefing's HTML body: safe Markdown, the word clouds under their appendix
    heading (at the end when staff removed it)."""
    from markupsafe import escape

    body = to_html(markdown)
    figures = "".join(
        f'<figure class="cloud"><img src="data:image/png;base64,{base64.b64encode(c.png).decode()}"'
        f' alt="{escape("Word cloud: " + c.label)}"><figcaption>{escape("Word cloud: " + c.label)}'
        "</figcaption></figure>\n"
        for c in clouds
    )
    figures = f'<div class="clouds">\n{figures}</div>\n' if figures else ""
    heading = f"<h2>{escape(CLOUDS_HEADING)}</h2>"
    at = body.find(heading)
    if at < 0:
        return body + figures
    end = body.find("<h2>", at + len(heading))
    end = len(body) if end < 0 else end
    return body[:end] + figures + body[end:]


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
    return (resource_dir("static") / "css" / "briefing.css").read_text(encoding="utf-8")
