"""Distributed mode: ``scrapy crawl`` workers sharing one real ``redis-server`` (started per test).

Three workers crawl a 300-article mirror and archive each article exactly once between them, each doing
part of the work; a worker killed with SIGKILL mid-crawl loses nothing; Redis restarting mid-crawl
only makes the workers wait; an unreachable Redis is a one-line error before anything is requested;
without ``NEWSCRAWL_REDIS_URL`` no Redis module is even imported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from newscrawl import exitcodes
from newscrawl.archive.index import Entry
from newscrawl.archive.redis_index import RedisArchive, RedisIndex
from newscrawl.distributed.scheduler import Leases
from newscrawl.drops import DuplicateArticle
from tests.conftest import ROOT, Mirror, read_archive, run_crawl
from tests.mirror_bulk import build_bulk_mirror
from tests.redis_server import RedisServer, free_port

ARTICLE_HITS_PREFIX = "/www.eurointegration.com.ua/news/2023/"


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("bulk")
    return root, build_bulk_mirror(root, 300)


def worker_settings(redis_url: str, log: Path, **extra: str) -> dict[str, str]:
    return {
        "NEWSCRAWL_REDIS_URL": redis_url,
        "NEWSCRAWL_REDIS_IDLE_CLOSE": "2",
        "NEWSCRAWL_REDIS_LEASE": "6",
        "NEWSCRAWL_REDIS_RETRY": "30",
        "LOG_FILE": str(log),
        **extra,
    }


def start_workers(
    n: int, mirror: Mirror, out: Path, redis_url: str, logs: Path, first: int = 0, **extra: str
) -> list[subprocess.Popen[str]]:
    logs.mkdir(exist_ok=True)
    procs = []
    for i in range(first, first + n):
        proc = run_crawl(
            "eurointegration",
            "lang=uk",
            "max_pages=6",
            mirror=mirror.url,
            output=out,
            settings=worker_settings(redis_url, logs / f"worker{i}.log", **extra),
            wait=False,
        )
        assert isinstance(proc, subprocess.Popen)
        procs.append(proc)
    return procs


FAILSAFE = 300  # seconds: only a hung worker reaches it; a slow machine waits longer, it does not fail


def wait_for(what: str, condition: Callable[[], bool], timeout: float = FAILSAFE) -> None:
    """Wait for an event (a key count in Redis, a log line, a file); fail only past a generous deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def start_together(
    n: int, mirror: Mirror, out: Path, redis_url: str, logs: Path, **extra: str
) -> list[subprocess.Popen[str]]:
    """``start_workers``, so that on a busy machine no worker finds the work done before it has started.

    The first worker seeds the run; as soon as it has queued a request, Redis stops taking writes
    (``CLIENT PAUSE WRITE``) until the others have started and sit blocked at their first write; then
    they all go on from there together.
    """
    server = Redis.from_url(redis_url)
    procs = start_workers(1, mirror, out, redis_url, logs, **extra)
    wait_for("the seeder to queue its first request", lambda: server.zcard("newscrawl:eurointegration:requests") > 0)
    server.execute_command("CLIENT", "PAUSE", 600_000, "WRITE")
    try:
        procs += start_workers(n - 1, mirror, out, redis_url, logs, first=1, **extra)
        wait_for(f"{n - 1} workers at their first write", lambda: int(server.info("clients")["blocked_clients"]) >= n - 1)
    finally:
        server.execute_command("CLIENT", "UNPAUSE")
    return procs


def wait_all(procs: list[subprocess.Popen[str]], timeout: float = FAILSAFE) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        codes.append(proc.returncode)
    return codes


def stat(log: Path, name: str) -> int:
    """A crawl stat from the stats dump at the end of a worker's log (0 when absent)."""
    for line in log.read_text("utf-8").splitlines():
        if f"'{name}':" in line:
            return int(line.split(":")[-1].strip().rstrip(",}"))
    return 0


