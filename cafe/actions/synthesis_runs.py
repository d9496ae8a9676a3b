"""Synthesis runs as background jobs: start, compute in a worker process, apply, fail.

The engine and the word clouds are CPU-heavy, and under gevent one slow call freezes every phone, so
the server runs them in a separate process (`python -m cafe synthesize --job ID`, niced, one BLAS
thread). The worker only reads the database: it sends progress and the result back as JSON lines on
its stdout pipe (note text never leaves the machine), and the server applies the result through its
single Writer, so the one-writer-per-process rule holds. `cafe synthesize EVENT` runs the same
steps in the foreground.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _
from sqlite_utils import Database

from cafe.actions.common import Refused, now
from cafe.actions.synthesis import (
    ACTIVE,
    LIVE_PROGRESS,
    _all,
    _audit,
    _names,
    _snapshot,
    memberships,
    note_input,
    off_loop,
    overrides,
    pid_alive,
    run_by_id,
    store_cloud,
    workspace_notes,
)
from cafe.db import Writer, get_writer
from cafe.held import is_held
from cafe.safety import redact

Progress = Callable[[float, str], None]
MAX_THEMES = 60
HEARTBEAT = 2.0  # seconds between a worker's "still here" lines
STALL = 90.0  # no line from a worker for this long: it is hung, and is stopped
NOTES_PER_TIMEOUT = 2000  # CAFE_SYNTHESIS_TIMEOUT is for this many notes; more get longer
# Test-only: seconds the worker pauses after each progress step, to make a deliberately slow run.
SLOW_ENV = "CAFE_TEST_SYNTHESIS_DELAY"

# The worker processes this server follows, and when each last said anything.
PROCESSES: dict[int, subprocess.Popen] = {}
HEARD: dict[int, float] = {}


def run_timeout(base: float, n_notes: int) -> float:
    """Return the seconds a run over n_notes may take: `base` up to 2,000 notes, then in proportion."""
    return float(base) * max(1.0, n_notes / NOTES_PER_TIMEOUT)


def timeout_message(limit: float) -> str:
    """Say (in English, translated on the page) that a run took too long."""
    return f"The run took longer than {max(1, round(limit / 60))} minutes and was stopped."


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
    n_themes: Any = None, embeddings: Any = False, rounds: Any = (), tables: Any = ()
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
            raise Refused(
                _("The number of themes must be between 1 and %(max)s.", max=MAX_THEMES)
            )
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
) -> dict[str, Any]:
    """Queue a synthesis run for an event; refuse while another is running."""
    options = check_run_options(n_themes, embeddings, rounds, tables)
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


# ---- the computation (read-only; runs in the worker process or the CLI) -------------------------


def compute_run(db: Database, run_id: int, progress: Progress) -> dict[str, Any]:
    """Theme a run's notes and draw the clouds; return a JSON-ready result (no database writes)."""
    from cafe.synthesis import Frame, SynthesisPipeline
    from cafe.synthesis.clouds import render_cloud
    from cafe.synthesis.frames import frame_texts

    run = run_by_id(db, run_id)
    if run is None:
        raise RuntimeError(f"There is no synthesis run {run_id}.")
    options = json.loads(run["params_json"])
    event = db.execute("SELECT * FROM events WHERE id = ?", [run["event_id"]]).fetchone()
    event = dict(event)
    marks = overrides(db, event["id"])
    locked = {
        r[0]
        for r in db.execute(
            "SELECT n.note_id FROM theme_notes n JOIN themes t ON t.id = n.theme_id "
            "WHERE t.event_id = ? AND t.active = 1 AND t.locked = 1",
            [event["id"]],
        ).fetchall()
    }
    notes = [
        note_input(n)
        for n in workspace_notes(db, event["id"], options["scope"])
        if n["id"] not in locked and not marks.get(n["id"], {}).get("excluded")
    ]
    frames = []
    if options.get("frames", True):
        frames = [
            Frame(r[0], json.loads(r[1]))
            for r in db.execute(
                "SELECT name, seeds_json FROM frames WHERE event_id = ? ORDER BY id", [event["id"]]
            ).fetchall()
        ]
    names = _names(event)
    pipeline = SynthesisPipeline(
        n_themes=options.get("n_themes"),
        frames=frames,
        vectorizer="embeddings" if options.get("embeddings") else "tfidf",
        redact=lambda text: redact(text, names),
    )
    key, stored, stored_frames, seeds = None, {}, {}, set()
    if options.get("embeddings") and len(notes) >= 2:
        from cafe.synthesis import embeddings as emb

        # Notes embedded by an earlier run are not encoded again (MiniLM is most of the time).
        key = emb.model_key()
        stored = stored_embeddings(db, key, [n.id for n in notes])
        emb.preload(key, {n.text: stored[n.id] for n in notes if n.id in stored})
        seeds = {t for f in frames for t in frame_texts(f)}
        stored_frames = {
            text: vector
            for text, vector in stored_frame_embeddings(db, event["id"], key).items()
            if text in seeds
        }
        emb.preload(key, stored_frames)
    if len(notes) >= 2:
        result = pipeline.run(notes, lambda f, m: progress(0.05 + 0.75 * f, m))
        themes, unthemed, params = result.themes, result.unthemed, result.params
    else:
        themes, unthemed, params = [], [n.id for n in notes], {"n_notes": len(notes)}
    out = []
    for i, theme in enumerate(themes):
        progress(0.8 + 0.15 * i / max(1, len(themes)), "Drawing word clouds")
        png = render_cloud(theme.word_weights, seed=i) if theme.word_weights else None
        out.append(
            {
                "key": theme.key,
                "label": theme.label,
                "key_phrases": theme.key_phrases,
                "note_ids": theme.note_ids,
                "representative_ids": theme.representative_ids,
                "frame": theme.frame,
                "word_weights": theme.word_weights,
                "png": base64.b64encode(png).decode() if png else None,
            }
        )
    params.update(vectorizer="embeddings" if options.get("embeddings") else "tfidf")
    payload = {"themes": out, "unthemed": unthemed, "params": params}
    if key is not None:
        payload["embeddings"] = new_embeddings(
            key, [n for n in notes if n.id not in stored], seeds - set(stored_frames)
        )
    return payload


