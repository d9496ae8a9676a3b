"""Secret key, CSRF, cookies and security headers for every response."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script or style anywhere; pages load only from this server.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def secret_key(database: str) -> str:
    """Return the installation's secret key, made once and kept beside the database."""
    path = Path(database).with_name("secret_key")
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        # Pages can show notes: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def install_security(app: Flask) -> None:
    """Set the secret key and cookie flags, turn on CSRF and add the headers."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.config["CAFE_DATABASE"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["CAFE_SESSION_COOKIE_SECURE"],
        SESSION_COOKIE_NAME="cafe_session",
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf.init_app(app)
    app.after_request(_headers)
