"""Error pages in the reader's language, with the header and links the reader expects."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from cafe.web.auth import current_user


def error_page(error: HTTPException) -> tuple[str, int]:
    """Answer a refused or unknown request with a page in the reader's language (not Flask's bare
    English one), with the language switcher and "Exit this page" like every participant page."""
    if error.code == 404:
        title = _("Page not found")
        text = _("There is no page at this address. Check the link, or type the code shown on the screen.")
    elif error.code == 403:
        title = _("Not allowed")
        text = _("Your account cannot open this page.")
    else:
        title = _("Something went wrong")
        text = _("That request could not be handled. Go back and try again.")
    user = current_user()
    if user is not None:  # staff keep their own header, and a way back to their events
        if error.code == 404:
            text = _("There is no page at this address.")
        page = render_template("staff/error.html", title=title, text=text, user=user)
        return page, error.code or 400
    return render_template("participant/error.html", title=title, text=text), error.code or 400
