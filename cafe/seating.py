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
from math import gcd

# Tables sampled per search step, as seat comparisons: more finds better moves, fewer runs faster.
_CANDIDATES = 48
# Random open tables the greedy tries before settling for the least bad one.
_GREEDY_TRIES = 8
# Search effort in seat comparisons; about a second of pure Python when zero repeats is out of reach.
_WORK = 8_000_000
# What one revisit costs the search in repeat meetings. Letting the walk pass through revisits
# (rather than forbidding them) finds far fewer repeats on small, dense cafés; the plan kept is
# still judged revisits first.
_REVISIT_COST = 3


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
    walks = _cyclic(tables, rounds, home, rng) if rounds <= tables else None
    seat = walks or _greedy(tables, home, _capacities(len(ids), tables, rounds, home), rng)
    search = _Search(tables, home, seat, rng)
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


def _capacities(n: int, tables: int, rounds: int, home: list[int]) -> list[list[int]]:
    """Return each round's table sizes: balanced, with the larger tables shifting each round."""
    size, extra = divmod(n, tables)
    stay = Counter(t for t in home if t >= 0)
    forced = [t for t in range(tables) if stay[t] > size]
    others = [t for t in range(tables) if stay[t] <= size]
    caps = []
    for r in range(rounds):
        cap = [size] * tables
        for t in forced:
            cap[t] += 1
        # Shifting by one table a round lets travellers walk a cycle without revisiting.
        for i in range(extra - len(forced)):
            cap[others[(r + i) % len(others)]] += 1
        caps.append(cap)
    return caps


def _cyclic(
    tables: int, rounds: int, home: list[int], rng: random.Random
) -> list[list[int]] | None:
    """Walk travellers round the tables in fixed steps; None when stationary people are uneven."""
    stay = Counter(t for t in home if t >= 0)
    if len(set(stay[t] for t in range(tables))) > 1:
        return None
    travellers = [p for p in range(len(home)) if home[p] < 0]
    rng.shuffle(travellers)
    full, extra = divmod(len(travellers), tables)
    steps = _steps(tables, min(rounds, tables), full + (extra > 0))
    seat = []
    for r in range(rounds):
        row = home[:]
        for j, p in enumerate(travellers):
            c, a = divmod(j, tables)
            # The part-filled class steps by one, matching the larger tables' shift each round.
            b = steps[(c + 1) % len(steps)] if extra else steps[c]
            row[p] = (a + r * b) % tables
        seat.append(row)
    return seat


def _steps(tables: int, span: int, count: int) -> list[int]:
    """Pick steps whose walks stay apart: two walks meet at most once within span rounds."""

    def apart(d: int) -> bool:
        return tables // gcd(d, tables) >= span

    usable = [b for b in range(1, max(2, tables)) if apart(b)]
    chosen = [1]
    for b in usable[1:]:
        if len(chosen) == count:
            break
        if all(apart(b - c) for c in chosen):
            chosen.append(b)
    while len(chosen) < count:  # not enough: some walks will meet more than once
        chosen.append(usable[len(chosen) % len(usable)])
    return chosen


def _greedy(
    tables: int, home: list[int], caps: list[list[int]], rng: random.Random
) -> list[list[int]]:
    """Seat travellers round by round at open tables they have not visited, meeting new people."""
    n = len(home)
    met: list[set[int]] = [set() for _ in range(n)]
    visited: list[set[int]] = [set() for _ in range(n)]
    travellers = [p for p in range(n) if home[p] < 0]
    seat = []
    for cap in caps:
        row = home[:]
        members: list[list[int]] = [[] for _ in range(tables)]
        for p, t in enumerate(home):
            if t >= 0:
                members[t].append(p)
        room = [cap[t] - len(members[t]) for t in range(tables)]
        open_ = [t for t in range(tables) if room[t] > 0]
        rng.shuffle(travellers)
        for p in travellers:
            best, pick = None, 0
            for _ in range(min(len(open_), _GREEDY_TRIES)):
                i = rng.randrange(len(open_))
                t = open_[i]
                score = (t in visited[p], sum(q in met[p] for q in members[t]))
                if best is None or score < best:
                    best, pick = score, i
                    if score == (False, 0):
                        break
            if best[0]:  # every table sampled was visited before: look at them all
                for i, t in enumerate(open_):
                    score = (t in visited[p], sum(q in met[p] for q in members[t]))
                    if score < best:
                        best, pick = score, i
            t = open_[pick]
            row[p] = t
            members[t].append(p)
            visited[p].add(t)
            room[t] -= 1
            if not room[t]:
                open_[pick] = open_[-1]
                open_.pop()
        for people in members:
            for a, b in combinations(people, 2):
                met[a].add(b)
                met[b].add(a)
        seat.append(row)
    return seat


