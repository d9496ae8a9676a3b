"""The round and timer state machine: pure functions from a Clock to the next Clock.

lobby -> running (round n) <-> paused -> ended (travellers move) -> running (round n+1) ... ->
harvest -> closed. The server owns the clock: phones get `started_at`, `duration`, `paused_at` and
`paused_total` with the server's time and count down locally, so nothing is broadcast every second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

PHASES = ("lobby", "running", "paused", "ended", "harvest", "closed")
MAX_EXTEND_MINUTES = 60


class RoundError(ValueError):
    """A transition the current phase does not allow; the message says why."""


@dataclass(frozen=True)
class Clock:
    """Where an event is: its phase, its round, and the round's timer (times in ms since the epoch)."""

    phase: str = "lobby"
    round: int = 1
    rounds: int = 1
    started_at: float | None = None
    duration: float = 0.0  # seconds, including extensions
    paused_at: float | None = None
    paused_total: float = 0.0  # seconds spent paused

    def elapsed(self, now: float) -> float:
        """Return the seconds the round has run, not counting pauses."""
        if self.started_at is None:
            return 0.0
        until = self.paused_at if self.paused_at is not None else now
        return max(0.0, (until - self.started_at) / 1000 - self.paused_total)

    def remaining(self, now: float) -> float:
        """Return the seconds left in the round (negative once overrun)."""
        if self.started_at is None:
            return 0.0
        return self.duration - self.elapsed(now)

    def to_dict(self) -> dict[str, Any]:
        """Return the clock as JSON-ready data."""
        return asdict(self)


def _refuse(clock: Clock, action: str) -> RoundError:
    where = {
        "lobby": "the café has not started yet",
        "running": f"round {clock.round} is running",
        "paused": f"round {clock.round} is paused",
        "ended": f"round {clock.round} has ended",
        "harvest": "the harvest has started",
        "closed": "the café is closed",
    }[clock.phase]
    return RoundError(f"Cannot {action}: {where}.")


def start_round(clock: Clock, round_no: int | None, minutes: int, now: float) -> Clock:
    """Start a round (the next one by default; an earlier one to go back)."""
    if clock.phase not in ("lobby", "ended", "harvest"):
        raise _refuse(clock, "start a round")
    if round_no is None:
        round_no = clock.round if clock.phase == "lobby" else clock.round + 1
    if not 1 <= round_no <= clock.rounds:
        if round_no > clock.rounds and clock.phase == "ended":
            raise RoundError("That was the last round: start the harvest instead.")
        raise RoundError(f"There is no round {round_no}; rounds are 1 to {clock.rounds}.")
    return replace(
        clock,
        phase="running",
        round=round_no,
        started_at=now,
        duration=minutes * 60.0,
        paused_at=None,
        paused_total=0.0,
    )


def pause_round(clock: Clock, now: float) -> Clock:
    """Stop the clock."""
    if clock.phase != "running":
        raise _refuse(clock, "pause")
    return replace(clock, phase="paused", paused_at=now)


def resume_round(clock: Clock, now: float) -> Clock:
    """Start the clock again from where it stopped."""
    if clock.phase != "paused" or clock.paused_at is None:
        raise _refuse(clock, "resume")
    paused = max(0.0, (now - clock.paused_at) / 1000)
    return replace(clock, phase="running", paused_at=None, paused_total=clock.paused_total + paused)


def extend_round(clock: Clock, minutes: int) -> Clock:
    """Give the round more time."""
    if clock.phase not in ("running", "paused"):
        raise _refuse(clock, "extend the round")
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= MAX_EXTEND_MINUTES
    ):
        raise RoundError(f"Extend by 1 to {MAX_EXTEND_MINUTES} minutes.")
    return replace(clock, duration=clock.duration + minutes * 60.0)


def end_round(clock: Clock, now: float) -> Clock:
    """End the round now (early or on time); travellers move."""
    if clock.phase not in ("running", "paused"):
        raise _refuse(clock, "end the round")
    stopped = clock.paused_at if clock.paused_at is not None else now
    return replace(clock, phase="ended", paused_at=stopped)


def start_harvest(clock: Clock) -> Clock:
    """Move to the harvest once a round has ended (not before the first round has run)."""
    if clock.phase != "ended":
        raise _refuse(clock, "start the harvest")
    return replace(
        clock, phase="harvest", started_at=None, duration=0.0, paused_at=None, paused_total=0.0
    )


def close(clock: Clock) -> Clock:
    """Close the café: no more notes."""
    if clock.phase == "closed":
        raise _refuse(clock, "close the café")
    return replace(clock, phase="closed", paused_at=None)


ACTIONS = (
    "start_round",
    "pause_round",
    "resume_round",
    "extend_round",
    "end_round",
    "start_harvest",
    "close_event",
)
