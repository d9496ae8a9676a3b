"""Turn phone numbers in text into tap-to-call links (a template filter)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A phone number inside a line of text: an optional +, then digits with spaces, dots, dashes or
# brackets between them, at least 5 digits in all (so "24/7" or a year is left alone).
_PHONE = re.compile(r"\+?\(?\d[\d ().-]*\d")


def tel_links(text: str) -> Markup:
    """Return text (escaped) with each phone number in it as a tap-to-call `tel:` link, the
    href holding only its digits (and a leading +)."""
    out, at = [], 0
    for match in _PHONE.finditer(text or ""):
        number = match.group(0)
        digits = re.sub(r"\D", "", number)
        if len(digits) < 5:
            continue
        href = ("+" if number.startswith("+") else "") + digits
        out.append(escape(text[at : match.start()]))
        out.append(Markup('<a href="tel:{}">{}</a>').format(href, number))
        at = match.end()
    out.append(escape((text or "")[at:]))
    return Markup("").join(out)