class _Search:
    """Tabu search over moves of travellers within a round, fixing revisits first, then repeats."""

    def __init__(self, tables: int, home: list[int], seat: list[list[int]], rng: random.Random):
        self.tables, self.home, self.rng = tables, home, rng
        self.n, self.nrounds = len(home), len(seat)
        self.travellers = [p for p in range(self.n) if home[p] < 0]
        stay = Counter(t for t in home if t >= 0)
        self.floor = (
            len(self.travellers) * max(0, self.nrounds - tables),
            sum(k * (k - 1) // 2 for k in stay.values()) * (self.nrounds - 1),
        )
        size = max(1, self.n // tables)
        self.sample = max(2, _CANDIDATES // size)  # tables looked at per step
        self.steps = max(50, min(50_000, _WORK // (2 * _CANDIDATES * size)))
        self.patience = 50 + self.n
        self._load(seat)
        self.best, self.best_seat = self.score(), [row[:] for row in self.seat]

    def score(self) -> tuple[int, int]:
        """Return (revisits, excess meetings); lower is better, revisits first."""
        return self.revisits, self.conflicts

    def run(self) -> None:
        """Search until no repeat is left that could be removed, or the budget runs out."""
        since = 0
        for i in range(self.steps):
            if self.best <= self.floor:
                return
            self._step(i)
            if self.score() < self.best:
                self.best, self.best_seat, since = self.score(), [row[:] for row in self.seat], i
            elif i - since > self.patience:  # stuck: restart from the best plan, shaken
                self._load(self.best_seat)
                self._shake()
                since = i

    def _load(self, seat: list[list[int]]) -> None:
        """Rebuild every count from a seating."""
        n = self.n
        self.seat = [row[:] for row in seat]
        self.members = [[[] for _ in range(self.tables)] for _ in seat]
        for r, row in enumerate(self.seat):
            for p, t in enumerate(row):
                self.members[r][t].append(p)
        self.met: list[dict[int, int]] = [{} for _ in range(n)]
        for tables in self.members:
            for people in tables:
                for a, b in combinations(people, 2):
                    self.met[a][b] = self.met[b][a] = self.met[a].get(b, 0) + 1
        self.bad: list[int] = []  # pairs (a * n + b) met more than once that a move could part
        self.bad_at: dict[int, int] = {}
        self.conflicts = 0
        for a in range(n):
            for b, c in self.met[a].items():
                if a < b and c > 1:
                    self.conflicts += c - 1
                    if self.home[a] < 0 or self.home[b] < 0:
                        _push(self.bad, self.bad_at, a * n + b)
        self.visits: list[dict[int, int]] = [{} for _ in range(n)]
        self.own = [0] * n  # revisits per traveller
        self.revisiting: list[int] = []
        self.revisiting_at: dict[int, int] = {}
        self.revisits = 0
        for p in self.travellers:
            for row in self.seat:
                self._visit(p, row[p], 1)
        self.tabu: dict[tuple[int, int, int], int] = {}

    def _visit(self, p: int, t: int, d: int) -> None:
        """Count traveller p arriving at (d=1) or leaving (d=-1) table t."""
        v = self.visits[p]
        c = v.get(t, 0)
        v[t] = c + d
        change = max(c + d - 1, 0) - max(c - 1, 0)
        if change:
            self.revisits += change
            self.own[p] += change
            if self.own[p] == 0:
                _pop(self.revisiting, self.revisiting_at, p)
            elif self.own[p] == change:
                _push(self.revisiting, self.revisiting_at, p)

    def _meet(self, a: int, b: int, d: int) -> None:
        """Count a and b meeting once more (d=1) or once less (d=-1)."""
        c = self.met[a].get(b, 0)
        self.met[a][b] = self.met[b][a] = c + d
        if c + d > 1 or c > 1:
            self.conflicts += d
            if (c > 1) != (c + d > 1) and (self.home[a] < 0 or self.home[b] < 0):
                key = min(a, b) * self.n + max(a, b)
                if c > 1:
                    _pop(self.bad, self.bad_at, key)
                else:
                    _push(self.bad, self.bad_at, key)

    def _move(self, r: int, a: int, y: int) -> None:
        """Move traveller a to table y in round r."""
        x = self.seat[r][a]
        self.members[r][x].remove(a)
        for q in self.members[r][x]:
            self._meet(a, q, -1)
        for q in self.members[r][y]:
            self._meet(a, q, 1)
        self.members[r][y].append(a)
        self.seat[r][a] = y
        self._visit(a, x, -1)
        self._visit(a, y, 1)

    def _delta(self, r: int, a: int, x: int, b: int, y: int) -> tuple[int, int]:
        """Return the (revisits, conflicts) change of a going x -> y and b (unless -1) y -> x."""
        ma, va = self.met[a], self.visits[a]
        dr = (va.get(y, 0) > 0) - (va[x] > 1)
        dc = 0
        for q in self.members[r][x]:
            if q != a:
                dc -= ma[q] > 1
                if b >= 0:
                    dc += self.met[b].get(q, 0) > 0
        for q in self.members[r][y]:
            if q != b:
                dc += ma.get(q, 0) > 0
                if b >= 0:
                    dc -= self.met[b][q] > 1
        if b >= 0:
            vb = self.visits[b]
            dr += (vb.get(x, 0) > 0) - (vb[y] > 1)
        return dr, dc

    def _step(self, i: int) -> None:
        """Move one traveller of a repeated pair or a revisit to the best table it may go to."""
        rng, n, seat = self.rng, self.n, self.seat
        if self.revisits > self.floor[0] and (not self.bad or rng.random() < 0.5):
            a = rng.choice(self.revisiting)
            r = rng.choice([r for r in range(self.nrounds) if self.visits[a][seat[r][a]] > 1])
        elif self.bad:
            a, b = divmod(rng.choice(self.bad), n)
            r = rng.choice([r for r in range(self.nrounds) if seat[r][a] == seat[r][b]])
            if self.home[a] >= 0 or (self.home[b] < 0 and rng.random() < 0.5):
                a = b
        else:
            return
        x, members = seat[r][a], self.members[r]
        if self.tables - 1 <= self.sample:
            ys = range(self.tables)
        else:
            ys = rng.sample(range(self.tables), self.sample)
        per = max(2, _CANDIDATES // len(ys))
        now = self.score()
        best, moves = None, []
        for y in ys:
            if y == x:
                continue
            people = members[y] if len(members[y]) <= per else rng.sample(members[y], per)
            others = [b for b in people if self.home[b] < 0]
            if len(members[y]) < len(members[x]):
                others.append(-1)  # a alone moves from a larger to a smaller table
            for b in others:
                dr, dc = self._delta(r, a, x, b, y)
                key = (dr, dc) if self.revisits > self.floor[0] else _REVISIT_COST * dr + dc
                if best is not None and key > best:
                    continue
                tabu = self.tabu.get((r, a, y), -1) >= i or self.tabu.get((r, b, x), -1) >= i
                if tabu and (now[0] + dr, now[1] + dc) >= self.best:
                    continue
                if best is None or key < best:
                    best, moves = key, []
                moves.append((b, y))
        if not moves:
            return
        b, y = rng.choice(moves)
        self._move(r, a, y)
        tenure = i + 5 + rng.randrange(10)
        self.tabu[r, a, x] = tenure
        if b >= 0:
            self._move(r, b, x)
            self.tabu[r, b, y] = tenure

    def _shake(self) -> None:
        """Swap a few random travellers, never adding a revisit, to leave a local optimum."""
        if len(self.travellers) < 2:
            return
        for _ in range(3):
            r = self.rng.randrange(self.nrounds)
            a, b = self.rng.sample(self.travellers, 2)
            x, y = self.seat[r][a], self.seat[r][b]
            if x != y and self._delta(r, a, x, b, y)[0] <= 0:
                self._move(r, a, y)
                self._move(r, b, x)


def _push(items: list[int], at: dict[int, int], item: int) -> None:
    """Add an item to a list that supports O(1) random choice and removal."""
    at[item] = len(items)
    items.append(item)


def _pop(items: list[int], at: dict[int, int], item: int) -> None:
    """Remove an item from such a list by swapping the last one into its place."""
    i = at.pop(item)
    last = items.pop()
    if last != item:
        items[i] = last
        at[last] = i


def _refill(rounds: list[list[list[int]]], r: int, hole: int, staying: set[int]) -> None:
    """Move into the hole the traveller from a largest table whose move costs fewest repeats."""
    tables = rounds[r]
    largest = max(map(len, tables))
    met: Counter[tuple[int, int]] = Counter()
    been = set()
    for other in rounds[:r] + rounds[r + 1 :]:
        for t, people in enumerate(other):
            met.update(combinations(people, 2))
            been.update((p, t) for p in people)

    def cost(p: int, t: int) -> tuple[bool, int, int]:
        gained = sum(met[min(p, q), max(p, q)] > 0 for q in tables[hole])
        lost = sum(met[min(p, q), max(p, q)] > 0 for q in tables[t] if q != p)
        return (p, hole) in been, gained - lost, p

    movers = [(p, t) for t, people in enumerate(tables) if len(people) == largest for p in people]
    movers = [(p, t) for p, t in movers if p not in staying]
    if movers:  # else only hosts and fixed people sit at the largest tables: balance cannot hold
        p, t = min(movers, key=lambda m: cost(*m))
        tables[t].remove(p)
        tables[hole].append(p)


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
