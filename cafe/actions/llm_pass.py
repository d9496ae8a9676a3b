"""The language-model pass over a briefing draft: started by staff, run in a worker process
(`cafe.llm.worker`), followed here with progress and Cancel; the sentences that pass the grounding
check go into the draft as a new version, and every sentence's record is kept with the draft.

Optional: with no CAFE_LLM_URL or CAFE_LLM_GGUF the pass is simply not offered. A pass is followed
by the server process that started it (with several `cafe serve` workers, the page that started
it may ask another one and see no pass: the result still lands in the draft).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlite_utils import Database

from cafe import socketio
from cafe.actions.briefing import _add_version, regenerated, title_of
from cafe.actions.common import Refused, now
from cafe.briefing.source import EventSource
from cafe.db import Writer
from cafe.llm.backends import LlmConfig, problem
from cafe.llm.rewrite import GENERATED, Sentence, apply_to_markdown
from cafe.llm.tasks import make_tasks, note_facts
from cafe.llm.worker import job_json
from cafe.synthesis.types import SynthesisResult

ACTIVE = ("starting", "running")
# Draft id -> the pass this server process follows (status, progress, message, who, process).
PASSES: dict[int, dict[str, Any]] = {}


def llm_config(config: dict[str, Any]) -> LlmConfig:
    """Return the language-model settings of an app's config."""
    return LlmConfig.from_config(config)


def llm_ready(app_config: dict[str, Any]) -> LlmConfig:
    """Return the language-model settings, or refuse: none set up, or one that may not be used."""
    config = llm_config(app_config)
    if not config.enabled:
        raise Refused(_("No local language model is set up (CAFE_LLM_URL or CAFE_LLM_GGUF). "
                        "Café works without one."), "off")
    why = problem(config)
    if why:
        raise Refused(why, "unavailable")
    return config


def pass_state(draft_id: int) -> dict[str, Any] | None:
    """Return what the page shows of a draft's pass (no process object)."""
    state = PASSES.get(draft_id)
    if state is None:
        return None
    return {k: v for k, v in state.items() if k != "process"}


def do_start_llm_pass(app, event: dict[str, Any], draft: dict[str, Any], source: EventSource,
                      result: SynthesisResult, user: str | None) -> dict[str, Any]:
    """Start the language-model pass over a draft; refuse when none is set up or one runs."""
    config = llm_ready(app.config)
    running = PASSES.get(draft["id"])
    if running is not None and running["status"] in ACTIVE:
        raise Refused(_("The language model is already working on this draft (started by "
                        "%(name)s). Wait for it or cancel it.", name=running["by"] or "?"), "busy")
    briefing, _text = regenerated(source, result, draft)
    tasks = make_tasks(source.with_themes(result), result, briefing)
    if not tasks:
        raise Refused(_("There is nothing for the language model to reword in this draft."),
                      "empty")
    job = job_json(config, tasks, note_facts(source))
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "cafe.llm.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env(), text=True,
            start_new_session=True)
    except OSError as exc:
        raise Refused(_("Could not start the language model: %(why)s", why=str(exc))) from None
    state = {"status": "starting", "progress": 0.01, "message": "Starting", "by": user,
             "started_at": now(), "tasks": len(tasks), "error": "", "done": None,
             "process": process}
    PASSES[draft["id"]] = state
    writer: Writer = app.extensions["cafe.writer"]
    socketio.start_background_task(_follow, writer, event["id"], draft["id"], process, job, user)
    socketio.start_background_task(_watch, draft["id"], process, config.timeout)
    return pass_state(draft["id"])


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else ""),
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _follow(writer: Writer, event_id: int, draft_id: int, process: subprocess.Popen, job: str,
            user: str | None) -> None:
    """Send the job, follow the worker's lines, and apply its result to the draft."""
    state = PASSES[draft_id]
    error = ""
    try:
        process.stdin.write(job)
        process.stdin.close()
        for raw in process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if "progress" in line and state["status"] in ACTIVE:
                state.update(status="running", progress=float(line["progress"]),
                             message=str(line.get("message", ""))[:200])
            elif "error" in line:
                error = str(line["error"])[:500]
            elif "result" in line and state["status"] in ACTIVE:
                sentences = [Sentence(**s) for s in line["result"]]
                state.update(progress=0.98, message="Putting the checked sentences in the draft")
                state["done"] = do_apply_llm_pass(writer, event_id, draft_id, sentences, user)
                state.update(status="done", progress=1.0, message="Done")
        process.wait()
    except (OSError, ValueError) as exc:  # a cancelled worker's pipes close under us
        error = error or f"{type(exc).__name__}: {exc}"
    except Refused as exc:
        error = str(exc.message)
    if state["status"] in ACTIVE:
        state.update(status="failed", error=error or (
            f"The language-model process stopped (exit code {process.returncode})."))


