"""Gzip for static text files (scripts, styles), so the phone page is light on a slow network.

Only static files are compressed: they hold no secrets. Pages are not, since they carry a CSRF
token beside text a visitor can influence (the BREACH attack reads secrets from compressed sizes).
"""

from __future__ import annotations

import gzip
import threading

from flask import Flask, Response, request

COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")
MIN_BYTES = 512
_CACHE: dict[tuple[str, str], bytes] = {}
_CACHE_LOCK = threading.Lock()


def _gzip_static(response: Response) -> Response:
    if (
        request.endpoint not in ("static", "participant.service_worker")
        or response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    key = (request.path, response.get_etag()[0] or "")
    with _CACHE_LOCK:
        body = _CACHE.get(key)
    if body is None:
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        body = gzip.compress(data, compresslevel=9, mtime=0)
        with _CACHE_LOCK:
            if len(_CACHE) > 512:
                _CACHE.clear()
            _CACHE[key] = body
    else:
        response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    etag, _ = response.get_etag()
    if etag:
        # As nginx does: the compressed bytes differ, so the validator becomes weak; a weak
        # If-None-Match still matches it, so repeat loads get 304 Not Modified.
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Compress static text files for clients that accept gzip."""
    app.after_request(_gzip_static)
