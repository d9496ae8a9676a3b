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
    _require(tables >= 1, f"need at least one table, got {tables}")
    _require(rounds >= 1, f"need at least one round, got {rounds}")
    _require(twice is None, f"participant {twice} is listed twice")
    _require(len(seen) >= tables, f"{len(seen)} people cannot fill {tables} tables: one per table")
    _require(len(hosts) <= tables, f"more hosts ({len(hosts)}) than tables ({tables})")
    _require(len(hosting) == len(hosts), "one participant cannot host two tables")
    for t, pid in hosts.items():
        _require(0 <= t < tables, f"host table {t} is out of range: tables are 0 to {tables - 1}")
        _require(pid in seen, f"host {pid} of table {t} is not a participant")
    for pid, t in fixed.items():
        _require(pid in seen, f"fixed participant {pid} is not a participant")
        _require(0 <= t < tables, f"fixed table {t} is out of range: tables are 0 to {tables - 1}")
        _require(hosting.get(pid, t) == t, f"host {pid} cannot be fixed at another table ({t})")
    size, extra = divmod(len(seen), tables)
    stay = Counter({**fixed, **hosting}.values())
    for t, k in sorted(stay.items()):
        _require(
            k <= size + (extra > 0),
            f"table {t} has {k} people who cannot move, "
            f"but balanced tables seat at most {size + (extra > 0)}",
        )
    full = sum(k > size for k in stay.values())
    _require(
        full <= extra,
        f"{full} tables are full of people who cannot move, but only "
        f"{extra} tables can seat {size + 1} and keep tables balanced",
    )


def _require(condition: bool, message: str) -> None:
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


# ---- the next round from the real seating so far ---------------------------------------------------
# A live café rarely follows a plan made in advance: people pick their own table, join late, leave,
# or cannot move. So each rotation is planned from where people actually sat.

# Swap attempts per traveller in the repeat-meeting search (a work budget, not the clock).
_NEXT_ROUND_PASSES = 6
_NEXT_ROUND_SAMPLE = 24


def plan_next_round(
    tables: int,
    present: list[int],
    history: list[dict[int, int]],
    hosts: dict[int, int] | None = None,
    fixed: dict[int, int] | None = None,
    seed: int = 0,
) -> dict[int, int]:
    """Seat the people present for the next round; return participant -> table (0-based).

    `history` lists the rounds so far, each participant -> table where they actually sat. Hosts
    (table -> id) and fixed people (id -> table, e.g. who cannot move) stay. Everyone else goes to a
    table they have not sat at, as far as balanced tables allow (exactly: the fewest revisits
    possible, from a maximum flow), then swaps cut the pairs who meet again.
    """
    hosts, fixed = dict(hosts or {}), dict(fixed or {})
    people = sorted(set(present))
    if tables < 1:
        raise ValueError(f"need at least one table, got {tables}")
    if not people:
        return {}
    here = set(people)
    pinned: dict[int, int] = {}
    for pid, t in fixed.items():
        if pid in here:
            pinned[pid] = t
    for t, pid in hosts.items():
        if pid in here:
            pinned[pid] = t
    for t in pinned.values():
        _require(0 <= t < tables, f"table {t} is out of range: tables are 0 to {tables - 1}")
    visited: dict[int, set[int]] = {p: set() for p in people}
    met: dict[int, set[int]] = {p: set() for p in people}
    for seating in history:
        at: dict[int, list[int]] = {}
        for pid, t in seating.items():
            if pid in here:
                visited[pid].add(t)
                at.setdefault(t, []).append(pid)
        for group in at.values():
            for pid in group:
                met[pid].update(group)
    for pid in people:
        met[pid].discard(pid)
    travellers = [p for p in people if p not in pinned]
    stay = Counter(pinned.values())
    # Water-filling: the largest level every table can reach; E tables seat one more than it.
    level = 0
    while sum(max(0, level + 1 - stay[t]) for t in range(tables)) <= len(travellers):
        level += 1
    base = [max(0, level - stay[t]) for t in range(tables)]
    open_tables = [t for t in range(tables) if stay[t] <= level]
    extra = len(travellers) - sum(base)
    seat = _fewest_revisits(tables, travellers, visited, base, open_tables, extra)
    members: list[list[int]] = [[] for _ in range(tables)]
    for pid, t in pinned.items():
        members[t].append(pid)
    for pid, t in seat.items():
        members[t].append(pid)
    _fewer_meetings(members, seat, visited, met, random.Random(seed))
    return {**pinned, **seat}


