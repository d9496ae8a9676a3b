import json
from collections import Counter
from itertools import combinations
from unittest.mock import patch

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cafe import golfer
from cafe.seating import (
    add_participant,
    plan_rotation,
    remove_participant,
    rotation_for_cli,
    rotation_to_json,
)

# A smaller search budget keeps the property tests quick; the properties hold at any budget.
SMALL_BUDGET = 300_000


def hosted(tables: int) -> dict[int, int]:
    """Return hosts where participant i hosts table i."""
    return {t: t for t in range(tables)}


def recount_repeats(rotation) -> int:
    """Count the pairs who share a table in more than one round, from the seating itself."""
    met = Counter(
        pair for tables in rotation.rounds for people in tables for pair in combinations(people, 2)
    )
    return sum(c > 1 for c in met.values())


def revisits(rotation, travellers) -> int:
    """Count the rounds in which a traveller sits at a table they sat at before."""
    rounds = range(len(rotation.rounds))
    return sum(len(rounds) - len({rotation.table_of(p, r) for r in rounds}) for p in travellers)


def assert_well_formed(rotation, participants, tables, hosts=None, fixed=None):
    """Check everyone sits once a round, tables are balanced and stationary people stay."""
    for tables_in_round in rotation.rounds:
        assert len(tables_in_round) == tables
        seated = [p for people in tables_in_round for p in people]
        assert sorted(seated) == sorted(participants)
        assert all(people == sorted(people) for people in tables_in_round)
        sizes = [len(people) for people in tables_in_round]
        assert max(sizes) - min(sizes) <= 1
    for t, host in (hosts or {}).items():
        assert all(rotation.table_of(host, r) == t for r in range(len(rotation.rounds)))
    for p, t in (fixed or {}).items():
        assert all(rotation.table_of(p, r) == t for r in range(len(rotation.rounds)))
    assert rotation.repeat_pairs == recount_repeats(rotation)


@st.composite
def cafes(draw, all_or_no_hosts=False, with_fixed=True):
    """Draw a feasible café: participants, tables, rounds, hosts and fixed people."""
    n = draw(st.integers(1, 60))
    tables = draw(st.integers(1, min(n, 15)))
    rounds = draw(st.integers(1, 6))
    ids = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n, unique=True))
    count = draw(st.sampled_from([0, tables]) if all_or_no_hosts else st.integers(0, tables))
    hosts = {t: ids[t] for t in range(count)}
    fixed = {}
    if with_fixed:
        for p in ids[count : count + draw(st.integers(0, 2))]:
            fixed[p] = draw(st.integers(0, tables - 1))
    size, extra = divmod(n, tables)
    stay = Counter([*hosts, *fixed.values()])
    assume(all(k <= size + (extra > 0) for k in stay.values()))
    assume(sum(k > size for k in stay.values()) <= extra)
    return ids, tables, rounds, hosts, fixed


@settings(max_examples=60, deadline=None)
@given(cafes())
def test_plan_is_balanced_and_keeps_hosts_and_fixed_people_in_place(cafe):
    participants, tables, rounds, hosts, fixed = cafe
    with patch.object(golfer, "_WORK", SMALL_BUDGET):
        rotation = plan_rotation(participants, tables, rounds, hosts, fixed, seed=1)
    assert len(rotation.rounds) == rounds
    assert rotation.hosts == hosts
    assert_well_formed(rotation, participants, tables, hosts, fixed)


@settings(max_examples=60, deadline=None)
@given(cafes(all_or_no_hosts=True, with_fixed=False), st.integers(0, 3))
def test_travellers_never_return_to_a_table_when_there_are_enough_tables(cafe, seed):
    participants, tables, rounds, hosts, _ = cafe
    assume(rounds <= tables)
    with patch.object(golfer, "_WORK", SMALL_BUDGET):
        rotation = plan_rotation(participants, tables, rounds, hosts, seed=seed)
    travellers = set(participants) - set(hosts.values())
    assert revisits(rotation, travellers) == 0


def test_with_more_rounds_than_tables_travellers_see_every_table():
    rotation = plan_rotation(list(range(12)), 3, 5, hosted(3))
    for p in range(3, 12):
        assert {rotation.table_of(p, r) for r in range(5)} == {0, 1, 2}


