"""Word-cloud images of themes: drawn off the event loop, kept by content, read back."""

from __future__ import annotations

import hashlib

from sqlite_utils import Database

from cafe.offloop import off_loop


def store_cloud(db: Database, event_id: int, png: bytes | None) -> str | None:
    """Keep a word-cloud image (content-addressed, so undo can point back at an old one)."""
    if not png:
        return None
    digest = hashlib.sha256(png).hexdigest()
    db.execute(
        "INSERT OR IGNORE INTO synthesis_clouds (digest, event_id, png) VALUES (?, ?, ?)",
        [digest, event_id, png],
    )
    return digest


def render_cloud_off_loop(weights: dict[str, float], seed: int = 0) -> bytes | None:
    """Render a word cloud on a native thread under gevent, so phones are not kept waiting."""
    if not weights:
        return None
    from cafe.synthesis.clouds import render_cloud

    return off_loop(render_cloud, weights, seed)


def theme_cloud_png(db: Database, theme_id: int) -> bytes | None:
    """Return the PNG bytes of a theme's word cloud, or None if it has none (or no such theme).

    `theme_id` is the theme's database id: `theme.id` (or `int(theme.key)`) for a Theme from
    `current_result`.
    """
    row = db.execute(
        "SELECT c.png FROM themes t JOIN synthesis_clouds c ON c.digest = t.cloud_digest "
        "WHERE t.id = ?",
        [theme_id],
    ).fetchone()
    return bytes(row[0]) if row is not None else None
