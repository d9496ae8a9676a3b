"""Planning the next round from where people really sat: hosts stay, no avoidable revisits."""

from __future__ import annotations

from collections import Counter
from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cafe.next_round import place_late_joiner, plan_next_round
from cafe.seating import rebalance_round


def min_revisits_brute_force(tables, travellers, pinned, visited) -> int:
    """The fewest revisits any balanced seating allows, by trying every seating (tiny cases)."""
    n = len(travellers) + len(pinned)
    stay = Counter(pinned.values())
    best = None
    for choice in product(range(tables), repeat=len(travellers)):
        sizes = Counter(choice) + stay
        counts = [sizes[t] for t in range(tables)]
        if max(counts) - min(counts) > 1 and _balance_possible(n, tables, stay):
            continue
        if not _balance_possible(n, tables, stay) and max(counts) > _level_cap(n, tables, stay):
            continue
        cost = sum(t in visited[p] for p, t in zip(travellers, choice, strict=True))
        best = cost if best is None else min(best, cost)
    return best


def _balance_possible(n, tables, stay) -> bool:
    size, extra = divmod(n, tables)
    return (
        all(k <= size + (extra > 0) for k in stay.values())
        and sum(k > size for k in stay.values()) <= extra
    )


def _level_cap(n, tables, stay) -> int:
    return max(max(stay.values(), default=0), -(-n // tables))


def cafe_so_far(data, max_people=9, max_tables=4):
    """Draw a small café: people, tables, a real history of earlier rounds, hosts, fixed."""
    tables = data.draw(st.integers(1, max_tables))
    n = data.draw(st.integers(tables, max_people))
    people = list(range(100, 100 + n))
    rounds = data.draw(st.integers(0, 3))
    history = [
        {p: data.draw(st.integers(0, tables - 1)) for p in people if data.draw(st.booleans())}
        for _ in range(rounds)
    ]
    host_tables = data.draw(st.lists(st.integers(0, tables - 1), unique=True, max_size=tables))
    hosts = {t: people[i] for i, t in enumerate(host_tables)}
    rest = people[len(hosts) :]
    fixed = {p: data.draw(st.integers(0, tables - 1)) for p in rest[:1] if data.draw(st.booleans())}
    return tables, people, history, hosts, fixed


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_hosts_and_fixed_people_stay_sizes_balance_and_revisits_are_fewest(data):
    tables, people, history, hosts, fixed = cafe_so_far(data, max_people=8, max_tables=3)
    seat = plan_next_round(tables, people, history, hosts, fixed, seed=data.draw(st.integers(0, 9)))
    assert sorted(seat) == people
    for t, pid in hosts.items():
        assert seat[pid] == t
    for pid, t in fixed.items():
        assert seat[pid] == t
    pinned = {**fixed, **{pid: t for t, pid in hosts.items()}}
    stay = Counter(pinned.values())
    sizes = Counter(seat.values())
    counts = [sizes[t] for t in range(tables)]
    if _balance_possible(len(people), tables, stay):
        assert max(counts) - min(counts) <= 1
    visited = {p: {h[p] for h in history if p in h} for p in people}
    travellers = [p for p in people if p not in pinned]
    revisits = sum(seat[p] in visited[p] for p in travellers)
    assert revisits == min_revisits_brute_force(tables, travellers, pinned, visited)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 12), st.integers(2, 5), st.integers(0, 99))
def test_no_one_revisits_when_there_are_new_tables_to_go_to(tables, per_table, seed):
    """Round one as people really sat (hosts at table i), then round two: nobody sits twice."""
    people = list(range(tables * per_table))
    history = [{p: p % tables for p in people}]
    hosts = {t: t for t in range(tables)}
    seat = plan_next_round(tables, people, history, hosts, seed=seed)
    assert all(seat[p] != p % tables for p in people if p >= tables)
    sizes = Counter(seat.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_few_meet_again_when_tables_allow():
    """12 tables of 5: round 1 as seated, round 2 planned: nobody meets a tablemate again."""
    tables, people = 12, list(range(60))
    history = [{p: p % tables for p in people}]
    seat = plan_next_round(tables, people, history, {t: t for t in range(tables)}, seed=1)
    met_before = {
        frozenset(pair) for pair in combinations(people, 2) if pair[0] % 12 == pair[1] % 12
    }
    groups: dict[int, list[int]] = {}
    for p, t in seat.items():
        groups.setdefault(t, []).append(p)
    again = [
        pair
        for g in groups.values()
        for pair in combinations(g, 2)
        if frozenset(pair) in met_before
    ]
    assert again == []


def test_late_joiner_and_leaver_leave_everyone_else_where_they_were():
    tables, people = 4, list(range(16))
    history = [{p: p % tables for p in people}]
    seat = plan_next_round(tables, people, history, {t: t for t in range(4)}, seed=3)
    # Someone arrives after the plan was made: a smallest table, new to them; nobody else moves.
    late = place_late_joiner(tables, seat, visited=set(), met=set())
    assert Counter(seat.values())[late] == min(Counter(seat.values()).values())
    # A leaver is simply not present next time: the rest are still balanced.
    again = plan_next_round(tables, people[:-1], history, {t: t for t in range(4)}, seed=3)
    sizes = Counter(again.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1 and 15 not in again


def test_someone_who_cannot_move_stays_and_the_rest_rebalance():
    tables, people = 3, list(range(9))
    history = [{p: p % tables for p in people}]
    seat = plan_next_round(tables, people, history, hosts={0: 0}, fixed={4: 1}, seed=0)
    assert seat[0] == 0 and seat[4] == 1
    assert sorted(Counter(seat.values()).values()) == [3, 3, 3]


def test_bad_table_is_refused():
    with pytest.raises(ValueError, match="out of range"):
        plan_next_round(2, [1, 2, 3], [], hosts={5: 1})


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_leaver_costs_at_most_one_move_and_hosts_and_fixed_people_never_move(data):
    tables, people, history, hosts, fixed = cafe_so_far(data)
    seat = plan_next_round(tables, people, history, hosts, fixed, seed=1)
    leaver = data.draw(st.sampled_from(people))
    seating = {p: t for p, t in seat.items() if p != leaver}
    staying = (set(hosts.values()) | set(fixed)) - {leaver}
    moved = rebalance_round(tables, seating, history, staying)
    after = {**seating, **moved}
    assert len(moved) <= 1 and not set(moved) & staying
    sizes = Counter(after.values())
    counts = [sizes[t] for t in range(tables)]
    before = Counter(seating.values())
    # Balanced again, unless only people who cannot move sit at the largest tables.
    assert max(counts) - min(counts) <= 1 or all(
        p in staying for p, t in seating.items() if before[t] == max(before.values())
    )


def test_rebalancing_prefers_someone_moving_anyway_to_a_table_new_to_them():
    # Round 0: tables of three. The plan for round 1 had a table of three and two of two; then
    # someone planned for table 2 became pinned to table 0, which now seats four and table 2 one.
    history = [{1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 2, 8: 2}]
    seating = {1: 0, 4: 0, 7: 0, 9: 0, 2: 1, 5: 1, 3: 2}
    moved = rebalance_round(3, seating, history, staying={1, 9}, prefer={4, 7, 2, 5, 3})
    # 7 sat at table 2 before; 4 has not: 4 goes.
    assert moved == {4: 2}
    assert rebalance_round(3, {**seating, **moved}, history, staying={1, 9}) == {}
