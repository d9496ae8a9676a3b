"""Run a language-model pass in its own process: `python -m cafe.llm.worker`.

A model on the CPU would freeze every phone under gevent, so the server starts this process
(niced, its own session so Cancel stops it at once), writes the job to its stdin as one JSON
object ({"config", "tasks", "notes"}) and reads JSON lines back: progress, then the result (every
sentence's record) or an error. Nothing leaves the machine but what the configured local model
is sent.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from cafe.llm.backends import LlmConfig, LlmUnavailable, open_chat
from cafe.llm.grounding import NoteFact
from cafe.llm.rewrite import run_pass
from cafe.llm.tasks import Task

# Test-only: seconds the worker pauses after each progress step, to make a deliberately slow pass.
SLOW_ENV = "CAFE_TEST_LLM_DELAY"


def job_json(config: LlmConfig, tasks: list[Task], notes: dict[int, NoteFact]) -> str:
    """Return the job a worker reads on its stdin."""
    return json.dumps({
        "config": config.to_json(),
        "tasks": [t.to_json() for t in tasks],
        "notes": [vars(n) for n in notes.values()],
    })


def compute(job: dict[str, Any], say) -> list[dict[str, Any]]:
    """Run a job, reporting progress through `say(progress=..., message=...)`."""
    import time

    delay = float(os.environ.get(SLOW_ENV) or 0)

    def progress(fraction: float, message: str) -> None:
        say(progress=round(fraction, 3), message=message)
        if delay:
            time.sleep(delay)

    config = LlmConfig(**job["config"])
    tasks = [Task.from_json(t) for t in job["tasks"]]
    notes = {int(n["id"]): NoteFact(**n) for n in job["notes"]}
    progress(0.02, "Loading the language model")
    chat = open_chat(config)
    return [s.to_json() for s in run_pass(tasks, chat, notes, progress)]


def main() -> int:
    """Read a job on stdin, write progress and the result as JSON lines on stdout."""
    def say(**fields: Any) -> None:
        try:
            sys.stdout.write(json.dumps(fields) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            os._exit(3)  # the server is gone: nobody can use the result

    try:
        os.nice(10)
    except (AttributeError, OSError):  # pragma: no cover - not on every platform
        pass
    try:
        job = json.loads(sys.stdin.read())
        sentences = compute(job, say)
    except LlmUnavailable as exc:
        say(error=str(exc)[:500])
        return 1
    except Exception as exc:  # noqa: BLE001 - reported to staff as the pass's failure
        say(error=f"{type(exc).__name__}: {exc}"[:500])
        return 1
    say(result=sentences)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a process
    raise SystemExit(main())
