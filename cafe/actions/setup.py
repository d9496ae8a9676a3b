"""Events: create one from a plan, and close it."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlite_utils import Database

from cafe import queries
from cafe.actions.common import Refused, now
from cafe.db import get_writer
from cafe.plans import Plan

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed on phones

# ---- events and accounts -----------------------------------------------------------------------


def new_code(length: int = 6) -> str:
    """Return a short join code that is easy to read aloud and type."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def do_create_event(plan: Plan, slug: str | None = None, replace: bool = False) -> dict[str, Any]:
    """Create an event (tables, rounds, frames) from a validated plan; optionally replace one."""
    slug = slug or plan.slug
    if not slug:
        raise Refused("The event needs a slug (give one in the plan or on the command line).")

    def insert(db: Database) -> dict[str, Any]:
        existing = queries.event_by_slug(db, slug)
        if existing is not None:
            if not replace:
                raise Refused(f"An event with slug {slug!r} already exists.", "slug_taken")
            db.execute("DELETE FROM events WHERE id = ?", [existing["id"]])
        code = new_code()
        while queries.event_by_code(db, code) is not None:
            code = new_code()
        cursor = db.execute(
            "INSERT INTO events (slug, code, title, plan_json, wall_token, wall_requires_approval, "
            "retention_days, k_threshold, created_at, dots) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                slug,
                code,
                plan.title,
                json.dumps(plan.to_dict()),
                secrets.token_urlsafe(24),
                int(plan.wall_requires_approval),
                plan.retention_days,
                plan.k_threshold,
                now(),
                plan.dots,
            ],
        )
        event_id = cursor.lastrowid
        db["tables"].insert_all(
            {"event_id": event_id, "number": i, "name": t.name, "capacity": t.capacity}
            for i, t in enumerate(plan.tables, start=1)
        )
        db["rounds"].insert_all(
            {
                "event_id": event_id,
                "number": i,
                "question": r.question,
                "minutes": r.minutes,
                "move": int(r.move),
                "content_warning": r.content_warning,
                "translations_json": json.dumps(dict(r.translations)),
            }
            for i, r in enumerate(plan.rounds, start=1)
        )
        db["frames"].insert_all(
            {"event_id": event_id, "name": f.name, "seeds_json": json.dumps(list(f.seeds))}
            for f in plan.frames
        )
        return queries.event_by_slug(db, slug)

    return get_writer().write(insert)
