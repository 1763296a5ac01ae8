"""Faults of distributed (Redis) mode: a hostile queue entry, a Redis that forgets, one that stays away,
and a dead worker's file with garbage in it.

Each test starts its own ``redis-server`` on a free port and, where it crawls, real ``scrapy crawl``
workers against a mirror on 127.0.0.1. Waits are for events (a key count in Redis, a log line, a file);
deadlines are generous fail-safes only.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from scrapy import Request

from newscrawl import exitcodes
from newscrawl.core.urls import ArticleRef
from newscrawl.distributed.archive import RedisArchive, RedisIndex
from newscrawl.distributed.serializer import RejectedEntry, dumps, request_from_entry
from newscrawl.spiders.eurointegration import EurointegrationSpider
from tests.conftest import Mirror, read_archive
from tests.mirror_bulk import build_bulk_mirror
from tests.redis_server import RedisServer, redis_server
from tests.test_distributed import record, start_workers, stat, wait_all

QUEUE = "newscrawl:eurointegration:requests"
FAILSAFE = 300  # seconds; only a hung worker ever reaches it


def wait_for(what: str, condition: Callable[[], bool], timeout: float = FAILSAFE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def log_has(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text("utf-8", errors="replace")


def records_per_url(out: Path) -> Counter[str]:
    """How many records the archive holds per article URL (each article has one key and one URL)."""
    return Counter(r["url"] for r in read_archive(out))


def once_each(expected: list[dict[str, Any]]) -> Counter[str]:
    return Counter({e["url"]: 1 for e in expected})


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("small")
    return root, build_bulk_mirror(root, 30)


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("bulk")
    return root, build_bulk_mirror(root, 300)


# --- 6: the queue holds JSON requests; anything else is rejected, never run ----------------------


class CreatesFile:
    """What an attacker queues: unpickling it opens (creates) a file on the worker."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


def spider() -> EurointegrationSpider:
    return EurointegrationSpider(lang="uk")


def test_json_requests_round_trip_with_callbacks_by_name() -> None:
    """A request the spiders queue comes back equal from JSON: callbacks by name, bytes, dates, ArticleRef."""
    s = spider()
    ref = ArticleRef("eurointegration", "uk", "news", "7170001", date(2023, 5, 2), "https://x/7170001/")
    request = Request(
        "https://www.eurointegration.com.ua/news/2023/05/2/7170001/",
        callback=s.parse_article,
        errback=s.article_failed,
        method="POST",
        body=b"\x00\xff binary",
        headers={"X-Test": "a", b"X-Bytes": b"\xd0\x86"},
        meta={"ref": ref, "source": "feed", "lastmod": datetime(2023, 5, 2, 10, 0, tzinfo=UTC), "depth": 2},
        priority=7,
        dont_filter=True,
    )
    data = dumps(request.to_dict(spider=s))
    assert json.loads(data)["callback"] == "parse_article"
    back = request_from_entry(data, s)
    assert (back.url, back.method, back.body, back.priority, back.dont_filter) == (
        request.url,
        "POST",
        b"\x00\xff binary",
        7,
        True,
    )
    assert back.callback == s.parse_article and back.errback == s.article_failed
    assert back.headers.getlist(b"X-Bytes") == [b"\xd0\x86"] and back.headers[b"X-Test"] == b"a"
    assert back.meta == request.meta and back.meta["ref"] == ref


