"""Distributed crawling on this machine: the same mirror crawled by 1, 2 and 4 Redis workers, next to the
single-process embedded (SQLite) mode, measured in the same run.

    python benchmarks/distributed_bench.py [--articles 300] [--repeat 3] [--workers 1,2,4]

For every configuration it prints the median over ``--repeat`` runs of:

- ``pages/s``: pages the mirror served (robots.txt, listings, feed, sitemap, articles) per second,
  from the first worker's launch until the last article is in the archive's index (for Redis workers
  that excludes the ``NEWSCRAWL_REDIS_IDLE_CLOSE`` wait before they leave, which is not work);
- ``wall s``: launch until every worker process has exited;
- ``CPU ms/page``: user + system CPU time of all the crawl processes per page served, which shows the
  cost of the distributed machinery whatever else the machine is doing;
- the ratio of pages/s to the embedded mode's.

Every run starts from an empty output folder and an empty Redis (``redis-server`` started here on a
free port, no persistence). The mirror is ``tests/mirror_bulk.py``'s, served from this process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402

from newscrawl.mirror import make_server  # noqa: E402
from tests.mirror_bulk import build_bulk_mirror  # noqa: E402
from tests.redis_server import redis_server  # noqa: E402


def crawl_command(mirror: str, out: Path, log: Path, extra: dict[str, str]) -> list[str]:
    settings = {
        "NEWSCRAWL_MIRROR": mirror,
        "NEWSCRAWL_OUTPUT": str(out),
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(log),
        **extra,
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "eurointegration", "-a", "lang=uk", "-a", "max_pages=6"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def archived(out: Path, redis_url: str | None) -> int:
    if redis_url:
        return int(Redis.from_url(redis_url).hlen("newscrawl:index"))  # type: ignore[arg-type]
    index = out / ".newscrawl" / "index.sqlite"
    if not index.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def one_run(
    workers: int, redis_url: str | None, mirror: str, log_path: Path, n: int, scratch: Path
) -> tuple[float, float, int, float]:
    """(seconds to the last archived article, wall seconds, pages served, CPU seconds) of one crawl."""
    out = scratch / "output"
    shutil.rmtree(out, ignore_errors=True)
    if redis_url:
        Redis.from_url(redis_url).flushall()
    extra = {"NEWSCRAWL_REDIS_URL": redis_url, "NEWSCRAWL_REDIS_IDLE_CLOSE": "1"} if redis_url else {}
    # The embedded mode indexes every 50 records; the run is "done" when its last commit is in.
    log_path.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            crawl_command(mirror, out, scratch / f"worker{i}.log", extra),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    done_at: float | None = None
    while any(p.poll() is None for p in procs):
        if done_at is None and archived(out, redis_url) >= n:
            done_at = time.monotonic()
        time.sleep(0.02)
    wall = time.monotonic() - start
    if any(p.returncode != 0 for p in procs):
        raise SystemExit(f"a crawl failed: exit codes {[p.returncode for p in procs]}; logs in {scratch}")
    if archived(out, redis_url) != n:
        raise SystemExit(f"archived {archived(out, redis_url)} of {n} articles; logs in {scratch}")
    served = len([line for line in log_path.read_text().splitlines() if line])
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return (done_at - start if done_at is not None else wall), wall, served, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        scratch = Path(tmp)
        build_bulk_mirror(scratch / "mirror", args.articles)
        log_path = scratch / "mirror.log"
        log = log_path.open("a", encoding="utf-8")
        server = make_server(scratch / "mirror", 0, "127.0.0.1", log)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        mirror = f"http://127.0.0.1:{server.server_address[1]}"
        configs: list[tuple[str, int, bool]] = [("embedded (SQLite)", 1, False)]
        configs += [(f"redis, {w} worker{'s' if w > 1 else ''}", w, True) for w in counts]
        results: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name, _, _ in configs}
        with redis_server(scratch / "redis") as redis:
            for _ in range(args.repeat):  # interleaved, so a slow spell of the machine hits every config
                for name, workers, distributed in configs:
                    results[name].append(
                        one_run(workers, redis.url if distributed else None, mirror, log_path, args.articles, scratch)
                    )
        server.shutdown()
        log.close()

    load = os.getloadavg()[0]
    print(f"{args.articles} articles, median of {args.repeat} runs, {os.cpu_count()} CPUs, load average {load:.1f}")
    print(
        f"{'mode':<22} {'pages':>6} {'to last article s':>18} {'pages/s':>8} {'wall s':>7} {'CPU ms/page':>12} "
        f"{'vs embedded':>12}"
    )
    base: float | None = None
    for name, _, _ in configs:
        runs = results[name]
        seconds = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        pages = int(statistics.median(r[2] for r in runs))
        cpu_ms = statistics.median(1000 * r[3] / r[2] for r in runs)
        rate = pages / seconds
        base = base or rate
        print(f"{name:<22} {pages:>6} {seconds:>18.2f} {rate:>8.1f} {wall:>7.2f} {cpu_ms:>12.1f} {rate / base:>11.2f}x")


if __name__ == "__main__":
    main()
