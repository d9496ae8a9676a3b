"""Plan who sits where each round: hosts stay, travellers move, few people meet twice.

This is the social golfer problem with one fixed member per group (CSPLib 10). Travellers start
on arithmetic walks round the tables (no revisits, and often no repeats at all), or on a greedy
seating when hosts and fixed people are spread unevenly; a tabu search then swaps travellers
within a round. The search is bounded by a work budget, not the clock, so a seed always gives
the same plan.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from cafe.golfer import TabuSearch, capacities, cyclic_walks, greedy_seating


@dataclass(frozen=True)
class Rotation:
    """A seating plan: round -> table -> sorted participant ids."""

    rounds: list[list[list[int]]]
    hosts: dict[int, int]
    repeat_pairs: int
    fixed: dict[int, int] = field(default_factory=dict)
    _where: dict[tuple[int, int], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        seats = enumerate(self.rounds)
        where = {
            (p, r): t for r, tables in seats for t, people in enumerate(tables) for p in people
        }
        object.__setattr__(self, "_where", where)

    def table_of(self, participant: int, round: int) -> int:
        """Return the table the participant sits at in a round."""
        try:
            return self._where[participant, round]
        except KeyError:
            raise ValueError(f"participant {participant} is not seated in round {round}") from None


def plan_rotation(
    participants: list[int],
    tables: int,
    rounds: int,
    hosts: dict[int, int] | None = None,
    fixed: dict[int, int] | None = None,
    seed: int = 0,
) -> Rotation:
    """Plan every round's seating; hosts (table -> id) and fixed people (id -> table) stay put."""
    hosts, fixed = dict(hosts or {}), dict(fixed or {})
    _check_plan(participants, tables, rounds, hosts, fixed)
    ids = sorted(participants)  # the plan must not depend on the order people signed up in
    index = {pid: i for i, pid in enumerate(ids)}
    home = [-1] * len(ids)
    for pid, t in fixed.items():
        home[index[pid]] = t
    for t, pid in hosts.items():
        home[index[pid]] = t
    rng = random.Random(seed)
    # Walks round the tables never revisit one; they need evenly spread hosts and fixed people.
    walks = cyclic_walks(tables, rounds, home, rng) if rounds <= tables else None
    seat = walks or greedy_seating(tables, home, capacities(len(ids), tables, rounds, home), rng)
    search = TabuSearch(tables, home, seat, rng)
    search.run()
    plan = [[[] for _ in range(tables)] for _ in range(rounds)]
    for r, row in enumerate(search.best_seat):
        for p, t in enumerate(row):
            plan[r][t].append(ids[p])
    return _rotation(plan, hosts, fixed)


def add_participant(
    rotation: Rotation, participant: int, from_round: int, seed: int = 0
) -> Rotation:
    """Seat a late joiner from a round on, at the smallest tables, leaving everyone else be."""
    rounds = _copy_rounds(rotation)
    _check_from_round(rounds, from_round)
    if any(participant in people for tables in rounds[from_round:] for people in tables):
        raise ValueError(f"participant {participant} is already seated from round {from_round}")
    rng = random.Random(seed)
    met: Counter[int] = Counter()
    visited = set()
    for tables in rounds[:from_round]:  # someone coming back keeps their history
        for t, people in enumerate(tables):
            if participant in people:
                met.update(people)
                visited.add(t)
    for tables in rounds[from_round:]:
        smallest = min(map(len, tables))
        options = [t for t, people in enumerate(tables) if len(people) == smallest]
        rng.shuffle(options)
        t = min(options, key=lambda t: (t in visited, sum(met[q] > 0 for q in tables[t])))
        met.update(tables[t])
        tables[t].append(participant)
        visited.add(t)
    return _rotation(rounds, rotation.hosts, rotation.fixed)


def remove_participant(rotation: Rotation, participant: int, from_round: int) -> Rotation:
    """Take a leaver out from a round on; rebalance by moving one traveller per round at most."""
    rounds = _copy_rounds(rotation)
    _check_from_round(rounds, from_round)
    staying = (set(rotation.hosts.values()) | set(rotation.fixed)) - {participant}
    seated = False
    for r in range(from_round, len(rounds)):
        for hole, people in enumerate(rounds[r]):
            if participant in people:
                people.remove(participant)
                seated = True
                sizes = [len(p) for p in rounds[r]]
                if max(sizes) - min(sizes) > 1:
                    _refill(rounds, r, hole, staying)
                break
    if not seated:
        raise ValueError(f"participant {participant} is not seated from round {from_round} on")
    # A host who leaves stops hosting: the table carries on without one.
    hosts = {t: p for t, p in rotation.hosts.items() if p != participant}
    fixed = {p: t for p, t in rotation.fixed.items() if p != participant}
    return _rotation(rounds, hosts, fixed)


def rotation_to_json(rotation: Rotation) -> dict:
    """Return the plan as JSON-ready data: rounds, hosts keyed by table, repeat pairs."""
    return {
        "rounds": [[list(people) for people in tables] for tables in rotation.rounds],
        "hosts": {str(t): pid for t, pid in sorted(rotation.hosts.items())},
        "repeat_pairs": rotation.repeat_pairs,
    }


def rotation_for_cli(n: int, tables: int, rounds: int, hosts: int | None, seed: int) -> dict:
    """Plan for people 0..n-1 where person i hosts table i (every table by default); return JSON."""
    count = tables if hosts is None else hosts
    if count < 0:
        raise ValueError(f"the number of hosts cannot be negative, got {count}")
    plan = plan_rotation(list(range(n)), tables, rounds, {i: i for i in range(count)}, seed=seed)
    return rotation_to_json(plan)