@pytest.mark.parametrize(
    "entry, reason",
    [
        (pickle.dumps({"url": "https://x/", "callback": "parse_article"}), "not a JSON request"),
        (b"\xff\xfe garbage", "not a JSON request"),
        (b'{"url": "https://x/", "_class": "os.system"}', "request class 'os.system' is not accepted"),
        (b'{"url": "https://x/", "callback": "__init__"}', "callback '__init__' is not a method of the spider"),
        (b'{"url": "https://x/", "callback": "close"}', "callback 'close' is not a method of the spider"),
        (b'{"url": "https://x/", "meta": {"$pickle": "gASV"}}', "unknown tagged value"),
        (b'{"url": "https://x/", "body": {"$b": "!!"}}', "bad $b value"),
        (b'["https://x/"]', "not a JSON request (no url)"),
        (b'{"url": "file:///etc/passwd", "callback": "parse_article"}', "URL scheme of 'file:///etc/passwd' is not"),
    ],
)
def test_foreign_queue_entries_are_rejected(entry: bytes, reason: str) -> None:
    """Whatever the queue holds that this project did not write is refused with a reason, never imported or run."""
    with pytest.raises(RejectedEntry, match=reason.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        request_from_entry(entry, spider())


def test_unqueueable_meta_is_a_type_error() -> None:
    """A request carrying an object JSON cannot hold is refused at enqueue, not pickled."""
    with pytest.raises(TypeError, match="cannot be put in the shared request queue"):
        dumps(Request("https://x/", meta={"thing": object()}).to_dict())


def test_pickle_in_the_queue_is_rejected_not_executed(
    small: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    """A pickle (or any entry that is not a JSON request) pushed into the queue is dropped and counted,
    its code never runs, and the worker crawls the good entries to the end."""
    root, expected = small
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    marker = tmp_path / "pwned"
    server = Redis.from_url(redis.url)
    # Ahead of every real request (lowest score first): what scrapy-redis's pickle serializer would
    # run, a pickled request dict, garbage, and JSON naming a class to import.
    server.zadd(
        QUEUE,
        {
            pickle.dumps(CreatesFile(marker)): -100,
            pickle.dumps({"url": mirror.url + "/", "callback": "parse_listing"}): -99,
            b"\x80\x04garbage": -98,
            b'{"url": "http://127.0.0.1:1/", "_class": "subprocess.Popen"}': -97,
        },
    )
    logs = tmp_path / "logs"
    procs = start_workers(1, mirror, out, redis.url, logs)
    assert wait_all(procs, timeout=FAILSAFE) == [exitcodes.OK], [p.stderr.read() for p in procs if p.stderr]
    log = logs / "worker0.log"
    assert not marker.exists(), "the queued pickle ran on the worker"
    assert stat(log, "newscrawl/distributed/rejected_entries") == 4
    assert log.read_text("utf-8").count("rejected a queue entry that is not a request of this crawl") == 4
    assert records_per_url(out) == once_each(expected)
    assert server.zcard(QUEUE) == 0  # rejected entries are gone, not left for the next worker


ACL = ("--user", "default", "off", "--user", "newscrawl", "on", ">s3cret-pw", "~newscrawl:*", "+@all", "-@dangerous")


def test_workers_run_as_an_acl_user_and_never_show_its_password(
    small: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """A Redis that asks for a password (an ACL user limited to ``newscrawl:*`` keys and no dangerous
    commands) serves a whole crawl; a wrong or missing password is one line on stderr, exit 1, no password."""
    root, expected = small
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    with redis_server(tmp_path / "redis", args=ACL) as server:
        url = f"redis://newscrawl:s3cret-pw@127.0.0.1:{server.port}/0"
        procs = start_workers(1, mirror, out, url, tmp_path / "logs")
        assert wait_all(procs, timeout=FAILSAFE) == [exitcodes.OK], [p.stderr.read() for p in procs if p.stderr]
        assert records_per_url(out) == once_each(expected)
        assert "s3cret-pw" not in (tmp_path / "logs" / "worker0.log").read_text("utf-8")

        for given, shown, error in [
            ("newscrawl:wrong-pw@", "newscrawl:***@", "invalid username-password pair or user is disabled."),
            (
                "",
                "",
                "HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
                "<pass> option can be used to authenticate the client and select the RESP protocol version at "
                "the same time",
            ),
        ]:
            bad = start_workers(1, mirror, out, f"redis://{given}127.0.0.1:{server.port}/0", tmp_path / "logs-bad")
            assert wait_all(bad, timeout=FAILSAFE) == [exitcodes.FAILED]
            assert bad[0].stderr is not None
            errors = [line for line in bad[0].stderr.read().splitlines() if line.startswith("newscrawl: error:")]
            assert errors == [f"newscrawl: error: eurointegration: cannot reach Redis at redis://{shown}127.0.0.1:{server.port}/0: {error} (exit 1)"]


def test_workers_speak_tls_with_rediss(
    small: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """``rediss://`` (TLS, the server's certificate checked against ``ssl_ca_certs``) with an ACL user
    serves a whole crawl on a Redis that has no plain-text port at all."""
    root, expected = small
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    with redis_server(tmp_path / "redis", args=ACL, tls=True) as server:
        url = f"rediss://newscrawl:s3cret-pw@127.0.0.1:{server.port}/0?ssl_ca_certs={server.cert}"
        procs = start_workers(1, mirror, out, url, tmp_path / "logs")
        assert wait_all(procs, timeout=FAILSAFE) == [exitcodes.OK], [p.stderr.read() for p in procs if p.stderr]
        assert records_per_url(out) == once_each(expected)


# --- 6c: a dead worker's .part with a garbage line -------------------------------------------------


def test_garbage_line_in_dead_workers_file_is_reported_once_and_good_records_kept(
    redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A dead worker's file with a line that is not a record: the next worker starts, drops that line
    with one warning, and publishes every committed record; later workers find nothing to report."""
    index = RedisIndex(Redis.from_url(redis.url))
    dead = RedisArchive(tmp_path, "eurointegration", index, worker="dead", claim_ttl=5)
    dead.write(record(1))
    assert dead.path is not None and dead.fd is not None
    os.write(dead.fd, b"\x00\x00\x00 not json at all\n")  # a power cut's zeros, a stray write
    dead.write(record(2))
    os.write(dead.fd, b'["a list", "not a record"]\n')
    dead.write(record(3))
    part = dead.path
    os.close(dead.fd)  # killed: the kernel drops its lock

    counts: Counter[str] = Counter()
    other = RedisArchive(tmp_path, "eurointegration", index, worker="w2", claim_ttl=5)
    other.count = lambda name, value: counts.update({name: value})
    with caplog.at_level(logging.WARNING, logger="newscrawl.distributed.archive"):
        assert other.reconcile() == 3
    final = part.with_name(part.name.removesuffix(".part"))
    assert [json.loads(line)["key"] for line in final.read_text().splitlines()] == [
        "eurointegration:uk:1",
        "eurointegration:uk:2",
        "eurointegration:uk:3",
    ]
    assert counts == Counter(
        {
            "distributed/reconciled_files": 1,
            "distributed/reconciled_records": 3,
            "distributed/reconciled_unreadable": 2,
        }
    )
    rel = final.relative_to(tmp_path).as_posix()
    assert [r.getMessage() for r in caplog.records] == [
        f"{rel}.part: dropped 2 unreadable lines (first at line 2: b'\\x00\\x00\\x00 not json at all')"
    ]
    caplog.clear()
    later = RedisArchive(tmp_path, "eurointegration", index, worker="w3", claim_ttl=5)
    assert later.reconcile() == 0 and caplog.records == []


def test_garbage_in_dead_workers_file_does_not_stop_later_workers(
    small: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    """Workers started after one died leaving a garbage line in its .part crawl normally: the first reports
    the line once and publishes the dead worker's committed records, the next finds nothing to report."""
    root, expected = small
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    dead = RedisArchive(out, "eurointegration", RedisIndex(Redis.from_url(redis.url)), worker="dead", claim_ttl=5)
    dead.write(record(1))
    assert dead.fd is not None and dead.path is not None
    os.write(dead.fd, b"\x00garbage\n")
    dead.write(record(2))
    os.close(dead.fd)
    published = dead.path.with_name(dead.path.name.removesuffix(".part"))

    first = start_workers(1, mirror, out, redis.url, tmp_path / "logs1")
    assert wait_all(first, timeout=FAILSAFE) == [exitcodes.OK]
    text = (tmp_path / "logs1" / "worker0.log").read_text("utf-8")
    assert text.count("unreadable line") == 1
    assert f"{published.relative_to(out)}.part: dropped 1 unreadable line (first at line 2: b'\\x00garbage')" in text
    assert [json.loads(line)["key"] for line in published.read_text().splitlines()] == [
        "eurointegration:uk:1",
        "eurointegration:uk:2",
    ]
    crawled = [p for p in out.rglob("*.jsonl") if p != published]
    assert Counter(json.loads(line)["url"] for p in crawled for line in p.read_text().splitlines()) == once_each(expected)

    second = start_workers(1, mirror, out, redis.url, tmp_path / "logs2")
    assert wait_all(second, timeout=FAILSAFE) == [exitcodes.OK]
    assert "unreadable" not in (tmp_path / "logs2" / "worker0.log").read_text("utf-8")


# --- 6b: Redis away past NEWSCRAWL_REDIS_RETRY ----------------------------------------------------


def index_consistent_with_files(url: str, out: Path) -> None:
    """Every key the index calls archived is a line of the file the index names (nothing seen but lost)."""
    lines: dict[str, set[str]] = {}
    for path in list(out.rglob("*.jsonl")) + list(out.rglob("*.jsonl.part")):
        name = path.relative_to(out).as_posix().removesuffix(".part")
        for line in path.read_text("utf-8").splitlines():
            lines.setdefault(name, set()).add(json.loads(line)["key"])
    entries = {k.decode(): json.loads(v) for k, v in Redis.from_url(url).hgetall("newscrawl:index").items()}
    missing = [k for k, e in entries.items() if k not in lines.get(e["file"], set())]
    assert missing == []


def test_redis_away_past_retry_stops_the_worker_and_loses_nothing(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """Redis gone longer than NEWSCRAWL_REDIS_RETRY stops the worker (redis_unavailable, exit 1) even when
    Redis is back before it closes; what it could not record is counted, never marked archived, and the
    next run archives every article exactly once."""
    root, expected = bulk
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    logs = tmp_path / "logs"
    server = RedisServer(tmp_path / "redis", durable=True)
    server.start()
    try:
        procs = start_workers(
            1, mirror, out, server.url, logs, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.05", NEWSCRAWL_REDIS_RETRY="2"
        )
        client = Redis.from_url(server.url)
        wait_for("10 articles committed", lambda: client.hlen("newscrawl:index") >= 10)
        server.stop(kill=True)
        log = logs / "worker0.log"
        # the worker's retries for one command ran out: an item failed or a pop gave up
        wait_for("the worker to give up on Redis", lambda: log_has(log, "Redis unreachable"))
        server.start()  # back, but too late: the worker must not carry on as if nothing happened
        assert wait_all(procs, timeout=FAILSAFE) == [exitcodes.FAILED]
        text = log.read_text("utf-8")
        assert "Closing spider (redis_unavailable)" in text
        index_consistent_with_files(server.url, out)
        lost = stat(log, "newscrawl/distributed/lost_items")
        assert lost == text.count("could not record")  # each one named in the log

        again = start_workers(1, mirror, out, server.url, tmp_path / "logs2")
        assert wait_all(again, timeout=FAILSAFE) == [exitcodes.OK]
        assert records_per_url(out) == once_each(expected)
        assert not list(out.rglob("*.part"))
        index_consistent_with_files(server.url, out)
    finally:
        server.stop(kill=True)


# --- 6a: a Redis that comes back empty ------------------------------------------------------------


def test_empty_redis_between_runs_rebuilds_the_index_from_the_files(
    small: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    """A Redis restarted empty between runs: the next worker rebuilds the seen-index from the archive files
    before it crawls, so it archives no article twice."""
    root, expected = small
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    first = start_workers(1, mirror, out, redis.url, tmp_path / "logs1")
    assert wait_all(first, timeout=FAILSAFE) == [exitcodes.OK]
    assert records_per_url(out) == once_each(expected)
    Redis.from_url(redis.url).flushall()  # what a restart of a Redis without persistence leaves

    second = start_workers(1, mirror, out, redis.url, tmp_path / "logs2")
    assert wait_all(second, timeout=FAILSAFE) == [exitcodes.OK]
    log = tmp_path / "logs2" / "worker0.log"
    assert records_per_url(out) == once_each(expected)
    assert stat(log, "newscrawl/distributed/index_rebuilt") == 30
    assert stat(log, "newscrawl/articles/skipped_archived") == 30
    assert "Redis holds no seen-index for this archive: rebuilt it from 1 files (30 articles)" in log.read_text("utf-8")
    assert Redis.from_url(redis.url).hlen("newscrawl:index") == 30


def test_redis_emptied_mid_run_stops_workers_and_the_rerun_archives_once(
    bulk: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: RedisServer
) -> None:
    """Redis emptied under running workers: they stop with ``redis_lost`` (exit 1) instead of finishing an
    empty queue with exit 0, and the next run rebuilds the index and archives every article exactly once."""
    root, expected = bulk
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    logs = tmp_path / "logs"
    procs = start_workers(2, mirror, out, redis.url, logs, CONCURRENT_REQUESTS="2", DOWNLOAD_DELAY="0.02")
    client = Redis.from_url(redis.url)
    wait_for("20 articles committed", lambda: client.hlen("newscrawl:index") >= 20)
    client.flushall()
    assert wait_all(procs, timeout=FAILSAFE) == [exitcodes.FAILED] * 2
    for i in range(2):
        text = (logs / f"worker{i}.log").read_text("utf-8")
        assert "Closing spider (redis_lost)" in text
        assert text.count("Redis lost this crawl's data (seen-index and queue)") == 1
    archived = records_per_url(out)
    assert archived and set(archived.values()) == {1} and len(archived) < 300

    again = start_workers(1, mirror, out, redis.url, tmp_path / "logs2")
    assert wait_all(again, timeout=FAILSAFE) == [exitcodes.OK]
    assert records_per_url(out) == once_each(expected)
    log = tmp_path / "logs2" / "worker0.log"
    assert stat(log, "newscrawl/distributed/index_rebuilt") == len(archived)
    assert stat(log, "newscrawl/archive/new") == 300 - len(archived)