@pytest.mark.parametrize("n, tables, rounds", [(60, 12, 4), (200, 40, 4)])
def test_acceptance_cases_have_no_repeat_pairs(n, tables, rounds):
    plan = rotation_for_cli(n, tables, rounds, hosts=None, seed=0)
    assert plan["repeat_pairs"] == 0
    assert plan["hosts"] == {str(t): t for t in range(tables)}
    for round_tables in plan["rounds"]:
        sizes = [len(people) for people in round_tables]
        assert max(sizes) - min(sizes) <= 1
        assert all(t in people for t, people in enumerate(round_tables))


@pytest.mark.parametrize("n, tables, rounds", [(16, 4, 3), (30, 6, 3), (40, 8, 5), (2000, 400, 4)])
def test_cafes_where_nobody_need_meet_twice_get_no_repeats(n, tables, rounds):
    rotation = plan_rotation(list(range(n)), tables, rounds, hosted(tables))
    assert rotation.repeat_pairs == 0
    assert revisits(rotation, range(tables, n)) == 0


def test_repeat_pairs_count_hosts_and_fixed_people():
    # A fixed person at a hosted table meets the host every round: one unavoidable repeat.
    rotation = plan_rotation(list(range(12)), 3, 2, hosted(3), fixed={5: 0})
    assert rotation.repeat_pairs == recount_repeats(rotation) >= 1
    assert_well_formed(rotation, list(range(12)), 3, hosted(3), {5: 0})


def test_same_seed_gives_same_plan_whatever_the_signup_order():
    people = list(range(50))
    first = plan_rotation(people, 10, 4, hosted(10), seed=7)
    again = plan_rotation(people[::-1], 10, 4, hosted(10), seed=7)
    assert first == again


def test_table_of_refuses_someone_not_seated():
    rotation = plan_rotation(list(range(8)), 2, 2, hosted(2))
    assert rotation.table_of(0, 1) == 0
    with pytest.raises(ValueError, match="participant 99 is not seated in round 0"):
        rotation.table_of(99, 0)


def test_json_has_exactly_rounds_hosts_and_repeat_pairs():
    plan = rotation_for_cli(10, 3, 2, hosts=None, seed=0)
    assert set(plan) == {"rounds", "hosts", "repeat_pairs"}
    assert plan["hosts"] == {"0": 0, "1": 1, "2": 2}
    assert json.loads(json.dumps(plan)) == plan
    assert len(plan["rounds"]) == 2 and len(plan["rounds"][0]) == 3


def test_cli_hosts_option_sets_how_many_tables_have_a_host():
    assert rotation_for_cli(10, 3, 2, hosts=0, seed=0)["hosts"] == {}
    assert rotation_for_cli(10, 3, 2, hosts=2, seed=0)["hosts"] == {"0": 0, "1": 1}
    with pytest.raises(ValueError, match="more hosts"):
        rotation_for_cli(10, 3, 2, hosts=4, seed=0)


def test_rotation_to_json_matches_the_rotation():
    rotation = plan_rotation([3, 5, 8, 13, 21], 2, 2, hosts={1: 21})
    data = rotation_to_json(rotation)
    assert data["rounds"] == rotation.rounds
    assert data["hosts"] == {"1": 21}
    assert data["repeat_pairs"] == rotation.repeat_pairs


def test_late_joiner_sits_at_smallest_new_tables_and_nobody_else_moves():
    before = plan_rotation(list(range(200)), 40, 4, hosted(40))
    after = add_participant(before, 500, from_round=1, seed=3)
    assert after.rounds[0] == before.rounds[0]
    for r in range(1, 4):
        table = after.table_of(500, r)
        assert len(before.rounds[r][table]) == min(len(people) for people in before.rounds[r])
        for t, people in enumerate(before.rounds[r]):
            assert [p for p in after.rounds[r][t] if p != 500] == people
    with pytest.raises(ValueError):
        after.table_of(500, 0)
    assert len({after.table_of(500, r) for r in range(1, 4)}) == 3
    assert after.repeat_pairs == 0
    assert after.hosts == before.hosts
    assert after.repeat_pairs == recount_repeats(after)
    for tables in after.rounds:
        sizes = [len(people) for people in tables]
        assert max(sizes) - min(sizes) <= 1


