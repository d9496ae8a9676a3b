"""The address phones should use, and whether an address reaches only this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, request


def base_url() -> str:
    """Return the base URL phones should use: the configured public URL, else this request's host."""
    configured = current_app.config.get("CAFE_PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def is_loopback(url: str) -> bool:
    """Return whether `url` names this machine only (127.x, ::1, localhost, or the 0.0.0.0 a
    browser here also accepts): phones cannot open it."""
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
