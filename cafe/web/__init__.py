"""HTTP blueprints, one per page family."""

from __future__ import annotations

from flask import Flask, current_app, request


def base_url() -> str:
    """Return the base URL phones should use: the configured public URL, else this request's host."""
    configured = current_app.config.get("CAFE_PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def register(app: Flask) -> None:
    """Register every blueprint on the app."""
    from cafe.web import auth, console, participant, safeguarding, wall

    app.register_blueprint(participant.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(wall.bp)
    app.register_blueprint(safeguarding.bp)