def test_late_joiners_keep_tables_balanced():
    rotation = plan_rotation(list(range(10)), 3, 3, hosted(3))
    for newcomer in range(10, 17):
        rotation = add_participant(rotation, newcomer, from_round=0)
        assert_well_formed(rotation, list(range(newcomer + 1)), 3, hosted(3))


def test_late_joiner_already_seated_is_refused():
    rotation = plan_rotation(list(range(10)), 3, 3, hosted(3))
    with pytest.raises(ValueError, match="already seated"):
        add_participant(rotation, 4, from_round=1)
    with pytest.raises(ValueError, match="round 3 is out of range"):
        add_participant(rotation, 40, from_round=3)


def seat_changes(before, after, r: int) -> int:
    """Count people who sit at a different table in round r, ignoring those who left."""
    now = {p: t for t, people in enumerate(after.rounds[r]) for p in people}
    return sum(now.get(p, t) != t for t, people in enumerate(before.rounds[r]) for p in people)


def test_leaver_goes_from_that_round_and_everyone_else_stays_when_balance_holds():
    before = plan_rotation(list(range(60)), 12, 4, hosted(12))
    traveller = before.rounds[0][0][-1]
    after = remove_participant(before, traveller, from_round=2)
    assert after.rounds[:2] == before.rounds[:2]
    assert all(seat_changes(before, after, r) == 0 for r in range(4))
    assert all(traveller not in people for tables in after.rounds[2:] for people in tables)
    for tables in after.rounds[2:]:
        sizes = [len(people) for people in tables]
        assert max(sizes) - min(sizes) <= 1


def test_leaver_who_unbalances_tables_costs_one_move_per_later_round():
    before = plan_rotation(list(range(10)), 3, 3, hosted(3))  # tables of 4, 3 and 3
    small = next(t for t, people in enumerate(before.rounds[1]) if len(people) == 3)
    leaver = next(p for p in before.rounds[1][small] if p >= 3)
    after = remove_participant(before, leaver, from_round=1)
    assert after.rounds[0] == before.rounds[0]
    for r in (1, 2):
        sizes = [len(people) for people in after.rounds[r]]
        assert max(sizes) - min(sizes) <= 1
        assert seat_changes(before, after, r) <= 1
        assert all(after.table_of(t, r) == t for t in range(3))


def test_host_who_leaves_stops_hosting():
    before = plan_rotation(list(range(12)), 3, 3, hosted(3))
    after = remove_participant(before, 1, from_round=0)
    assert after.hosts == {0: 0, 2: 2}
    assert all(1 not in people for tables in after.rounds for people in tables)


def test_leaver_not_seated_is_refused():
    rotation = plan_rotation(list(range(10)), 3, 3, hosted(3))
    gone = remove_participant(rotation, 7, from_round=1)
    with pytest.raises(ValueError, match="not seated from round 1"):
        remove_participant(gone, 7, from_round=1)


@pytest.mark.parametrize(
    "args, message",
    [
        ((list(range(6)), 0, 2), "need at least one table"),
        ((list(range(6)), 2, 0), "need at least one round"),
        (([1, 2, 2, 3], 2, 2), "participant 2 is listed twice"),
        ((list(range(3)), 4, 2), "3 people cannot fill 4 tables"),
        ((list(range(9)), 2, 2, {0: 0, 1: 1, 2: 2}), r"more hosts \(3\) than tables \(2\)"),
        ((list(range(9)), 2, 2, {5: 0}), "host table 5 is out of range"),
        ((list(range(9)), 2, 2, {0: 42}), "host 42 of table 0 is not a participant"),
        ((list(range(9)), 2, 2, {0: 1, 1: 1}), "cannot host two tables"),
        ((list(range(9)), 2, 2, None, {42: 0}), "fixed participant 42 is not a participant"),
        ((list(range(9)), 2, 2, None, {3: 2}), "fixed table 2 is out of range"),
        ((list(range(9)), 2, 2, {0: 0}, {0: 1}), "host 0 cannot be fixed at another table"),
        ((list(range(6)), 2, 2, {0: 0}, {1: 0, 2: 0, 3: 0}), "table 0 has 4 people who cannot"),
        ((list(range(7)), 3, 2, {0: 0, 1: 1}, {2: 0, 3: 0, 4: 1, 5: 1}), "2 tables are full"),
    ],
)
def test_impossible_input_is_refused_with_a_reason(args, message):
    with pytest.raises(ValueError, match=message):
        plan_rotation(*args)
