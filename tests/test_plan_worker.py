"""A big café's next round is planned in a child process (cafe/plan_worker.py), as it would be here."""

from __future__ import annotations

from cafe.plan_worker import compute_plan


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


def test_a_plan_keeps_hosts_and_who_cannot_move_and_moves_travellers():
    here = compute_plan(_inputs())
    assert all(here[t] == t + 1 for t in range(12))  # hosts stay
    assert here[50] == 50 % 12 + 1  # so does who cannot move
    assert sum(here[p] != p % 12 + 1 for p in range(60)) > 40  # travellers move


def test_a_child_reading_the_database_plans_what_the_server_would(app, db_path):
    """When serving, the child reads the plan's inputs from the database file itself."""
    from cafe import queries
    from cafe.actions import do_change_round
    from cafe.db import reading
    from cafe.plan_worker import plan_from_database_in_child, plan_inputs, read_inputs
    from conftest import join

    for i in range(8):
        join(app.test_client(), table=1 + i % 2)
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
        do_change_round(event, "start_round", {})
        do_change_round(event, "end_round", {})  # round 1 is history now
        with reading() as db:
            expected_inputs = plan_inputs(db, event, 2)
    assert len(expected_inputs["present"]) == 8 and expected_inputs["history"]
    assert read_inputs(str(db_path), event["id"], 2) == expected_inputs
    assert plan_from_database_in_child(db_path, event["id"], 2) == compute_plan(expected_inputs)


def test_a_child_that_cannot_read_the_database_gives_no_plan(tmp_path):
    from cafe.plan_worker import plan_from_database_in_child

    assert plan_from_database_in_child(tmp_path / "missing.db", 1, 2) is None
