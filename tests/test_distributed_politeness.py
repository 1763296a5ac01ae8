"""Per-host politeness shared by all Redis workers: a site sees one polite visitor, however many workers.

Every test runs real ``scrapy crawl`` workers against one real ``redis-server`` and a mirror that records
when each request arrived and how many were in flight at once (``tests/polite_mirror.py``); the
assertions are on what the site saw.
"""

from __future__ import annotations

import gzip
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from scrapy.core.downloader import Slot
from scrapy.http import Response
from scrapy.settings import Settings

from newscrawl import exitcodes
from newscrawl.distributed import DistributedAddon
from newscrawl.distributed.politeness import FORGET, RELEASE, RESERVE, PacedSlot, decoded_body
from tests.mirror_bulk import build_bulk_mirror
from tests.polite_mirror import PoliteMirror, Throttle, polite_mirror
from tests.redis_server import RedisServer
from tests.test_distributed import assert_archived_once, start_workers, stat, wait_all

HOST = "www.eurointegration.com.ua"
ARTICLES = f"/{HOST}/news/2023/"
ROBOTS_CRAWL_DELAY_1 = (
    "User-agent: *\nDisallow:\nCrawl-delay: 1\n\nSitemap: https://www.eurointegration.com.ua/sitemap/sitemap.xml\n"
)


def small_mirror(root: Path, n: int, robots: str | None = None) -> list[dict[str, Any]]:
    expected = build_bulk_mirror(root, n)
    if robots is not None:
        (root / HOST / "robots.txt").write_text(robots, "utf-8")
    return expected


def crawl(n: int, mirror: PoliteMirror, tmp_path: Path, redis_url: str, **extra: str) -> list[subprocess.Popen[str]]:
    return start_workers(n, mirror, tmp_path / "output", redis_url, tmp_path / "logs", **extra)  # type: ignore[arg-type]


def logs_of(tmp_path: Path, n: int) -> list[Path]:
    return [tmp_path / "logs" / f"worker{i}.log" for i in range(n)]


def test_three_workers_keep_robots_crawl_delay_between_all_their_requests(tmp_path: Path, redis: RedisServer) -> None:
    """Three workers on a site whose robots.txt says Crawl-delay: 1 ask it at most once a second between them."""
    expected = small_mirror(tmp_path / "mirror", 8, ROBOTS_CRAWL_DELAY_1)
    with polite_mirror(tmp_path / "mirror") as mirror:
        # two requests at a time per worker, so no worker takes the whole (small) frontier into its downloader
        procs = crawl(3, mirror, tmp_path, redis.url, CONCURRENT_REQUESTS="2")
        assert wait_all(procs) == [exitcodes.OK] * 3, [p.stderr.read() for p in procs if p.stderr]
        assert len(assert_archived_once(tmp_path / "output", expected)) == 8
        times = mirror.times(HOST)
        assert mirror.smallest_gap(HOST) >= 0.9, mirror.gaps(HOST)
        # every request that reached the site was granted by Redis, and the work was shared (a worker
        # that started late on a busy machine may find none left, so two of three is the premise)
        granted = [stat(log, "newscrawl/distributed/politeness/granted") for log in logs_of(tmp_path, 3)]
        assert sum(granted) == len(times) and sorted(granted)[1] >= 1, granted


