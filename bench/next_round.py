"""Plan rotations from real history, round after round, as a live café does (cafe/next_round.py).

For each size: hosts at every table, three rotations, each planned from the seating so far.
Reports the time per rotation (median of --repeat runs), repeat pairs, revisits and table sizes.
Usage: .venv/bin/python bench/next_round.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cafe.next_round import plan_next_round  # noqa: E402

SIZES = ((60, 12), (200, 40), (500, 100), (2000, 400))


def run(n: int, tables: int, rotations: int = 3) -> tuple[list[float], int, int, int]:
    people = list(range(n))
    hosts = {t: t for t in range(tables)}
    history = [{p: p % tables for p in people}]  # round 1 as people sat down
    times = []
    for r in range(rotations):
        start = time.perf_counter()
        seat = plan_next_round(tables, people, history, hosts, seed=r)
        times.append(time.perf_counter() - start)
        history.append(seat)
    met: Counter = Counter()
    for seating in history:
        groups: dict[int, list[int]] = {}
        for p, t in seating.items():
            groups.setdefault(t, []).append(p)
        for group in groups.values():
            met.update(combinations(sorted(group), 2))
    repeats = sum(c > 1 for c in met.values())
    revisits = sum(len({h[p] for h in history}) < len(history) for p in people if p >= tables)
    sizes = Counter(history[-1].values())
    return times, repeats, revisits, max(sizes.values()) - min(sizes.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    plan_next_round(2, [0, 1, 2], [])  # load scipy before timing
    print("| people | tables | rotations | median s / rotation | repeat pairs | revisits | size spread |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, tables in SIZES:
        medians, result = [], None
        for _ in range(options.repeat):
            times, *result = run(n, tables)
            medians.append(statistics.median(times))
        repeats, revisits, spread = result
        print(f"| {n} | {tables} | 3 | {statistics.median(medians):.2f} | {repeats} | {revisits} | {spread} |")


if __name__ == "__main__":
    main()
