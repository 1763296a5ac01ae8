"""What the record check of ``newscrawl archive verify`` costs: 10,000 archive records, median of 7 rounds.

``verify`` checks every record of an archive against ``article.schema.json``; this times that check alone
on records shaped like a crawl's (with alternates and a previous hash on half of them).

    PYTHONPATH=. python benchmarks/schema_check.py
"""

from __future__ import annotations

import statistics
import time

from newscrawl.archive.check import record_check
from tests.archive_records import record

N = 10_000
ROUNDS = 7


def main() -> None:
    records = [record(n, lang=("uk", "ru", "en")[n % 3]) for n in range(N)]
    for n, item in enumerate(records):
        if n % 2:
            item["alternates"] = {"ru": item["url"].replace("/news/", "/rus/news/")}
            item["previous_hash"], item["version"] = item["content_hash"], 2
    check = record_check()
    assert all(check(r) is None for r in records)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for item in records:
            check(item)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{N} records: median {median * 1000:.1f} ms ({N / median:,.0f} records/s), min {min(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