def _watch(draft_id: int, process: subprocess.Popen, limit: float) -> None:
    """Stop a worker that runs past its time limit."""
    started = time.monotonic()
    while process.poll() is None:
        socketio.sleep(0.5)
        if time.monotonic() - started > limit:
            state = PASSES.get(draft_id)
            if state is not None and state["status"] in ACTIVE:
                state.update(status="failed", error=(
                    f"The language model took longer than {max(1, round(limit / 60))} minutes "
                    "and was stopped."))
            _kill(process)
            return


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: see do_start_llm_pass
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def do_cancel_llm_pass(draft_id: int, user: str | None) -> dict[str, Any]:
    """Cancel a draft's pass: stop its worker; the draft stays as it was."""
    state = PASSES.get(draft_id)
    if state is None or state["status"] not in ACTIVE:
        raise Refused(_("The language model is not working on this draft."), "not_running")
    state.update(status="cancelled", message="Cancelled", cancelled_by=user)
    _kill(state["process"])
    return pass_state(draft_id)


def do_apply_llm_pass(writer: Writer, event_id: int, draft_id: int, sentences: list[Sentence],
                      user: str | None) -> dict[str, Any]:
    """Put the accepted sentences into the draft as a new version and keep every record."""

    def apply(db: Database) -> dict[str, Any]:
        row = db.execute("SELECT * FROM briefing_drafts WHERE id = ? AND event_id = ?",
                         [draft_id, event_id]).fetchone()
        if row is None:
            raise Refused("The draft was deleted while the language model worked.", "not_found")
        draft = dict(row)
        text, missed = apply_to_markdown(draft["markdown"], sentences)
        stamp = now()
        snap = json.loads(draft["source_json"] or "{}")
        summary = {
            "generated": sum(s.status == GENERATED and s.kind != "gloss" for s in sentences),
            "fallback": sum(s.status != GENERATED and s.kind != "gloss" for s in sentences),
            "glosses": sum(s.status == GENERATED and s.kind == "gloss" for s in sentences),
            "not_placed": len(missed),
        }
        snap["llm"] = {"at": stamp, "by": user, "summary": summary,
                       "sentences": [s.to_json() for s in sentences],
                       "placed": [s.text for s in sentences if s.status == GENERATED
                                  and s not in missed and s.kind != "gloss"]}
        version, revision = None, draft["revision"]
        if text != draft["markdown"]:
            version = _add_version(db, event_id, draft_id, text, "regenerated", user, stamp)
            revision += 1
        db.execute("UPDATE briefing_drafts SET markdown = ?, source_json = ?, title = ?, "
                   "revision = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                   [text, json.dumps(snap), title_of(text, draft["title"]), revision, stamp,
                    user, draft_id])
        return {**summary, "version": version, "revision": revision}

    return writer.write(apply)


def last_pass(draft: dict[str, Any]) -> dict[str, Any] | None:
    """Return the records of a draft's last finished pass (kept with the draft)."""
    return json.loads(draft.get("source_json") or "{}").get("llm")
