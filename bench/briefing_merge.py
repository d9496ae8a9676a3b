"""Time the Regenerate merge on drafts up to the largest allowed (100,000 characters).

Example: .venv/bin/python bench/briefing_merge.py --paragraphs 200 1500
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cafe.briefing.merge import merge_texts  # noqa: E402


def texts(paragraphs: int, edits: int, seed: int) -> tuple[str, str, str]:
    """Return base, staff-edited and regenerated texts: `edits` paragraphs changed on each side."""
    rng = random.Random(seed)
    lines: list[str] = []
    for i in range(paragraphs):
        lines += [f"Paragraph {i} " + "words " * rng.randint(5, 12), ""]
    ours, theirs = list(lines), list(lines)
    for i in rng.sample(range(0, len(lines), 2), edits):
        ours[i] += " (staff)"
    for i in rng.sample(range(0, len(lines), 2), edits):
        theirs[i] += " (themes)"
    return tuple("\n".join(t) + "\n" for t in (lines, ours, theirs))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[50, 200, 1500])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| paragraphs | characters | conflicts | median (s) |")
    print("| ---: | ---: | ---: | ---: |")
    for n in args.paragraphs:
        base, ours, theirs = texts(n, max(1, n // 15), seed=n)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            merged = merge_texts(base, ours, theirs)
            times.append(time.perf_counter() - start)
        print(f"| {n} | {len(ours):,} | {len(merged.conflicts)} | "
              f"{statistics.median(times):.3f} |")
    print(f"\nCommand: .venv/bin/python bench/briefing_merge.py --paragraphs "
          f"{' '.join(map(str, args.paragraphs))}")


if __name__ == "__main__":
    main()