def assert_archived_once(out: Path, expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    records = read_archive(out)
    assert Counter(r["key"] for r in records).most_common(1)[0][1] == 1
    assert sorted(r["url"] for r in records) == sorted(e["url"] for e in expected)
    by_url = {r["url"]: r for r in records}
    for e in expected:
        got = by_url[e["url"]]
        assert (got["title"], got["published"], got["text"], got["version"]) == (
            e["title"],
            e["published"],
            e["text"],
            1,
        )
    assert not list(out.rglob("*.part")), "every run file is published"
    return records


def records_per_file(out: Path) -> dict[str, int]:
    return {p.name: len(p.read_text("utf-8").splitlines()) for p in sorted(out.rglob("*.jsonl"))}


def assert_run_ended(redis_url: str, index_size: int) -> None:
    server = Redis.from_url(redis_url)
    assert sorted(k.decode() for k in server.keys("*")) == ["newscrawl:epoch", "newscrawl:index"]
    assert server.hlen("newscrawl:index") == index_size


def test_three_workers_archive_each_article_once(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    root, expected = bulk
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    logs = tmp_path / "logs"

    # leases far longer than any stall of a busy machine: no request is taken back from a live worker
    procs = start_together(3, mirror, out, redis.url, logs, NEWSCRAWL_REDIS_LEASE="60")
    assert wait_all(procs) == [exitcodes.OK] * 3, [p.stderr.read() for p in procs if p.stderr]

    assert len(assert_archived_once(out, expected)) == 300
    per_file = records_per_file(out)
    # one file per worker (its pid in the name), each worker archived a share, together all 300
    assert sorted(int(name.rsplit("-", 1)[1].removesuffix(".jsonl")) for name in per_file) == sorted(
        p.pid for p in procs
    )
    assert all(count >= 1 for count in per_file.values()), per_file
    assert sum(per_file.values()) == 300
    worker_logs = [logs / f"worker{i}.log" for i in range(3)]
    assert [stat(log, "newscrawl/archive/new") for log in worker_logs] == [
        per_file[next(n for n in per_file if n.endswith(f"-{p.pid}.jsonl"))] for p in procs
    ]
    # exactly one worker seeded the run; every article page was downloaded once across all workers
    assert sorted(stat(log, "newscrawl/distributed/seeded") for log in worker_logs) == [0, 0, 1]
    hits = Counter(path for path in mirror.requested() if path.startswith(ARTICLE_HITS_PREFIX))
    assert len(hits) == 300 and set(hits.values()) == {1}
    assert_run_ended(redis.url, 300)

    # The next run (one worker) seeds again, finds every article archived, and writes nothing.
    again = start_workers(1, mirror, out, redis.url, tmp_path / "logs2")
    assert wait_all(again) == [exitcodes.OK]
    assert records_per_file(out) == per_file
    # the shared seen-index tells the worker every article is archived (and past its re-check window)
    assert stat(tmp_path / "logs2" / "worker0.log", "newscrawl/articles/skipped_archived") == 300
    hits_after = Counter(path for path in mirror.requested() if path.startswith(ARTICLE_HITS_PREFIX))
    assert hits_after == hits
    assert_run_ended(redis.url, 300)


def test_killed_worker_loses_nothing(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    root, expected = bulk
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    logs = tmp_path / "logs"
    # fewer requests at a time, so the crawl is still under way when the victim is killed
    procs = start_together(3, mirror, out, redis.url, logs, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.02")
    victim = procs[1]

    def victim_lines() -> int:
        parts = list(out.rglob(f"*-{victim.pid}.jsonl.part"))
        return len(parts[0].read_bytes().splitlines()) if parts else 0

    wait_for("the victim to archive 10 records", lambda: victim_lines() >= 10)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    survivors = [procs[0], procs[2]]
    assert wait_all(survivors) == [exitcodes.OK] * 2, [p.stderr.read() for p in survivors if p.stderr]

    assert len(assert_archived_once(out, expected)) == 300
    per_file = records_per_file(out)
    victim_files = [n for n in per_file if n.endswith(f"-{victim.pid}.jsonl")]
    # the victim's committed records were published by a survivor, and they count
    assert len(victim_files) == 1 and per_file[victim_files[0]] >= 9
    assert len(per_file) == 3 and sum(per_file.values()) == 300
    survivor_logs = [logs / "worker0.log", logs / "worker2.log"]
    # requests the victim had leased went back to the queue; one survivor published its file
    assert sum(stat(log, "newscrawl/distributed/requeued") for log in survivor_logs) >= 1
    assert sum(stat(log, "newscrawl/distributed/reconciled_files") for log in survivor_logs) == 1
    assert_run_ended(redis.url, 300)


def test_redis_restart_mid_crawl(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    root, expected = bulk
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    logs = tmp_path / "logs"
    server = RedisServer(tmp_path / "redis", durable=True)  # a restart keeps what was acknowledged
    server.start()
    try:
        procs = start_together(2, mirror, out, server.url, logs, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.02")
        client = Redis.from_url(server.url)
        wait_for("40 articles committed", lambda: client.hlen("newscrawl:index") >= 40)
        server.stop(kill=True)
        time.sleep(2)  # Redis stays away for 2 s, well inside NEWSCRAWL_REDIS_RETRY (30 s)
        assert all(p.poll() is None for p in procs), "a worker died with Redis"
        server.start()
        assert wait_all(procs) == [exitcodes.OK] * 2, [p.stderr.read() for p in procs if p.stderr]
        assert len(assert_archived_once(out, expected)) == 300
        assert_run_ended(server.url, 300)
    finally:
        server.stop(kill=True)


def test_unreachable_redis_is_a_one_line_error(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    mirror = serve_mirror(bulk[0])
    out = tmp_path / "output"
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = run_crawl("eurointegration", mirror=mirror.url, output=out, settings={"NEWSCRAWL_REDIS_URL": url})
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.FAILED
    errors = [line for line in result.stderr.splitlines() if line.startswith("newscrawl: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"newscrawl: error: eurointegration: cannot reach Redis at {url}: "), errors
    assert "Connection refused" in errors[0] and "Traceback" not in result.stderr
    assert mirror.requested() == [] and not out.exists()

    bad = run_crawl("eurointegration", mirror=mirror.url, output=out, settings={"NEWSCRAWL_REDIS_URL": "http://x"})
    assert isinstance(bad, subprocess.CompletedProcess)
    assert bad.returncode == exitcodes.USAGE
    assert [line for line in bad.stderr.splitlines() if line.startswith("newscrawl: error:")] == [
        "newscrawl: error: eurointegration: NEWSCRAWL_REDIS_URL must be a redis://, rediss:// or unix:// URL such as redis://127.0.0.1:6379/0, "
        "or empty, not 'http://x' (exit 2)"
    ]


def test_embedded_mode_imports_nothing_of_redis(tmp_path: Path, serve_mirror: Callable[[Path], Mirror]) -> None:
    root = tmp_path / "mirror"
    expected = build_bulk_mirror(root, 5)
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    settings = {
        "NEWSCRAWL_MIRROR": mirror.url,
        "NEWSCRAWL_OUTPUT": str(out),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
    }
    argv = ["scrapy", "crawl", "eurointegration", "-a", "lang=uk"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    # the crawl runs in a process that lists every module it imported when it exits
    probe = (
        "import atexit, sys; atexit.register(lambda: print('MODULES', *sorted(sys.modules), file=sys.stderr)); "
        f"from scrapy.cmdline import execute; execute({argv!r})"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == exitcodes.OK, result.stderr[-2000:]
    imported = set(next(line for line in result.stderr.splitlines() if line.startswith("MODULES ")).split()[1:])
    assert {"scrapy.core.scheduler", "newscrawl.distributed", "newscrawl.archive.store"} <= imported  # the probe works
    assert not {m for m in imported if m.split(".")[0] in {"redis", "scrapy_redis"}}
    assert "newscrawl.distributed.worker" not in imported
    assert len(read_archive(out)) == len(expected) == 5


# --- the pieces, against the same real Redis -------------------------------------------------------


def entry(key: str, file: str, version: int = 1, content_hash: str = "sha256:a") -> Entry:
    return Entry(key, "eurointegration", "uk", f"https://x/{key}", content_hash, version, None, None, file, "t")


def test_claims_commit_once_and_expire(redis: RedisServer) -> None:
    index = RedisIndex(Redis.from_url(redis.url))
    assert index.claim("k:uk:1", "w1", 1, 60) == "claimed"
    assert index.claim("k:uk:1", "w2", 1, 60) == "busy"
    assert index.claim("k:uk:1", "w1", 1, 60) == "claimed"  # a retried claim is the same claim
    assert index.commit(entry("k:uk:1", "a.jsonl"), "w2") is False  # not w2's claim
    assert index.commit(entry("k:uk:1", "a.jsonl"), "w1") is True
    assert index.commit(entry("k:uk:1", "a.jsonl"), "w1") is True  # a retried commit agrees
    assert index.get("k:uk:1") == entry("k:uk:1", "a.jsonl")
    assert index.claim("k:uk:1", "w2", 1, 60) == "archived"
    assert index.claim("k:uk:1", "w2", 2, 60) == "claimed"  # a revision is a new claim
    # a dead worker's claim expires, and its late commit is refused
    assert index.claim("k:uk:2", "dead", 1, 0.2) == "claimed"
    wait_for("the dead claim to expire", lambda: not index.server.exists("newscrawl:claim:k:uk:2"))
    assert index.claim("k:uk:2", "w1", 1, 5) == "claimed"
    assert index.commit(entry("k:uk:2", "dead.jsonl"), "dead") is False
    assert index.count() == 1
    index.touch(["k:uk:1"], "2026-01-01T00:00:00+00:00")
    touched = index.get("k:uk:1")
    assert touched is not None and touched.checked_at == "2026-01-01T00:00:00+00:00"


def test_leases_return_to_the_queue_with_their_priority(redis: RedisServer) -> None:
    server = Redis.from_url(redis.url)
    server.zadd("newscrawl:s:requests", {b"low": 0, b"high": -10})
    dead = Leases(server, "s", lease=0.2)
    assert dead.pop() == ("1", b"high")
    alive = Leases(server, "s", lease=60)
    assert alive.pop() == ("2", b"low")
    assert alive.pop() is None
    assert alive.in_flight() == 2
    time.sleep(0.3)
    assert alive.requeue_expired() == 1  # the dead worker's lease, not the live one's
    assert server.zrange("newscrawl:s:requests", 0, -1, withscores=True) == [(b"high", -10.0)]
    alive.ack_all()
    assert alive.in_flight() == 0 and alive.end_run() is False  # "high" is still queued
    assert alive.pop() == ("3", b"high")
    alive.ack("3")
    assert alive.end_run() is True


def record(n: int) -> dict[str, Any]:
    return {
        "key": f"eurointegration:uk:{n}",
        "site": "eurointegration",
        "lang": "uk",
        "url": f"https://www.eurointegration.com.ua/news/2023/05/1/{n}/",
        "content_hash": f"sha256:{n}",
        "version": 1,
        "crawled_at": "2026-01-01T00:00:00+00:00",
    }


def test_dead_worker_file_loses_only_its_torn_tail(redis: RedisServer, tmp_path: Path) -> None:
    index = RedisIndex(Redis.from_url(redis.url))
    dead = RedisArchive(tmp_path, "eurointegration", index, worker="dead", claim_ttl=5)
    dead.write(record(1))
    dead.write(record(2))
    assert dead.path is not None and dead.fd is not None
    whole = dead.path.read_bytes()
    os.write(dead.fd, b'{"key":"eurointegration:uk:3","si')  # killed in the middle of a write
    part = dead.path
    os.close(dead.fd)
    assert RedisArchive(tmp_path, "eurointegration", index, worker="w2", claim_ttl=5).reconcile() == 2
    assert not part.exists()
    assert part.with_name(part.name.removesuffix(".part")).read_bytes() == whole


def test_dead_worker_file_keeps_only_committed_lines(redis: RedisServer, tmp_path: Path) -> None:
    index = RedisIndex(Redis.from_url(redis.url))
    dead = RedisArchive(tmp_path, "eurointegration", index, worker="dead", claim_ttl=5)
    dead.write(record(1))
    dead.write(record(2))
    assert dead.path is not None and dead.fd is not None
    # the worker dies after writing a third line and before committing it: claimed, never committed
    assert index.claim("eurointegration:uk:3", "dead", 1, 0.2) == "claimed"
    os.write(dead.fd, (json.dumps(record(3)) + "\n").encode())
    with pytest.raises(DuplicateArticle):
        RedisArchive(tmp_path, "eurointegration", index, worker="w2", claim_ttl=5).write(record(2))
    part = dead.path
    # while the writer lives (holds its lock) nobody touches its file
    other = RedisArchive(tmp_path, "eurointegration", index, worker="w2", claim_ttl=5)
    assert other.reconcile() == 0 and part.exists()
    os.close(dead.fd)  # the kernel drops the lock of a killed process the same way
    counts: Counter[str] = Counter()
    other.count = lambda name, value: counts.update({name: value})
    assert other.reconcile() == 2
    final = part.with_name(part.name.removesuffix(".part"))
    assert not part.exists()
    assert [json.loads(line)["key"] for line in final.read_text().splitlines()] == [
        "eurointegration:uk:1",
        "eurointegration:uk:2",
    ]
    assert counts == Counter(
        {"distributed/reconciled_files": 1, "distributed/reconciled_records": 2, "distributed/reconciled_dropped": 1}
    )


def test_worker_joining_a_run_does_not_seed_and_closes_when_idle(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    mirror = serve_mirror(bulk[0])
    out = tmp_path / "output"
    server = Redis.from_url(redis.url)
    server.set("newscrawl:eurointegration:run", "another-worker 0")  # a run that has no work left
    procs = start_workers(1, mirror, out, redis.url, tmp_path / "logs")
    assert wait_all(procs) == [exitcodes.OK]  # not 4: the seeder judges the sources
    log = tmp_path / "logs" / "worker0.log"
    assert stat(log, "newscrawl/distributed/seeded") == 0 and stat(log, "newscrawl/articles/parsed") == 0
    assert "no work left anywhere: run ended" in log.read_text("utf-8")
    assert mirror.requested() == [] or all(p.endswith("/robots.txt") for p in mirror.requested())
    assert server.keys("*") == [b"newscrawl:epoch"] and not list(out.rglob("*.jsonl"))


def test_worker_stops_when_redis_stays_away(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    mirror = serve_mirror(bulk[0])
    out = tmp_path / "output"
    logs = tmp_path / "logs"
    procs = start_workers(
        1, mirror, out, redis.url, logs, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.05", NEWSCRAWL_REDIS_RETRY="2"
    )
    client = Redis.from_url(redis.url)
    wait_for("5 articles committed", lambda: client.hlen("newscrawl:index") >= 5)
    committed = {k.decode() for k in client.hkeys("newscrawl:index")}
    redis.stop(kill=True)
    # it retries for NEWSCRAWL_REDIS_RETRY seconds per command, then stops instead of hanging or crashing
    assert wait_all(procs) == [exitcodes.FAILED]
    log = (logs / "worker0.log").read_text("utf-8")
    assert "Closing spider (redis_unavailable)" in log
    # what it committed is on disk: published, or left as a .part when a commit's answer was lost
    lines = [line for p in [*out.rglob("*.jsonl"), *out.rglob("*.jsonl.part")] for line in p.read_text().splitlines()]
    keys = [json.loads(line)["key"] for line in lines]
    assert committed <= set(keys) and len(set(keys)) == len(keys)
