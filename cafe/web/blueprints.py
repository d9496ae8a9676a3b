"""Register every page family, the template filters and the error pages on the app."""

from __future__ import annotations

from flask import Flask

from cafe.web import (
    accounts,
    auth,
    briefing,
    briefing_llm,
    compress,
    console,
    new_event,
    participant,
    safeguarding,
    safety_check,
    wall,
    workspace,
)
from cafe.web.error_pages import error_page
from cafe.web.phone_links import tel_links


def register(app: Flask) -> None:
    """Register every blueprint on the app."""
    app.register_blueprint(participant.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(wall.bp)
    app.register_blueprint(safeguarding.bp)
    app.register_blueprint(briefing.bp)
    app.register_blueprint(briefing_llm.bp)
    app.register_blueprint(workspace.bp)
    app.register_blueprint(safety_check.bp)
    app.register_blueprint(new_event.bp)
    app.register_blueprint(accounts.bp)
    app.jinja_env.filters["tel_links"] = tel_links
    for code in (400, 403, 404, 405):
        app.register_error_handler(code, error_page)

    compress.init_app(app)
