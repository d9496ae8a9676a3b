"""HTTP blueprints, one per page family."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, request


def base_url() -> str:
    """Return the base URL phones should use: the configured public URL, else this request's host."""
    configured = current_app.config.get("CAFE_PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def event_or_404(slug: str) -> dict[str, Any]:
    """Return the event with this slug, or answer 404."""
    from cafe import queries
    from cafe.db import reading

    with reading() as db:
        event = queries.event_by_slug(db, slug)
    if event is None:
        abort(404)
    return event


def register(app: Flask) -> None:
    """Register every blueprint on the app."""
    from cafe.web import auth, console, participant, safeguarding, wall, workspace

    app.register_blueprint(participant.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(wall.bp)
    app.register_blueprint(safeguarding.bp)
    app.register_blueprint(workspace.bp)
