"""Run synthesis in a worker process: compute there, follow it here, apply its result.

The engine and the word clouds are CPU-heavy, and under gevent one slow call freezes every phone, so
the server runs them in a separate process (`python -m cafe synthesize --job ID`, niced, one BLAS
thread). The worker only reads the database: it sends progress and the result back as JSON lines on
its stdout pipe (note text never leaves the machine), and the server applies the result through its
single Writer, so the one-writer-per-process rule holds. `cafe synthesize EVENT` runs the same
steps in the foreground.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from cafe import socketio
from cafe.actions.synthesis.apply_run import do_apply_run
from cafe.actions.synthesis.compute import compute_run
from cafe.actions.synthesis.reads import ACTIVE, LIVE_PROGRESS
from cafe.actions.synthesis.runs import (
    HEARD,
    PROCESSES,
    Progress,
    do_fail_run,
    do_run_progress,
    stop_worker,
)
from cafe.db import Writer, connect
from cafe.offloop import off_loop

HEARTBEAT = 2.0  # seconds between a worker's "still here" lines


STALL = 90.0  # no line from a worker for this long: it is hung, and is stopped


NOTES_PER_TIMEOUT = 2000  # CAFE_SYNTHESIS_TIMEOUT is for this many notes; more get longer


# Test-only: seconds the worker pauses after each progress step, to make a deliberately slow run.
SLOW_ENV = "CAFE_TEST_SYNTHESIS_DELAY"


def run_timeout(base: float, n_notes: int) -> float:
    """Return the seconds a run over n_notes may take: `base` up to 2,000 notes, then in proportion."""
    return float(base) * max(1.0, n_notes / NOTES_PER_TIMEOUT)


def timeout_message(limit: float) -> str:
    """Say (in English, translated on the page) that a run took too long."""
    return f"The run took longer than {max(1, round(limit / 60))} minutes and was stopped."


def worker_main(run_id: int, db_path: str) -> int:
    """Compute a run in this process and write JSON lines to stdout; return the exit code.

    Besides progress, the worker says it is alive every HEARTBEAT seconds; when the server is gone
    (the pipe is closed) the worker stops at once, since nobody could use its result.
    """
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
    root = str(Path(__file__).resolve().parents[3])
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
