"""Speed of the similar-student search: 5,000 new students against 5,000 current ones.

    .venv/bin/python benchmarks/bench_names.py

Moved here from the test suite (issue 13): tests judge results, benchmarks time them. Measured
about 0.3 s on the development machine; a check of a full roster stays well under two seconds.
"""

from __future__ import annotations

import random
import string
import time

from sheetcheck.names import NameIndex


def _random_name(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length)).title()


def main() -> None:
    rng = random.Random(6)
    common_given = [_random_name(rng, 5) for _ in range(60)]
    existing = [(rng.choice(common_given), _random_name(rng, 7)) for _ in range(5000)]
    index = NameIndex()
    for number, (given, family) in enumerate(existing):
        index.add(number, given, family, [("year", "7")])
    new = [(rng.choice(common_given), _random_name(rng, 7)) for _ in range(5000)]
    start = time.perf_counter()
    for given, family in new:
        index.search(given, family, [("year", "7")])
    elapsed = time.perf_counter() - start
    print(f"similar-student search, 5,000 x 5,000 in one year: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