def _check_plan(
    participants: list[int], tables: int, rounds: int, hosts: dict[int, int], fixed: dict[int, int]
) -> None:
    """Refuse input no seating plan can satisfy, saying why."""
    seen, hosting = set(), {pid: t for t, pid in hosts.items()}
    twice = next((pid for pid in participants if pid in seen or seen.add(pid)), None)
    require(tables >= 1, f"need at least one table, got {tables}")
    require(rounds >= 1, f"need at least one round, got {rounds}")
    require(twice is None, f"participant {twice} is listed twice")
    require(len(seen) >= tables, f"{len(seen)} people cannot fill {tables} tables: one per table")
    require(len(hosts) <= tables, f"more hosts ({len(hosts)}) than tables ({tables})")
    require(len(hosting) == len(hosts), "one participant cannot host two tables")
    for t, pid in hosts.items():
        require(0 <= t < tables, f"host table {t} is out of range: tables are 0 to {tables - 1}")
        require(pid in seen, f"host {pid} of table {t} is not a participant")
    for pid, t in fixed.items():
        require(pid in seen, f"fixed participant {pid} is not a participant")
        require(0 <= t < tables, f"fixed table {t} is out of range: tables are 0 to {tables - 1}")
        require(hosting.get(pid, t) == t, f"host {pid} cannot be fixed at another table ({t})")
    size, extra = divmod(len(seen), tables)
    stay = Counter({**fixed, **hosting}.values())
    for t, k in sorted(stay.items()):
        require(
            k <= size + (extra > 0),
            f"table {t} has {k} people who cannot move, "
            f"but balanced tables seat at most {size + (extra > 0)}",
        )
    full = sum(k > size for k in stay.values())
    require(
        full <= extra,
        f"{full} tables are full of people who cannot move, but only "
        f"{extra} tables can seat {size + 1} and keep tables balanced",
    )


def require(condition: bool, message: str) -> None:
    """Raise ValueError with the message unless the condition holds."""
    if not condition:
        raise ValueError(message)


def _refill(
    rounds: list[list[list[int]]],
    r: int,
    hole: int,
    staying: set[int],
    prefer: frozenset[int] = frozenset(),
) -> bool:
    """Move into the hole the traveller from a largest table whose move costs fewest repeats
    (a table new to them first, then someone in `prefer`); return whether anyone moved."""
    tables = rounds[r]
    largest = max(map(len, tables))
    met: Counter[tuple[int, int]] = Counter()
    been = set()
    for other in rounds[:r] + rounds[r + 1 :]:
        for t, people in enumerate(other):
            met.update(combinations(people, 2))
            been.update((p, t) for p in people)

    def cost(p: int, t: int) -> tuple[bool, bool, int, int]:
        gained = sum(met[min(p, q), max(p, q)] > 0 for q in tables[hole])
        lost = sum(met[min(p, q), max(p, q)] > 0 for q in tables[t] if q != p)
        return (p, hole) in been, p not in prefer, gained - lost, p

    movers = [(p, t) for t, people in enumerate(tables) if len(people) == largest for p in people]
    movers = [(p, t) for p, t in movers if p not in staying]
    if not movers:  # only hosts and fixed people sit at the largest tables: balance cannot hold
        return False
    p, t = min(movers, key=lambda m: cost(*m))
    tables[t].remove(p)
    tables[hole].append(p)
    return True


def rebalance_round(
    tables: int,
    seating: dict[int, int],
    history: list[dict[int, int]],
    staying: set[int],
    prefer: set[int] | None = None,
) -> dict[int, int]:
    """Bring a planned round's tables back within one of each other after someone left it or
    was pinned to a table, moving as few travellers as possible (one per table out of balance),
    each to a table new to them where one is (preferring those in `prefer`, e.g. people who move
    anyway). `seating` and `history` map participant -> table (0-based); return who moved and
    where to."""
    rounds = [[[] for _ in range(tables)] for _ in range(len(history) + 1)]
    for r, seats in enumerate([*history, seating]):
        for pid, t in seats.items():
            if 0 <= t < tables:
                rounds[r][t].append(pid)
    last = rounds[-1]
    for _ in range(len(seating)):
        sizes = [len(people) for people in last]
        if max(sizes) - min(sizes) <= 1:
            break
        hole = sizes.index(min(sizes))
        if not _refill(rounds, len(rounds) - 1, hole, staying, frozenset(prefer or ())):
            break
    after = {pid: t for t, people in enumerate(last) for pid in people}
    return {pid: t for pid, t in after.items() if seating.get(pid) != t}


def _check_from_round(rounds: list[list[list[int]]], from_round: int) -> None:
    """Refuse a round the plan does not have."""
    if not 0 <= from_round < len(rounds):
        raise ValueError(
            f"round {from_round} is out of range: the plan has rounds 0 to {len(rounds) - 1}"
        )


def _copy_rounds(rotation: Rotation) -> list[list[list[int]]]:
    """Return a mutable copy of a plan's seating."""
    return [[list(people) for people in tables] for tables in rotation.rounds]


def _rotation(
    rounds: list[list[list[int]]], hosts: dict[int, int], fixed: dict[int, int]
) -> Rotation:
    """Build a Rotation with sorted tables and its repeat pairs counted."""
    rounds = [[sorted(people) for people in tables] for tables in rounds]
    met = Counter(
        pair for tables in rounds for people in tables for pair in combinations(people, 2)
    )
    repeats = sum(c > 1 for c in met.values())
    return Rotation(rounds, dict(hosts), repeats, dict(fixed))
