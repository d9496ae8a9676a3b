"""The search behind the rotation planner: walks round the tables, a greedy start, a tabu search.

The social golfer problem with one fixed member per group (CSPLib 10), on plain lists of ints:
`seat[round][person] = table`, `home[person] = table` for hosts and people who cannot move, else -1.
Bounded by a work budget, not the clock, so a seed always gives the same plan.
"""

from __future__ import annotations

import random
from collections import Counter
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


def capacities(n: int, tables: int, rounds: int, home: list[int]) -> list[list[int]]:
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


def cyclic_walks(
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


def greedy_seating(
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


class TabuSearch:
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