def _rows_for_ids(db: Database, sql: str, params: list, ids: list[int]) -> list[tuple]:
    """Run `sql`, whose last condition is `IN ({ids})`, for `ids` 500 at a time; return all rows."""
    rows: list[tuple] = []
    for at in range(0, len(ids), 500):
        part = ids[at : at + 500]
        rows += db.execute(sql.format(ids=",".join("?" * len(part))), [*params, *part]).fetchall()
    return rows


def stored_embeddings(db: Database, key: str, note_ids: list[int]) -> dict[int, Any]:
    """Return the kept embeddings by model `key` of those notes that have one (by note id)."""
    import numpy as np

    sql = "SELECT note_id, vector FROM note_embeddings WHERE model = ? AND note_id IN ({ids})"
    return {
        note_id: np.frombuffer(vector, dtype=np.float32)
        for note_id, vector in _rows_for_ids(db, sql, [key], note_ids)
    }


def stored_frame_embeddings(db: Database, event_id: int, key: str) -> dict[str, Any]:
    """Return the kept embeddings by model `key` of the event's frame names and seed phrases."""
    import numpy as np

    return {
        text: np.frombuffer(vector, dtype=np.float32)
        for text, vector in db.execute(
            "SELECT text, vector FROM frame_embeddings WHERE event_id = ? AND model = ?",
            [event_id, key],
        ).fetchall()
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_embeddings(key: str, notes: list, phrases: set[str] = frozenset()) -> dict[str, Any]:
    """Return the embeddings this run computed, for the server to keep: each note's with a digest
    of the text it came from, so one whose note changed meanwhile is not kept; and the frames'."""
    from cafe.synthesis import embeddings as emb

    vectors = emb.cached(key, [n.text for n in notes] + sorted(phrases))

    def b64(text: str) -> str:
        return base64.b64encode(vectors[text].tobytes()).decode()

    return {
        "model": key,
        "notes": [[n.id, _digest(n.text), b64(n.text)] for n in notes if n.text in vectors],
        "frames": [[t, b64(t)] for t in sorted(phrases) if t in vectors],
    }


def _workspace_texts(db: Database, event_id: int, note_ids: list[int]) -> dict[int, str]:
    """Return the text of each of those notes that is still in the workspace (saved, no
    disclosure), as `workspace_notes` would give it."""
    sql = "SELECT id, text, flags_json FROM notes WHERE event_id = ? AND status = 'saved' " \
        "AND id IN ({ids})"
    return {
        note_id: text
        for note_id, text, flags in _rows_for_ids(db, sql, [event_id], note_ids)
        if not is_held(flags)
    }


def keep_frame_embeddings(db: Database, event_id: int, model: str, frames: list) -> None:
    """Store a run's new embeddings of frame phrases; drop those no frame uses any more."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO frame_embeddings (event_id, model, text, vector) "
        "VALUES (?, ?, ?, ?)",
        [(event_id, model, t, base64.b64decode(v)) for t, v in frames],
    )
    db.execute(
        "DELETE FROM frame_embeddings WHERE event_id = ? AND text NOT IN ("
        "SELECT f.name FROM frames f WHERE f.event_id = ? UNION "
        "SELECT j.value FROM frames f, json_each(f.seeds_json) j WHERE f.event_id = ?)",
        [event_id, event_id, event_id],
    )


def keep_note_embeddings(db: Database, event_id: int, model: str, notes: list) -> int:
    """Store a run's new embeddings of notes still in the workspace with the same text."""
    current = _workspace_texts(db, event_id, [n[0] for n in notes])
    rows = [
        (note_id, event_id, model, base64.b64decode(vector))
        for note_id, digest, vector in notes
        if note_id in current and _digest(current[note_id]) == digest
    ]
    db.conn.executemany(
        "INSERT OR REPLACE INTO note_embeddings (note_id, event_id, model, vector) "
        "VALUES (?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _overlap_map(old: dict[int, set], new: list[set]) -> dict[int, int]:
    """Map each old theme to the index of the new theme sharing most of its notes."""
    mapping = {}
    for theme_id, members in old.items():
        shared = [(len(members & n), -i) for i, n in enumerate(new)]
        best = max(shared, default=(0, 0))
        if best[0] > 0:
            mapping[theme_id] = -best[1]
    return mapping


NAME_OVERLAP = 0.5


def match_names(old: dict[int, set], new: dict[int, set]) -> list[tuple[int, int, float]]:
    """Pair old themes with new ones one-to-one, best overlap first: (old, new, Jaccard).

    Only pairs whose Jaccard overlap of note ids is at least NAME_OVERLAP count, so a name goes
    only to a theme that is clearly the same group of notes.
    """
    pairs = []
    for o, a in old.items():
        for n, b in new.items():
            union = len(a | b)
            score = len(a & b) / union if union else 0.0
            if score >= NAME_OVERLAP:
                pairs.append((-score, o, n))
    taken_old, taken_new, out = set(), set(), []
    for score, o, n in sorted(pairs):
        if o in taken_old or n in taken_new:
            continue
        taken_old.add(o)
        taken_new.add(n)
        out.append((o, n, -score))
    return out


def _keep_names(
    db: Database, event_id: int, named: dict[int, str], members: dict[int, set], new_ids: list
) -> list[dict[str, Any]]:
    """Carry staff-given names of replaced themes onto their clear successors; say which."""
    new: dict[int, set] = {i: set() for i in new_ids if i is not None}
    for note, theme in db.execute(
        "SELECT note_id, theme_id FROM theme_notes WHERE event_id = ?", [event_id]
    ).fetchall():
        if theme in new:
            new[theme].add(note)
    kept = []
    for old_id, new_id, score in match_names(members, new):
        db.execute(
            "UPDATE themes SET label = ?, named = 1, name_from = ? WHERE id = ?",
            [named[old_id], old_id, new_id],
        )
        kept.append(
            {"from": old_id, "to": new_id, "label": named[old_id], "overlap": round(score, 3)}
        )
    return kept


def do_apply_run(writer: Writer, run_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace the unlocked themes with a run's themes, keeping locks, exclusions and moves."""

    def apply(db: Database) -> dict[str, Any]:
        run = run_by_id(db, run_id)
        if run is None or run["status"] not in ACTIVE:
            raise Refused(_("This run was stopped."))
        event_id = run["event_id"]
        before = _snapshot(db, event_id)
        marks = overrides(db, event_id)
        member_of = memberships(db, event_id)
        alive = {n["id"] for n in workspace_notes(db, event_id)}
        themes = db.execute(
            "SELECT id, locked, position, named, label FROM themes "
            "WHERE event_id = ? AND active = 1",
            [event_id],
        ).fetchall()
        locked_ids = {t[0] for t in themes if t[1]}
        kept = {n for n, t in member_of.items() if t in locked_ids}
        excluded = {n for n, o in marks.items() if o["excluded"]}
        moved = {n: member_of.get(n) for n, o in marks.items() if o["moved"]}
        old: dict[int, set] = {}
        for n, t in member_of.items():
            if t not in locked_ids and n not in moved:
                old.setdefault(t, set()).add(n)
        unlocked = [t[0] for t in themes if not t[1]]
        named = {t[0]: t[4] for t in themes if not t[1] and t[3]}
        named_members: dict[int, set] = {t: set() for t in named}
        for n, t in member_of.items():
            if t in named_members and n not in excluded:
                named_members[t].add(n)
        db.execute(
            "DELETE FROM theme_notes WHERE theme_id IN (SELECT value FROM json_each(?))",
            [json.dumps(unlocked)],
        )
        db.execute(
            "UPDATE themes SET active = 0 WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(unlocked)],
        )
        position = max((t[2] for t in themes if t[1]), default=-1) + 1
        new_sets = [set(t["note_ids"]) & alive - kept - excluded for t in payload["themes"]]
        mapping = _overlap_map(old, new_sets)
        new_ids: list[int | None] = []
        for theme, members in zip(payload["themes"], new_sets, strict=True):
            members -= {
                n
                for n, target in moved.items()
                if target in mapping or target is None or target in locked_ids
            }
            if not members:
                new_ids.append(None)
                continue
            png = base64.b64decode(theme["png"]) if theme["png"] else None
            cursor = db.execute(
                "INSERT INTO themes (event_id, run_id, key, label, key_phrases_json, frame, "
                "word_weights_json, representatives_json, cloud_digest, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event_id,
                    run_id,
                    theme["key"],
                    theme["label"],
                    json.dumps(theme["key_phrases"]),
                    theme["frame"],
                    json.dumps(theme["word_weights"]),
                    json.dumps(theme["representative_ids"]),
                    store_cloud(db, event_id, png),
                    position,
                ],
            )
            position += 1
            new_ids.append(cursor.lastrowid)
            db.conn.executemany(
                "INSERT OR REPLACE INTO theme_notes (note_id, theme_id, event_id) VALUES (?, ?, ?)",
                [(n, cursor.lastrowid, event_id) for n in sorted(members)],
            )
        for note, target in moved.items():
            if target is None or target in locked_ids or note not in alive:
                continue
            index = mapping.get(target)
            if index is not None and new_ids[index] is not None:
                db.execute(
                    "INSERT OR REPLACE INTO theme_notes (note_id, theme_id, event_id) "
                    "VALUES (?, ?, ?)",
                    [note, new_ids[index], event_id],
                )
            else:
                # Its theme has no successor: the note goes where the engine put it.
                db.execute("UPDATE note_overrides SET moved = 0 WHERE note_id = ?", [note])
        kept_names = _keep_names(db, event_id, named, named_members, new_ids)
        made = sum(1 for i in new_ids if i is not None)
        message = f"Found {made} themes" + (
            f"; kept {len(locked_ids)} locked" if locked_ids else ""
        )
        stamp = now()
        db.execute(
            "UPDATE synthesis_runs SET status = 'done', progress = 1, message = ?, "
            "result_params_json = ?, updated_at = ?, finished_at = ? WHERE id = ?",
            [message, json.dumps(payload["params"]), stamp, stamp, run_id],
        )
        after = _snapshot(db, event_id)
        detail = {
            "run": run_id,
            "themes": made,
            "locked_kept": len(locked_ids),
            "unthemed": len(payload["unthemed"]),
            "names_kept": kept_names,
        }
        detail["audit_id"] = _audit(db, event_id, run["created_by"], "run", detail, before, after)
        return event_id, detail

    event_id, detail = writer.write(apply)
    # The embeddings are only a cache: they go in after the themes, in parts of EMBEDDINGS_PER_WRITE
    # (each its own short write), so phones' notes never wait long behind them.
    embeddings = payload.get("embeddings")
    if embeddings:
        model, notes = embeddings["model"], embeddings["notes"]
        writer.write(
            functools.partial(keep_frame_embeddings, event_id=event_id, model=model,
                              frames=embeddings["frames"])
        )
        for at in range(0, len(notes), EMBEDDINGS_PER_WRITE):
            writer.write(
                functools.partial(keep_note_embeddings, event_id=event_id, model=model,
                                  notes=notes[at : at + EMBEDDINGS_PER_WRITE])
            )
    return detail


EMBEDDINGS_PER_WRITE = 1000


# ---- the worker process and the server side of it -----------------------------------------------


def worker_main(run_id: int, db_path: str) -> int:
    """Compute a run in this process and write JSON lines to stdout; return the exit code.

    Besides progress, the worker says it is alive every HEARTBEAT seconds; when the server is gone
    (the pipe is closed) the worker stops at once, since nobody could use its result.
    """
    from cafe.db import connect

    lock = threading.Lock()

    def say(**fields: Any) -> None:
        line = json.dumps(fields) + "\n"
        with lock:
            try:
                sys.stdout.write(line)
                sys.stdout.flush()
            except (OSError, ValueError):
                os._exit(3)

    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT):
            say(heartbeat=True)

    threading.Thread(target=beat, name="heartbeat", daemon=True).start()
    delay = float(os.environ.get(SLOW_ENV) or 0)

    def progress(fraction: float, message: str) -> None:
        say(progress=fraction, message=message)
        if delay:
            time.sleep(delay)

    try:
        os.nice(10)
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        pass
    try:
        db = connect(db_path)
        db.execute("PRAGMA query_only=ON")
        payload = compute_run(db, run_id, progress)
    except Exception as exc:  # noqa: BLE001 - reported to staff as the run's failure
        say(error=f"{type(exc).__name__}: {exc}"[:500])
        return 1
    finally:
        done.set()
    say(result=payload)
    return 0


def _worker_env(db_path: str) -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "CAFE_DB": db_path,
        "PYTHONPATH": root + (os.pathsep + path if path else ""),
        # One BLAS thread: the worker must leave a core for the live server.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def pump(writer: Writer, run_id: int, lines, wait: Callable[[], int]) -> None:
    """Follow a worker's output: record progress, apply the result, or record the failure."""
    error = None
    try:
        for raw in lines:
            try:
                # The result line holds every theme and its cloud (megabytes): parse it off
                # the loop.
                line = off_loop(json.loads, raw) if len(raw) > 65536 else json.loads(raw)
            except ValueError:
                continue
            HEARD[run_id] = time.monotonic()
            if "progress" in line:
                LIVE_PROGRESS[run_id] = (float(line["progress"]), str(line["message"])[:200])
            elif "error" in line:
                error = str(line["error"])
            elif "result" in line:
                LIVE_PROGRESS[run_id] = (0.97, "Saving themes")
                do_apply_run(writer, run_id, line["result"])
                wait()
                return
        code = wait()
        # A run cancelled or timed out is already marked; this only records an unexpected end.
        do_fail_run(
            writer,
            run_id,
            error
            or (
                f"The synthesis process was killed (signal {-code})."
                if code < 0
                else f"The synthesis process stopped (exit code {code})."
            ),
        )
    except Exception as exc:  # noqa: BLE001 - the run must end in a state staff can see
        do_fail_run(writer, run_id, f"Could not save the themes: {type(exc).__name__}: {exc}")
    finally:
        LIVE_PROGRESS.pop(run_id, None)
        PROCESSES.pop(run_id, None)
        HEARD.pop(run_id, None)


def watch(
    writer: Writer,
    run_id: int,
    process: subprocess.Popen,
    limit: float,
    still_active: Callable[[], bool],
    sleep: Callable[[float], Any],
) -> None:
    """Stop a worker that runs past its time limit, stops talking, or whose run was cancelled."""
    started = time.monotonic()
    checked = started
    while process.poll() is None:
        sleep(0.25)
        clock = time.monotonic()
        reason = None
        if clock - started > limit:
            reason = timeout_message(limit)
        elif clock - HEARD.get(run_id, started) > max(STALL, 3 * HEARTBEAT):
            reason = "The synthesis process stopped responding and was stopped."
        elif clock - checked > 2:
            checked = clock
            try:
                if not still_active():  # cancelled from another server process
                    stop_worker(run_id)
                    return
            except Exception:  # noqa: BLE001 - a busy database: look again next time
                pass
        if reason:
            do_fail_run(writer, run_id, reason)
            stop_worker(run_id)
            return


def launch(app, run_id: int) -> None:
    """Start the worker process for a queued run and follow it in the background."""
    from cafe import socketio

    writer: Writer = app.extensions["cafe.writer"]
    db_path = app.config["CAFE_DATABASE"]
    readers = app.extensions["cafe.readers"]
    with readers.connection() as db:
        # The time limit grows with the notes (all the event's, an upper bound on the run's).
        n_notes = db.execute(
            "SELECT COUNT(*) FROM notes WHERE status = 'saved' AND event_id = "
            "(SELECT event_id FROM synthesis_runs WHERE id = ?)",
            [run_id],
        ).fetchone()[0]
    limit = run_timeout(app.config.get("CAFE_SYNTHESIS_TIMEOUT", 600.0), n_notes)
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "cafe", "synthesize", "--job", str(run_id)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,
            env=_worker_env(db_path),
            text=True,
            # Its own process group, so Cancel stops it and anything it started, and a Ctrl-C
            # meant for the server does not reach it (it stops by itself when the server's pipe
            # closes).
            start_new_session=True,
        )
    except OSError as exc:
        do_fail_run(writer, run_id, f"Could not start the synthesis process: {exc}")
        return
    PROCESSES[run_id] = process
    HEARD[run_id] = time.monotonic()
    LIVE_PROGRESS[run_id] = (0.01, "Starting")
    do_run_progress(writer, run_id, 0.01, "Starting", pid=process.pid)

    def still_active() -> bool:
        with readers.connection() as db:
            row = db.execute("SELECT status FROM synthesis_runs WHERE id = ?", [run_id]).fetchone()
        return row is not None and row[0] in ACTIVE

    socketio.start_background_task(pump, writer, run_id, process.stdout, process.wait)
    socketio.start_background_task(
        watch, writer, run_id, process, limit, still_active, socketio.sleep
    )


def run_foreground(writer: Writer, db: Database, run_id: int, progress: Progress) -> dict:
    """Compute and apply a run in this process (the `cafe synthesize` command)."""
    do_run_progress(writer, run_id, 0.01, "Starting")
    try:
        payload = compute_run(db, run_id, progress)
    except Exception as exc:
        do_fail_run(writer, run_id, f"{type(exc).__name__}: {exc}")
        raise
    progress(0.97, "Saving themes")
    detail = do_apply_run(writer, run_id, payload)
    progress(1.0, "Done")
    return detail
