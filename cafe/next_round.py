"""Plan the next round from where people really sat, and place a late joiner.

A live café rarely follows a plan made in advance: people pick their own table, join late, leave,
or cannot move. So each rotation is planned from where people actually sat (the plan made in
advance, and the rebalancing of a planned round, are in cafe/seating.py).
"""

from __future__ import annotations

import random
from collections import Counter

from cafe.seating import require

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
        require(0 <= t < tables, f"table {t} is out of range: tables are 0 to {tables - 1}")
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
