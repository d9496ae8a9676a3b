"""Languages: which catalogue a page uses, and which way it is written.

The participant's explicit choice (the switcher on every phone screen) wins, then their browser's
languages, then English. Catalogues other than English are drafts until a fluent speaker has checked
them (see README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, has_request_context, request
from flask_babel import Babel

from cafe.resources import resource_dir

LANG_COOKIE = "cafe_lang"


@dataclass(frozen=True)
class Language:
    """A language we ship: its code, its own name, and its direction."""

    code: str
    name: str
    direction: str = "ltr"


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English"),
    Language("ur", "اردو", "rtl"),
    Language("bn", "বাংলা"),
    Language("pl", "Polski"),
)
CODES = tuple(lang.code for lang in LANGUAGES)
DEFAULT = "en"


def choose_locale() -> str:
    """Return the language of this request: ?lang=, then the cookie, then the browser's languages.

    Outside a request (the command line, the synthesis worker) messages are English.
    """
    if not has_request_context():
        return DEFAULT
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in CODES:
            return candidate
    return request.accept_languages.best_match(CODES) or DEFAULT


def direction(code: str) -> str:
    """Return "rtl" or "ltr" for a language code."""
    return next((lang.direction for lang in LANGUAGES if lang.code == code), "ltr")


babel = Babel()


def local_time(stamp: str | None, seconds: bool = False) -> str:
    """Show a stored UTC time (ISO 8601) in this machine's time zone, named, as staff read the
    clock on the wall: "2026-06-21 15:14 BST". Text that is not a time is shown as it is."""
    if not stamp:
        return ""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def init_app(app: Flask) -> None:
    """Turn on translation for pages and socket handlers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    babel.init_app(app, locale_selector=choose_locale)
    app.jinja_env.filters["local_time"] = local_time

    @app.context_processor
    def languages() -> dict:
        from flask_babel import get_locale

        code = str(get_locale() or DEFAULT)
        return {"LANGUAGES": LANGUAGES, "lang": code, "dir": direction(code)}

    @app.after_request
    def remember_choice(response):
        chosen = request.args.get("lang")
        if chosen in CODES and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=180 * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
        return response
