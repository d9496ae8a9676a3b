"""HTTP blueprints, one per page family (registered by cafe/web/blueprints.py); what the pages share."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException


def base_url() -> str:
    """Return the base URL phones should use: the configured public URL, else this request's host."""
    configured = current_app.config.get("CAFE_PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def is_loopback(url: str) -> bool:
    """Return whether `url` names this machine only (127.x, ::1, localhost, or the 0.0.0.0 a
    browser here also accepts): phones cannot open it."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def event_or_404(slug: str) -> dict[str, Any]:
    """Return the event with this slug, or answer 404."""
    from cafe import queries
    from cafe.db import reading

    with reading() as db:
        event = queries.event_by_slug(db, slug)
    if event is None:
        abort(404)
    return event


def error_page(error: HTTPException) -> tuple[str, int]:
    """Answer a refused or unknown request with a page in the reader's language (not Flask's bare
    English one), with the language switcher and "Exit this page" like every participant page."""
    from flask import render_template
    from flask_babel import gettext as _

    if error.code == 404:
        title = _("Page not found")
        text = _("There is no page at this address. Check the link, or type the code shown on the screen.")
    elif error.code == 403:
        title = _("Not allowed")
        text = _("Your account cannot open this page.")
    else:
        title = _("Something went wrong")
        text = _("That request could not be handled. Go back and try again.")
    from cafe.web.auth import current_user

    user = current_user()
    if user is not None:  # staff keep their own header, and a way back to their events
        if error.code == 404:
            text = _("There is no page at this address.")
        page = render_template("staff/error.html", title=title, text=text, user=user)
        return page, error.code or 400
    return render_template("participant/error.html", title=title, text=text), error.code or 400


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
