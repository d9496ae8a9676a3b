"""Print repeat pairs and run time of the rotation planner against a random rotation and the bound.

Usage: .venv/bin/python bench/rotation.py [--seeds N]

Each row is one café with a host at every table. "random" seats travellers at random, keeping
hosts in place and tables balanced. "bound" is the most people a traveller can meet: table size - 1
new people a round, and never more than everyone else; "met" is the average a traveller did meet.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cafe.seating import plan_rotation  # noqa: E402

SIZES = [(12, 3, 3), (30, 6, 4), (60, 12, 4), (200, 40, 4), (500, 100, 4), (1000, 200, 4)]
SIZES += [(2000, 400, 4), (2000, 500, 4), (2000, 400, 3), (24, 6, 4), (36, 6, 4), (20, 4, 3)]


def random_rotation(n: int, tables: int, rounds: int, rng: random.Random) -> list[list[list[int]]]:
    """Seat travellers at random each round; host i stays at table i and tables stay balanced."""
    plan = []
    for _ in range(rounds):
        travellers = list(range(tables, n))
        rng.shuffle(travellers)
        seats = [[t] for t in range(tables)]
        for i, p in enumerate(travellers):  # dealing round the tables keeps sizes within one
            seats[i % tables].append(p)
        plan.append(seats)
    return plan


def meetings(plan: list[list[list[int]]]) -> Counter:
    """Count how often each pair shares a table."""
    return Counter(
        pair for seats in plan for people in seats for pair in combinations(sorted(people), 2)
    )


def repeats(plan: list[list[list[int]]]) -> int:
    """Count pairs who share a table in more than one round."""
    return sum(c > 1 for c in meetings(plan).values())


def met_per_traveller(plan: list[list[list[int]]], n: int, tables: int) -> float:
    """Return how many different people a traveller meets, on average."""
    met = Counter()
    for a, b in meetings(plan):
        met[a] += 1
        met[b] += 1
    return sum(met[p] for p in range(tables, n)) / max(1, n - tables)


def main() -> None:
    """Run every size and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per size (default 3)")
    args = parser.parse_args()
    print(
        "| people | tables | rounds | random repeats | planner repeats | met (planner) | bound "
        "| planner time (s) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, tables, rounds in SIZES:
        hosts = {t: t for t in range(tables)}
        rand, mine, met, took = [], [], [], []
        for seed in range(args.seeds):
            rand.append(repeats(random_rotation(n, tables, rounds, random.Random(seed))))
            start = time.perf_counter()
            rotation = plan_rotation(list(range(n)), tables, rounds, hosts, seed=seed)
            took.append(time.perf_counter() - start)
            mine.append(rotation.repeat_pairs)
            met.append(met_per_traveller(rotation.rounds, n, tables))
        bound = min(n - 1, rounds * (-(-n // tables) - 1))
        print(
            f"| {n} | {tables} | {rounds} | {sum(rand) / len(rand):.1f} | {sum(mine) / len(mine):.1f} "
            f"| {sum(met) / len(met):.1f} | {bound} | {sum(took) / len(took):.2f} "
            f"(max {max(took):.2f}) |"
        )
    print(f"\nCommand: .venv/bin/python bench/rotation.py --seeds {args.seeds}")
    print(f"Means over seeds 0..{args.seeds - 1}; times are wall clock on this machine.")


if __name__ == "__main__":
    main()
