"""Synthesis runs: check options, queue, record progress, fail, cancel, and the worker processes followed."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused, now
from cafe.actions.synthesis.reads import (
    ACTIVE,
    LIVE_PROGRESS,
    _all,
    overrides,
    pid_alive,
    run_by_id,
    workspace_notes,
)
from cafe.db import Writer, get_writer

Progress = Callable[[float, str], None]


MAX_THEMES = 60


# The worker processes this server follows, and when each last said anything.
PROCESSES: dict[int, subprocess.Popen] = {}


HEARD: dict[int, float] = {}


@functools.lru_cache(maxsize=1)
def embeddings_available() -> bool:
    """Say whether the optional sentence-embeddings model is installed on this machine."""
    try:
        from cafe.synthesis.embeddings import model_path

        model_path()
        import importlib.util

        return importlib.util.find_spec("sentence_transformers") is not None
    except Exception:  # noqa: BLE001 - anything missing means "not installed"
        return False


def check_run_options(
    n_themes: Any = None, embeddings: Any = False, rounds: Any = (), tables: Any = (),
    by_question: Any = True,
) -> dict[str, Any]:
    """Return clean run options, refusing a bad number of themes or an unknown round/table."""
    if n_themes in (None, "", "auto"):
        k = None
    else:
        try:
            k = int(n_themes)
        except (TypeError, ValueError):
            raise Refused(_("The number of themes must be 'auto' or a whole number.")) from None
        if not 1 <= k <= MAX_THEMES:
            raise Refused(_("The number of themes must be between 1 and %(max)s.", max=MAX_THEMES))
    if embeddings and not embeddings_available():
        raise Refused(
            _("Sentence embeddings are not installed on this machine (cafe[embeddings]).")
        )
    try:
        rounds = sorted({int(r) for r in rounds or ()})
        tables = sorted({int(t) for t in tables or ()})
    except (TypeError, ValueError):
        raise Refused(_("Unknown round or table.")) from None
    return {
        "n_themes": k,
        "embeddings": bool(embeddings),
        "scope": {"rounds": rounds, "tables": tables},
        # Each round's notes answer its question: themes within each question unless asked not to.
        "by_question": by_question not in (False, 0, "0", "false", "no", "off", ""),
    }


def do_start_run(
    event: dict[str, Any],
    actor: str,
    *,
    n_themes: Any = None,
    embeddings: Any = False,
    frames: bool = True,
    rounds: Any = (),
    tables: Any = (),
    pid: int | None = None,
    by_question: Any = True,
) -> dict[str, Any]:
    """Queue a synthesis run for an event; refuse while another is running."""
    options = check_run_options(n_themes, embeddings, rounds, tables, by_question)
    options["frames"] = bool(frames)
    event_id = event["id"]

    def insert(db: Database) -> dict[str, Any]:
        for run in _all(
            db,
            "SELECT * FROM synthesis_runs WHERE event_id = ? AND status IN ('queued', 'running')",
            [event_id],
        ):
            if pid_alive(run["pid"]):
                raise Refused(
                    _(
                        "A synthesis run is already in progress for this event (started by "
                        "%(name)s at %(time)s). Wait for it to finish.",
                        name=run["created_by"],
                        time=run["created_at"][11:16],
                    ),
                    code="busy",
                )
            db.execute(
                "UPDATE synthesis_runs SET status = 'failed', message = ?, updated_at = ?, "
                "finished_at = ? WHERE id = ?",
                ["The synthesis process stopped before it finished.", now(), now(), run["id"]],
            )
        known_rounds = {
            r[0]
            for r in db.execute(
                "SELECT number FROM rounds WHERE event_id = ?", [event_id]
            ).fetchall()
        }
        known_tables = {
            r[0]
            for r in db.execute(
                "SELECT number FROM tables WHERE event_id = ?", [event_id]
            ).fetchall()
        }
        scope = options["scope"]
        if set(scope["rounds"]) - known_rounds or set(scope["tables"]) - known_tables:
            raise Refused(_("Unknown round or table."))
        excluded = {i for i, o in overrides(db, event_id).items() if o["excluded"]}
        if not [n for n in workspace_notes(db, event_id, scope) if n["id"] not in excluded]:
            raise Refused(_("There are no notes to theme yet."), code="empty")
        stamp = now()
        cursor = db.execute(
            "INSERT INTO synthesis_runs (event_id, status, progress, message, params_json, "
            "created_by, created_at, updated_at, pid) VALUES (?, 'queued', 0, ?, ?, ?, ?, ?, ?)",
            [
                event_id,
                "Waiting to start",
                json.dumps(options),
                actor,
                stamp,
                stamp,
                pid or os.getpid(),
            ],
        )
        return run_by_id(db, cursor.lastrowid)

    return get_writer().write(insert)


def do_run_progress(
    writer: Writer, run_id: int, progress: float, message: str, pid: int | None = None
) -> None:
    """Record a running job's progress (0..1) and what it is doing."""

    def update(db: Database) -> None:
        db.execute(
            "UPDATE synthesis_runs SET status = 'running', progress = ?, message = ?, "
            "updated_at = ?, pid = COALESCE(?, pid) WHERE id = ? AND status IN ('queued', "
            "'running')",
            [max(0.0, min(1.0, progress)), message[:200], now(), pid, run_id],
        )

    writer.write(update)


def do_fail_run(writer: Writer, run_id: int, reason: str) -> None:
    """Mark a run failed with a reason staff can read."""

    def update(db: Database) -> None:
        db.execute(
            "UPDATE synthesis_runs SET status = 'failed', message = ?, updated_at = ?, "
            "finished_at = ? WHERE id = ? AND status IN ('queued', 'running')",
            [reason[:500], now(), now(), run_id],
        )

    writer.write(update)


def do_cancel_run(event: dict[str, Any], actor: str, run_id: Any) -> dict[str, Any]:
    """Cancel a queued or running run: mark it cancelled, then stop its worker process.

    The themes from before the run stay as they were: a result that arrives after the cancel is
    refused by `do_apply_run`. A worker that another server process follows is stopped by that
    process's watchdog, which sees the cancel within a few seconds.
    """
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        raise Refused(_("There is no such run.")) from None

    def update(db: Database) -> dict[str, Any]:
        run = run_by_id(db, run_id)
        if run is None or run["event_id"] != event["id"]:
            raise Refused(_("There is no such run."))
        if run["status"] not in ACTIVE:
            raise Refused(_("This run has already finished."))
        stamp = now()
        db.execute(
            "UPDATE synthesis_runs SET status = 'failed', cancelled_by = ?, message = ?, "
            "updated_at = ?, finished_at = ? WHERE id = ?",
            [actor, "Cancelled", stamp, stamp, run_id],
        )
        return run_by_id(db, run_id)

    run = get_writer().write(update)
    stop_worker(run_id)
    LIVE_PROGRESS.pop(run_id, None)
    return run


def stop_worker(run_id: int) -> bool:
    """Kill the worker process (and anything it started) of a run this server follows."""
    process = PROCESSES.get(run_id)
    if process is None or process.poll() is not None:
        return False
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: see launch()
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    return True


def settle(writer: Writer, run: dict[str, Any] | None) -> None:
    """Record as failed a run the page found dead (its process gone), so the state is kept."""
    if run is None or run["status"] not in ACTIVE or run["id"] in LIVE_PROGRESS:
        return
    if not pid_alive(run["pid"]):
        do_fail_run(writer, run["id"], "The synthesis process stopped before it finished.")