def _fewest_revisits(
    tables: int,
    travellers: list[int],
    visited: dict[int, set[int]],
    base: list[int],
    open_tables: list[int],
    extra: int,
) -> dict[int, int]:
    """Seat travellers at new tables wherever balance allows (a maximum flow), the rest anywhere."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    m = len(travellers)
    source, first_table, spare, sink = 0, m + 1, m + tables + 1, m + tables + 2
    rows, cols, caps = [], [], []

    def edge(a: int, b: int, c: int) -> None:
        if c > 0:
            rows.append(a)
            cols.append(b)
            caps.append(c)

    for i, pid in enumerate(travellers):
        edge(source, 1 + i, 1)
        for t in range(tables):
            if t not in visited[pid] and (base[t] > 0 or t in open_tables):
                edge(1 + i, first_table + t, 1)
    for t in range(tables):
        edge(first_table + t, sink, base[t])
    for t in open_tables:
        edge(first_table + t, spare, 1)
    edge(spare, sink, extra)
    size = sink + 1
    graph = csr_matrix(
        (np.array(caps, dtype=np.int32), (np.array(rows), np.array(cols))), shape=(size, size)
    )
    flow = maximum_flow(graph, source, sink).flow.tocsr()
    flow.sum_duplicates()
    seat: dict[int, int] = {}
    load = [0] * tables
    for i, pid in enumerate(travellers):
        row = flow.getrow(1 + i)
        for j, value in zip(row.indices, row.data, strict=True):
            if value > 0 and first_table <= j < first_table + tables:
                seat[pid] = int(j - first_table)
                load[j - first_table] += 1
    extras_used = sum(1 for t in range(tables) if load[t] > base[t])
    for pid in travellers:  # revisits nobody could avoid: any table with room
        if pid in seat:
            continue
        room = [t for t in range(tables) if load[t] < base[t]]
        if not room and extras_used < extra:
            room = [t for t in open_tables if load[t] == base[t]]
            extras_used += 1
        t = min(room, key=lambda t: (load[t] - base[t], t))
        seat[pid] = t
        load[t] += 1
    return seat


def _fewer_meetings(
    members: list[list[int]],
    seat: dict[int, int],
    visited: dict[int, set[int]],
    met: dict[int, set[int]],
    rng: random.Random,
) -> None:
    """Swap travellers between tables (never adding a revisit) while it cuts repeat meetings."""
    travellers = sorted(seat)
    tables = len(members)

    def cost(pid: int, t: int, without: int = -1) -> int:
        return sum(1 for q in members[t] if q != without and q != pid and q in met[pid])

    for _ in range(_NEXT_ROUND_PASSES):
        rng.shuffle(travellers)
        improved = False
        for p in travellers:
            a = seat[p]
            here = cost(p, a)
            if here == 0:
                continue
            others = list(range(tables))
            if tables > _NEXT_ROUND_SAMPLE:
                others = rng.sample(others, _NEXT_ROUND_SAMPLE)
            best, best_gain = None, 0
            for b in others:
                if b == a:
                    continue
                for q in members[b]:
                    if q not in seat:
                        continue
                    revisits = (b in visited[p]) + (a in visited[q])
                    if revisits > (a in visited[p]) + (b in visited[q]):
                        continue
                    gain = here + cost(q, b) - cost(p, b, without=q) - cost(q, a, without=p)
                    if gain > best_gain:
                        best, best_gain = (q, b), gain
            if best is not None:
                q, b = best
                members[a].remove(p)
                members[b].remove(q)
                members[a].append(q)
                members[b].append(p)
                seat[p], seat[q] = b, a
                improved = True
        if not improved:
            break


def place_late_joiner(
    tables: int, seating: dict[int, int], visited: set[int], met: set[int], seed: int = 0
) -> int:
    """Return the table for someone joining a round's seating: a smallest table, new to them,
    with the fewest people they have met; nobody else moves."""
    load = Counter(seating.values())
    smallest = min(load.get(t, 0) for t in range(tables))
    options = [t for t in range(tables) if load.get(t, 0) == smallest]
    random.Random(seed).shuffle(options)
    at: dict[int, set[int]] = {}
    for pid, t in seating.items():
        at.setdefault(t, set()).add(pid)
    return min(options, key=lambda t: (t in visited, len(at.get(t, set()) & met)))
