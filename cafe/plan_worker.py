"""Plan a round in a child process: `python -m cafe.plan_worker` reads plan inputs as JSON on stdin.

Planning a café of thousands takes a second or two of pure Python. In the server's process, even on
a native thread, it holds the GIL that the event loop needs to ack phones' notes (at 5,000 phones
the acks sent at a round change waited 2 s). A child process plans on the other core instead.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TIMEOUT_S = 300.0


def encode(inputs: dict[str, Any]) -> str:
    """Plan inputs as JSON (whose object keys would be strings: integer maps go as pairs)."""
    return json.dumps(
        {
            "numbers": inputs["numbers"],
            "present": inputs["present"],
            "history": [sorted(seating.items()) for seating in inputs["history"]],
            "hosts": sorted(inputs["hosts"].items()),
            "fixed": sorted(inputs["fixed"].items()),
            "seed": inputs["seed"],
        }
    )


def decode(text: str) -> dict[str, Any]:
    """The inverse of `encode`."""
    raw = json.loads(text)
    return {
        "numbers": raw["numbers"],
        "present": raw["present"],
        "history": [{int(p): int(t) for p, t in seating} for seating in raw["history"]],
        "hosts": {int(t): int(p) for t, p in raw["hosts"]},
        "fixed": {int(p): int(t) for p, t in raw["fixed"]},
        "seed": raw["seed"],
    }


def plan_in_child(inputs: dict[str, Any]) -> dict[int, int] | None:
    """Plan in a child process; None if it could not (the caller then plans in-process)."""
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cafe.plan_worker"],
            input=encode(inputs),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("planning in a child process failed (%s); planning here", exc)
        return None
    if done.returncode != 0:
        log.warning("planning in a child process failed: %s", done.stderr[-2000:])
        return None
    return {int(p): int(t) for p, t in json.loads(done.stdout)}


def compute_plan(inputs: dict[str, Any]) -> dict[int, int]:
    """Plan a round from `plan_inputs`; return participant -> table number."""
    from cafe.seating import plan_next_round

    numbers = inputs["numbers"]
    seat = plan_next_round(
        len(numbers),
        inputs["present"],
        inputs["history"],
        inputs["hosts"],
        inputs["fixed"],
        seed=inputs["seed"],
    )
    return {pid: numbers[t] for pid, t in seat.items()}


def main() -> int:
    plan = compute_plan(decode(sys.stdin.read()))
    sys.stdout.write(json.dumps(sorted(plan.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
