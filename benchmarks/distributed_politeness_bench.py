"""Shared per-host politeness: 1, 2 and 4 Redis workers per site on three sites at once, in one run.

    python benchmarks/distributed_politeness_bench.py [--articles 30] [--delay 0.25] [--workers 1,2,4]

Three mirrors, each a ``tests/mirror_bulk.py`` mirror of ``--articles`` articles served by its own
``tests/polite_mirror.py`` server (which records when every request arrives), stand for three hosts: each
is crawled by its own distributed crawl (its own Redis database, so each has its own frontier and its own
politeness state), all three at the same time, with W workers each. Every host has the same fixed delay
(``DOWNLOAD_DELAY=--delay``, no jitter, AutoThrottle off, ``CONCURRENT_REQUESTS_PER_DOMAIN=2``).

For each W it prints:

- ``articles/s``: articles archived on all three sites together per second, from the first launch until
  the last article is in the three seen-indexes (the idle wait before workers leave is not work);
- ``smallest gap s``: the smallest time between two requests to one host, over the three hosts, as the
  mirror servers saw them; shared politeness keeps it at or above ``--delay`` whatever W is;
- ``requests``: requests the three hosts received (robots.txt of every worker included).

Every run starts from empty output folders and an empty Redis (started here on a free port).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402

from tests.mirror_bulk import build_bulk_mirror  # noqa: E402
from tests.polite_mirror import PoliteMirror, polite_mirror  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402

HOST = "www.eurointegration.com.ua"
SITES = 3


def crawl_command(mirror: str, out: Path, log: Path, redis_url: str, delay: float) -> list[str]:
    settings = {
        "NEWSCRAWL_MIRROR": mirror,
        "NEWSCRAWL_OUTPUT": str(out),
        "NEWSCRAWL_REDIS_URL": redis_url,
        "NEWSCRAWL_REDIS_IDLE_CLOSE": "1",
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": str(delay),
        "DOWNLOAD_DELAY_JITTER": "0",
        "CONCURRENT_REQUESTS": "4",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log),
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "eurointegration", "-a", "lang=uk", "-a", "max_pages=6"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def one_run(
    workers: int, mirrors: list[PoliteMirror], redis_port: int, n: int, delay: float, scratch: Path
) -> tuple[float, float, int]:
    """(seconds until every article of the three sites is archived, smallest per-host gap, requests)."""
    urls = [f"redis://127.0.0.1:{redis_port}/{db}" for db in range(SITES)]
    for url in urls:
        Redis.from_url(url).flushdb()
    for mirror in mirrors:
        with mirror.lock:
            mirror.arrivals.clear()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    start = time.monotonic()
    procs = []
    for site, (mirror, url) in enumerate(zip(mirrors, urls, strict=True)):
        out = scratch / f"output{site}"
        shutil.rmtree(out, ignore_errors=True)
        for i in range(workers):
            log = scratch / f"site{site}-worker{i}.log"
            procs.append(
                subprocess.Popen(
                    crawl_command(mirror.url, out, log, url, delay),
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    clients = [Redis.from_url(url) for url in urls]
    done_at: float | None = None
    while any(p.poll() is None for p in procs):
        if done_at is None and all(int(c.hlen("newscrawl:index")) >= n for c in clients):
            done_at = time.monotonic()
        time.sleep(0.05)
    if any(p.returncode != 0 for p in procs):
        raise SystemExit(f"a crawl failed: exit codes {[p.returncode for p in procs]}; logs in {scratch}")
    counts = [int(c.hlen("newscrawl:index")) for c in clients]
    if counts != [n] * SITES:
        raise SystemExit(f"archived {counts} of {n} articles per site; logs in {scratch}")
    seconds = (done_at or time.monotonic()) - start
    gap = min(mirror.smallest_gap(HOST) for mirror in mirrors)
    return seconds, gap, sum(len(mirror.times(HOST)) for mirror in mirrors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="newscrawl-politeness-bench-") as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        mirrors = []
        for site in range(SITES):
            build_bulk_mirror(scratch / f"mirror{site}", args.articles)
            mirrors.append(stack.enter_context(polite_mirror(scratch / f"mirror{site}")))
        redis = stack.enter_context(redis_server(scratch / "redis"))
        results = {w: one_run(w, mirrors, redis.port, args.articles, args.delay, scratch) for w in counts}

    load = os.getloadavg()[0]
    print(
        f"{SITES} sites x {args.articles} articles, per-host delay {args.delay}s, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    header = ("workers per site", "processes", "requests", "s", "articles/s", "smallest gap s")
    print("{:>16} {:>10} {:>9} {:>7} {:>11} {:>15}".format(*header))
    for w, (seconds, gap, requests) in results.items():
        rate = SITES * args.articles / seconds
        print(f"{w:>16} {SITES * w:>10} {requests:>9} {seconds:>7.2f} {rate:>11.2f} {gap:>15.3f}")


if __name__ == "__main__":
    main()
