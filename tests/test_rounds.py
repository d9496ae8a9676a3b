"""The round state machine and timer arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cafe import rounds
from cafe.rounds import Clock, RoundError

T0 = 1_700_000_000_000.0  # ms
MIN = 60_000.0


def clock(phase: str = "lobby", round_no: int = 1) -> Clock:
    return Clock(phase=phase, round=round_no, rounds=3)


def running(round_no: int = 1, minutes: int = 20) -> Clock:
    return rounds.start_round(clock("lobby", round_no), round_no, minutes, T0)


# ---- every transition, legal and refused ---------------------------------------------------------

LEGAL = {
    "start_round": {"lobby", "ended", "harvest"},
    "pause_round": {"running"},
    "resume_round": {"paused"},
    "extend_round": {"running", "paused"},
    "end_round": {"running", "paused"},
    "start_harvest": {"ended"},
    "close": {"lobby", "running", "paused", "ended", "harvest"},
}


def apply(action: str, c: Clock) -> Clock:
    if action == "start_round":
        return rounds.start_round(c, 2 if c.phase != "lobby" else None, 20, T0 + MIN)
    if action == "pause_round":
        return rounds.pause_round(c, T0 + MIN)
    if action == "resume_round":
        return rounds.resume_round(c, T0 + 2 * MIN)
    if action == "extend_round":
        return rounds.extend_round(c, 5)
    if action == "end_round":
        return rounds.end_round(c, T0 + MIN)
    if action == "start_harvest":
        return rounds.start_harvest(c)
    return rounds.close(c)


def in_phase(phase: str) -> Clock:
    base = Clock(phase=phase, round=1, rounds=3, started_at=T0, duration=1200.0)
    return base if phase != "paused" else Clock(**{**base.to_dict(), "paused_at": T0 + MIN / 2})


@pytest.mark.parametrize("phase", rounds.PHASES)
@pytest.mark.parametrize("action", sorted(LEGAL))
def test_each_transition_is_allowed_or_refused_with_a_reason(phase, action):
    c = in_phase(phase)
    if phase in LEGAL[action]:
        assert apply(action, c).phase in rounds.PHASES
    else:
        with pytest.raises(RoundError, match=r"^Cannot .+: .+\.$"):
            apply(action, c)


def test_a_whole_cafe():
    c = clock()
    c = rounds.start_round(c, None, 20, T0)
    assert (c.phase, c.round) == ("running", 1)
    c = rounds.end_round(c, T0 + 20 * MIN)
    c = rounds.start_round(c, None, 20, T0 + 21 * MIN)
    assert (c.phase, c.round) == ("running", 2)
    c = rounds.end_round(c, T0 + 41 * MIN)
    c = rounds.start_round(c, None, 20, T0 + 42 * MIN)
    c = rounds.end_round(c, T0 + 62 * MIN)
    with pytest.raises(RoundError, match="last round"):
        rounds.start_round(c, None, 20, T0 + 63 * MIN)
    c = rounds.start_harvest(c)
    # Going back to a round from the harvest is allowed.
    back = rounds.start_round(c, 2, 20, T0 + 64 * MIN)
    assert (back.phase, back.round) == ("running", 2)
    assert rounds.close(c).phase == "closed"


def test_unknown_round_is_refused():
    with pytest.raises(RoundError, match="no round 7"):
        rounds.start_round(clock(), 7, 20, T0)


@pytest.mark.parametrize("minutes", [0, -1, 61, True, 1.5])
def test_extend_needs_a_sensible_number_of_minutes(minutes):
    with pytest.raises(RoundError):
        rounds.extend_round(running(), minutes)


# ---- timer arithmetic ----------------------------------------------------------------------------


def test_remaining_counts_down_and_overruns():
    c = running(minutes=20)
    assert c.remaining(T0) == 1200
    assert c.remaining(T0 + 5 * MIN) == 900
    assert c.remaining(T0 + 21 * MIN) == -60


def test_pause_stops_the_clock_and_resume_continues():
    c = rounds.pause_round(running(minutes=20), T0 + 5 * MIN)
    assert c.remaining(T0 + 50 * MIN) == 900  # frozen while paused
    c = rounds.resume_round(c, T0 + 12 * MIN)
    assert c.paused_total == 7 * 60
    assert c.remaining(T0 + 13 * MIN) == 840


def test_extend_adds_minutes_while_running_or_paused():
    c = rounds.extend_round(running(minutes=20), 5)
    assert c.remaining(T0) == 25 * 60
    paused = rounds.pause_round(c, T0 + MIN)
    assert rounds.extend_round(paused, 1).remaining(T0 + 9 * MIN) == 25 * 60


def test_ended_round_keeps_its_final_time():
    c = rounds.end_round(running(minutes=20), T0 + 3 * MIN)
    assert c.remaining(T0 + 60 * MIN) == 17 * 60


@given(
    minutes=st.integers(1, 180),
    events=st.lists(
        st.tuples(st.sampled_from(["pause", "resume", "extend"]), st.integers(0, 600_000)),
        max_size=12,
    ),
    offset=st.integers(-3_600_000, 3_600_000),
)
def test_a_phone_with_a_wrong_clock_shows_the_servers_countdown(minutes, events, offset):
    """remaining() depends only on server time; a phone adds its measured offset and agrees."""
    c = running(minutes=minutes)
    now = T0
    paused_for = 0.0
    extra = 0
    pause_start = None
    for kind, gap in events:
        now += gap
        try:
            if kind == "pause":
                c = rounds.pause_round(c, now)
                pause_start = now
            elif kind == "resume":
                c = rounds.resume_round(c, now)
                paused_for += (now - pause_start) / 1000
                pause_start = None
            else:
                c = rounds.extend_round(c, 1)
                extra += 60
        except RoundError:
            continue
    check = now + 1000
    until = pause_start if pause_start is not None else check
    expected = minutes * 60 + extra - ((until - T0) / 1000 - paused_for)
    assert c.remaining(check) == pytest.approx(expected)
    phone_now = check + offset  # the phone's own wrong clock
    measured_offset = check - phone_now  # from server_time sent with the state
    assert c.remaining(phone_now + measured_offset) == pytest.approx(expected)
