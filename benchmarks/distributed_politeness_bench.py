"""Shared per-host politeness and what distribution buys: three sites, crawled in turn by one worker, then
at once by W Redis workers per site.

    python benchmarks/distributed_politeness_bench.py [--articles 30] [--delay 0.25] [--workers 1,2,4]
    python benchmarks/distributed_politeness_bench.py --delay 1.0 --articles 20 --workers 1,2

Three mirrors, each a ``tests/mirror_bulk.py`` mirror of ``--articles`` articles served by its own
``tests/polite_mirror.py`` server (which records when every request arrives), stand for three hosts. Each
is crawled by its own distributed crawl (its own Redis database, so each has its own frontier and its own
politeness state). Every host has the same fixed delay (``DOWNLOAD_DELAY=--delay``, no jitter,
AutoThrottle off, ``CONCURRENT_REQUESTS_PER_DOMAIN=2``).

Rows:

- ``1 in all (sites in turn)``: the baseline, one worker in all that crawls the three sites one after
  another; its time is the sum of the three crawls, each from its launch until its last article is
  archived;
- ``3*W (W per site)``, for each W of ``--workers``: the three sites crawled at the same time, W workers
  each, timed from the first launch until the last article of the three sites is archived.

For each row it prints the total number of workers and:

- ``articles/s``: articles archived on all three sites together per second (the idle wait before workers
  leave is not work, so it is not counted);
- ``smallest gap s``: the smallest time between two requests to one host, over the three hosts, as the
  mirror servers saw them; shared politeness keeps it at or above ``--delay`` whatever the workers;
- ``requests``: requests the three hosts received (robots.txt of every worker included).

With a delay large enough that politeness, not CPU, bounds each host (``--delay 1.0``), the baseline shows
the rate of one politeness-bound host at a time and the other rows what asking hosts in parallel adds.
It also prints the machine's load average (``os.getloadavg()``) before and after the runs.

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


def crawl_sites(
    sites: list[int], workers: int, mirrors: list[PoliteMirror], urls: list[str], n: int, delay: float, scratch: Path
) -> float:
    """Crawl ``sites`` at the same time, ``workers`` each; seconds from the launch until all are archived."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    start = time.monotonic()
    procs = []
    for site in sites:
        out = scratch / f"output{site}"
        shutil.rmtree(out, ignore_errors=True)
        for i in range(workers):
            log = scratch / f"site{site}-worker{i}.log"
            procs.append(
                subprocess.Popen(
                    crawl_command(mirrors[site].url, out, log, urls[site], delay),
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    clients = [Redis.from_url(urls[site]) for site in sites]
    done_at: float | None = None
    while any(p.poll() is None for p in procs):
        if done_at is None and all(int(c.hlen("newscrawl:index")) >= n for c in clients):
            done_at = time.monotonic()
        time.sleep(0.05)
    if any(p.returncode != 0 for p in procs):
        raise SystemExit(f"a crawl failed: exit codes {[p.returncode for p in procs]}; logs in {scratch}")
    counts = [int(c.hlen("newscrawl:index")) for c in clients]
    if counts != [n] * len(sites):
        raise SystemExit(f"archived {counts} of {n} articles per site; logs in {scratch}")
    return (done_at or time.monotonic()) - start


def one_run(
    workers: int, in_turn: bool, mirrors: list[PoliteMirror], redis_port: int, n: int, delay: float, scratch: Path
) -> tuple[float, float, int]:
    """(seconds of crawling until every article of the three sites is archived, smallest per-host gap,
    requests); ``in_turn``: one site after another, else all three at once."""
    urls = [f"redis://127.0.0.1:{redis_port}/{db}" for db in range(SITES)]
    for url in urls:
        Redis.from_url(url).flushdb()
    for mirror in mirrors:
        with mirror.lock:
            mirror.arrivals.clear()
    if in_turn:
        seconds = sum(crawl_sites([site], workers, mirrors, urls, n, delay, scratch) for site in range(SITES))
    else:
        seconds = crawl_sites(list(range(SITES)), workers, mirrors, urls, n, delay, scratch)
    gap = min(mirror.smallest_gap(HOST) for mirror in mirrors)
    return seconds, gap, sum(len(mirror.times(HOST)) for mirror in mirrors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--workers", default="1,2,4", help="workers per site, comma-separated")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one worker crawling sites in turn")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    configs = ([] if args.no_baseline else [(1, True)]) + [(w, False) for w in counts]

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="newscrawl-politeness-bench-") as tmp, ExitStack() as stack:
        scratch = Path(tmp)
        mirrors = []
        for site in range(SITES):
            build_bulk_mirror(scratch / f"mirror{site}", args.articles)
            mirrors.append(stack.enter_context(polite_mirror(scratch / f"mirror{site}")))
        redis = stack.enter_context(redis_server(scratch / "redis"))
        results = [
            (w, in_turn, one_run(w, in_turn, mirrors, redis.port, args.articles, args.delay, scratch))
            for w, in_turn in configs
        ]
    load_after = os.getloadavg()

    def loads(avg: tuple[float, float, float]) -> str:
        return " ".join(f"{x:.2f}" for x in avg)

    print(
        f"{SITES} sites x {args.articles} articles, per-host delay {args.delay}s, {os.cpu_count()} CPUs, "
        f"load average (1, 5, 15 min) {loads(load_before)} before, {loads(load_after)} after"
    )
    header = ("workers in all", "requests", "s", "articles/s", "smallest gap s")
    print("{:<26} {:>9} {:>7} {:>11} {:>15}".format(*header))
    for w, in_turn, (seconds, gap, requests) in results:
        label = "1 in all (sites in turn)" if in_turn else f"{SITES * w} ({w} per site)"
        rate = SITES * args.articles / seconds
        print(f"{label:<26} {requests:>9} {seconds:>7.2f} {rate:>11.2f} {gap:>15.3f}")


if __name__ == "__main__":
    main()