def test_retry_after_seen_by_one_worker_pauses_every_worker(tmp_path: Path, redis: RedisServer) -> None:
    """A 429 with Retry-After: 5 answered to one worker: no worker asks that host again for 5 seconds."""
    expected = small_mirror(tmp_path / "mirror", 12)
    throttle = Throttle(prefix=ARTICLES, nth=2, retry_after=5)
    with polite_mirror(tmp_path / "mirror", throttle=throttle) as mirror:
        procs = crawl(3, mirror, tmp_path, redis.url, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.1")
        assert wait_all(procs) == [exitcodes.OK] * 3, [p.stderr.read() for p in procs if p.stderr]
        assert len(assert_archived_once(tmp_path / "output", expected)) == 12  # the refused one after its wait
        refused = mirror.refused
        assert refused is not None
        later = [t for t in mirror.times(HOST) if t > refused.at]
        assert later, "the crawl went on after the 429"
        assert later[0] - refused.at >= 5.0, mirror.gaps(HOST)
        assert sum(stat(log, "newscrawl/distributed/politeness/backoffs") for log in logs_of(tmp_path, 3)) == 1


def test_two_workers_never_have_two_requests_in_flight_to_a_host_of_concurrency_one(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Two workers with CONCURRENT_REQUESTS_PER_DOMAIN=1 never have two requests in flight to the host at once."""
    expected = small_mirror(tmp_path / "mirror", 8)
    with polite_mirror(tmp_path / "mirror", slow=0.3) as mirror:
        procs = crawl(2, mirror, tmp_path, redis.url, CONCURRENT_REQUESTS="2", CONCURRENT_REQUESTS_PER_DOMAIN="1")
        assert wait_all(procs) == [exitcodes.OK] * 2, [p.stderr.read() for p in procs if p.stderr]
        assert len(assert_archived_once(tmp_path / "output", expected)) == 8
        assert mirror.max_in_flight == {HOST: 1}
        granted = [stat(log, "newscrawl/distributed/politeness/granted") for log in logs_of(tmp_path, 2)]
        assert sum(granted) == len(mirror.times(HOST)) and min(granted) >= 1, granted


def test_politeness_state_lost_with_redis_is_rebuilt_not_skipped(tmp_path: Path) -> None:
    """Redis restarted mid-run without its politeness state: the workers rebuild it and keep the Crawl-delay."""
    expected = small_mirror(tmp_path / "mirror", 8, ROBOTS_CRAWL_DELAY_1)
    server = RedisServer(tmp_path / "redis", durable=True)  # the frontier survives; the politeness keys we drop
    server.start()
    polite_key = f"newscrawl:polite:{HOST}"
    try:
        with polite_mirror(tmp_path / "mirror") as mirror:
            procs = crawl(3, mirror, tmp_path, server.url, CONCURRENT_REQUESTS="2")
            deadline = time.monotonic() + 60
            # Every worker has read robots.txt (the documented limit: one that has not knows no Crawl-delay).
            while time.monotonic() < deadline and (
                len(mirror.times(HOST)) < 6 or mirror.count(HOST, "/robots.txt") < 3
            ):
                time.sleep(0.02)
            assert mirror.count(HOST, "/robots.txt") >= 3
            assert Redis.from_url(server.url).exists(polite_key) == 1
            server.stop(kill=True)
            before = len(mirror.times(HOST))
            time.sleep(1.5)  # the workers find Redis gone and retry
            assert all(p.poll() is None for p in procs), "a worker died with Redis"
            server.start()
            # Right after the first request since the restart, the host's state is lost (as if Redis had
            # come back without it): the next request must still wait the Crawl-delay, not go at once.
            while time.monotonic() < deadline and len(mirror.times(HOST)) == before:
                time.sleep(0.005)
            client = Redis.from_url(server.url)
            assert client.delete(polite_key, f"{polite_key}:inflight") >= 1
            while time.monotonic() < deadline and client.exists(polite_key) == 0:
                time.sleep(0.02)
            assert client.exists(polite_key) == 1, "the workers rebuilt the host's state"
            assert wait_all(procs) == [exitcodes.OK] * 3, [p.stderr.read() for p in procs if p.stderr]
            assert len(assert_archived_once(tmp_path / "output", expected)) == 8
            assert len(mirror.times(HOST)) > before + 2  # requests after the restart, paced as before it
            assert mirror.smallest_gap(HOST) >= 0.9, mirror.gaps(HOST)
    finally:
        server.stop(kill=True)


def test_addon_adds_no_shared_politeness_without_redis() -> None:
    """Without NEWSCRAWL_REDIS_URL the add-on leaves Scrapy's own per-process slots alone."""
    settings = Settings()
    DistributedAddon().update_settings(settings)
    assert "newscrawl.distributed.politeness.SharedPoliteness" not in settings.getdict("DOWNLOADER_MIDDLEWARES")
    settings.set("NEWSCRAWL_REDIS_URL", "redis://127.0.0.1:1/0")
    DistributedAddon().update_settings(settings)
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")["newscrawl.distributed.politeness.SharedPoliteness"] == 950


# --- the scripts and the slot, against the same real Redis --------------------------------------------


def test_scripts_space_limit_back_off_expire_and_forget(redis: RedisServer) -> None:
    """The Lua scripts alone: gap, quarantine of an unknown host, in-flight limit, backoff, lease expiry, forget."""
    server = Redis.from_url(redis.url)
    reserve, release, forget = (server.register_script(s) for s in (RESERVE, RELEASE, FORGET))
    keys = ["newscrawl:polite:h", "newscrawl:polite:h:inflight"]

    def ask(lease: str, delay: int, limit: int = 1, lease_ms: int = 60_000) -> int:
        return int(reserve(keys=keys, args=[lease, delay, limit, lease_ms, "1", "", 600_000]))

    def done(lease: str, backoff: int = 0) -> None:
        release(keys=keys, args=[lease, "1", "", backoff, 600_000])

    assert 900 < ask("a", 1000) <= 1000  # a host Redis does not know waits one delay first
    server.delete(*keys)
    assert ask("a", 0) == 0  # granted
    assert ask("a", 0) == 0  # the same lease asked again (a retried command) is the same grant
    assert ask("b", 0) == -1  # limit 1: the host has its request in flight
    done("a")
    assert ask("b", 0, limit=1) == 0
    done("b")
    assert 200 < ask("c", 300) <= 300  # the gap counts from the last response
    done("x", backoff=5000)  # a 429 answered: every worker waits for the host
    assert 4800 < ask("c", 0) <= 5000
    server.hset(keys[0], "backoff_until", 0)
    assert ask("c", 0, lease_ms=100) == 0
    assert ask("d", 0) == -1
    time.sleep(0.2)  # the worker holding "c" died: its lease expires
    assert ask("d", 0) == 0
    assert forget(keys=keys) == 0  # "d" is in flight
    done("d")
    assert forget(keys=keys) == 1 and server.exists(*keys) == 0
    # robots.txt not read yet by anyone: one request at a time, whatever the limit
    assert int(reserve(keys=keys, args=["e", 0, 8, 60_000, "0", "", 600_000])) == 0
    assert int(reserve(keys=keys, args=["f", 0, 8, 60_000, "0", "", 600_000])) == -1
    release(keys=keys, args=["e", "1", "1000", 0, 600_000])  # its robots.txt says Crawl-delay: 1
    assert 900 < int(reserve(keys=keys, args=["f", 0, 8, 60_000, "0", "", 600_000])) <= 1000
    assert server.pttl(keys[0]) > 590_000  # idle state expires
    # with a delay, the next request waits for the previous one's response, then the delay from there
    server.delete(*keys)
    assert ask("g", 0, limit=2) == 0
    assert ask("h", 100, limit=2) == -1
    done("g")
    assert 50 < ask("h", 100, limit=2) <= 100


def test_request_granted_before_a_restart_holds_the_host_until_its_response(redis: RedisServer) -> None:
    """A request granted before Redis restarted and not yet answered: the next one waits for its response, then the delay."""
    server = Redis.from_url(redis.url)
    reserve, release = (server.register_script(s) for s in (RESERVE, RELEASE))
    keys = ["newscrawl:polite:h", "newscrawl:polite:h:inflight"]

    def ask(lease: str) -> int:  # a worker that read robots.txt: Crawl-delay 1 s, its slot floored to it
        return int(reserve(keys=keys, args=[lease, 1000, 8, 60_000, "1", "1000", 600_000]))

    assert 900 < ask("a") <= 1000  # a new host waits one delay first
    server.hset(keys[0], "last_at", 0)  # ... which has passed
    assert ask("a") == 0
    # Redis restarts (durable: the hash and the lease survive) before "a" reaches the site: its worker's
    # reactor sat in the Redis client's retries, so "a" goes out only once that worker reconnects.
    server.hset(keys[0], "run", "the-run-before-the-restart")
    assert ask("b") == -1  # "a" is in flight: "b" waits for its response, not just one delay from now
    server.hset(keys[0], "last_at", 0)  # however long that takes
    assert ask("b") == -1
    release(keys=keys, args=["a", "1", "1000", 0, 600_000])  # "a" answered
    assert 900 < ask("b") <= 1000  # the Crawl-delay runs from its response
    server.hset(keys[0], "last_at", 0)
    assert ask("b") == 0


def test_paced_slot_leaves_the_waiting_to_redis() -> None:
    """A paced slot makes Scrapy's downloader wait nothing, and still reports the delay Scrapy would wait."""
    slot = Slot(2, 1.0, 0.5)
    slot.__class__ = PacedSlot
    assert isinstance(slot, PacedSlot) and slot.download_delay() == 0.0
    assert all(0.5 <= slot.paced_delay() <= 1.5 for _ in range(100))


def test_worker_without_redis_does_not_ask_the_site_unpaced(tmp_path: Path, redis: RedisServer) -> None:
    """A worker that cannot get its host's permission from Redis sends nothing more and stops (redis_unavailable)."""
    small_mirror(tmp_path / "mirror", 8, ROBOTS_CRAWL_DELAY_1)
    with polite_mirror(tmp_path / "mirror") as mirror:
        procs = crawl(1, mirror, tmp_path, redis.url, NEWSCRAWL_REDIS_RETRY="2")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(mirror.times(HOST)) < 7:
            time.sleep(0.005)
        # right after a request arrived: the next one may go only a Crawl-delay after its response
        redis.stop(kill=True)
        killed_at = time.monotonic()
        assert wait_all(procs, timeout=90) == [exitcodes.FAILED]
        assert [t for t in mirror.times(HOST) if t > killed_at] == []  # its hoarded requests were not sent
        log = logs_of(tmp_path, 1)[0].read_text("utf-8")
        assert "Closing spider (redis_unavailable)" in log
        assert "Redis unreachable for per-host politeness, stopping" in log


@pytest.mark.parametrize("encoding", ["gzip", "deflate", None])
def test_robots_body_read_before_decompression(encoding: str | None) -> None:
    """The shared Crawl-delay is read from robots.txt as Scrapy will see it, whatever its Content-Encoding."""
    body = b"User-agent: *\nCrawl-delay: 3\n"
    packed = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        None: lambda data: data,
    }[encoding](body)
    headers = {"Content-Encoding": encoding} if encoding else {}
    assert decoded_body(Response("https://x/robots.txt", body=packed, headers=headers)) == body
