"""A big café's next round is planned in a child process (cafe/plan_worker.py), as it would be here."""

from __future__ import annotations

from cafe.plan_worker import compute_plan, decode, encode, plan_in_child


def _inputs() -> dict:
    # 60 people at 12 tables after one round; table i's host is person i; 50 cannot move.
    numbers = list(range(1, 13))
    present = list(range(60))
    return {
        "numbers": numbers,
        "present": present,
        "history": [{p: p % 12 for p in present}],
        "hosts": {t: t for t in range(12)},
        "fixed": {50: 50 % 12},
        "seed": 7,
    }


def test_plan_inputs_round_trip_through_json():
    inputs = _inputs()
    assert decode(encode(inputs)) == inputs


def test_a_plan_made_in_a_child_process_is_the_plan_made_here():
    inputs = _inputs()
    here = compute_plan(inputs)
    assert plan_in_child(inputs) == here
    assert all(here[t] == t + 1 for t in range(12))  # hosts stay
    assert here[50] == 50 % 12 + 1  # so does who cannot move
    assert sum(here[p] != p % 12 + 1 for p in range(60)) > 40  # travellers move
