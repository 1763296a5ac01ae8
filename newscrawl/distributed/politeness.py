"""Per-host politeness shared by every worker of a distributed crawl: a site sees one visitor, not N.

:class:`SharedPoliteness` (downloader middleware, installed by the add-on only with ``NEWSCRAWL_REDIS_URL``)
asks Redis, in one Lua script per attempt, for permission to send each request, and holds the download
back (an asyncio sleep, never a blocked reactor) until it gets it. Per host (the downloader slot key) Redis
keeps:

- ``newscrawl:polite:<host>`` (hash): ``last_at`` and ``gap`` of the last request granted (Redis' own
  clock, so machines with skewed clocks agree; ``last_at`` moves to its response's arrival), ``last``
  (its lease), the robots.txt ``crawl_delay`` any worker learnt,
  ``robots`` (robots.txt of the host was read), and ``backoff_until`` (a 429/503 that any worker got);
- ``newscrawl:polite:<host>:inflight`` (sorted set): one lease per request in flight, scored by its
  deadline; the worker renews its leases every ``NEWSCRAWL_REDIS_LEASE / 4`` s, so a killed worker's
  leases expire after at most ``NEWSCRAWL_REDIS_LEASE`` s instead of holding the host forever.

A request is granted when ``now >= last_at + max(gap, this request's delay, crawl_delay)``, ``now >=
backoff_until`` and fewer than ``CONCURRENT_REQUESTS_PER_DOMAIN`` leases are in flight. With a delay above
0, the previous request must also have had its response (or its lease expired), and ``last_at`` is when
that response came: the delay runs after the response, as in Heritrix, so a site sees at least the delay
between one request and the next even when a busy machine holds a granted request back before it leaves
(a grant-to-grant delay, Scrapy's own rule, let a site see 0.03 s instead of 0.25 s with 12 workers on
2 busy cores). ``CONCURRENT_REQUESTS_PER_DOMAIN`` thus matters for hosts without a delay. The delay of a
request is what Scrapy would have waited for it in this worker: the local slot's delay with its jitter,
which AutoThrottle adjusts and :class:`newscrawl.politeness.CrawlDelay` floors at robots.txt's
Crawl-delay. The local slot then waits nothing more (:class:`PacedSlot`), so the wait is not doubled.

- Until some worker has read the host's robots.txt, one request at a time goes to it, so the workers'
  own robots.txt fetches are paced by the Crawl-delay the first one found.
- A host Redis does not know (first visit, idle expiry, or Redis lost its data), or knows only from before
  a restart (its run id differs), waits one delay before its first request, because another worker may
  have asked it a moment ago. A request granted before the restart whose lease survived is still the
  last one: the next waits for its response, then the delay (its worker may send it only once it has
  reconnected, its reactor having sat in the client's retries). Leases lost with Redis data restart at 0,
  so requests already on the wire may briefly exceed ``CONCURRENT_REQUESTS_PER_DOMAIN``; that one-delay
  wait makes it rare for responses quicker than the delay.
- A 429 or 503 sets ``backoff_until`` for every worker: ``Retry-After`` when given (capped at
  ``NEWSCRAWL_RETRY_AFTER_MAX``), else ``NEWSCRAWL_RETRY_BACKOFF`` doubled per retry of that request.
- Redis unreachable (past the client's ``NEWSCRAWL_REDIS_RETRY`` s of retries): the request is not sent,
  the worker stops with ``redis_unavailable``, and the request's frontier lease returns to the queue.
- Host state expires ``IDLE_TTL`` s after its last use; a closing worker deletes state that says nothing
  (no lease, no wait pending).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils._compression import _inflate, _unbrotli
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.gz import gunzip
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object

from newscrawl import config
from newscrawl.distributed import PREFIX, enabled, lease_seconds
from newscrawl.distributed.archive import worker_name
from newscrawl.distributed.scheduler import LEASE_META, leases_for
from newscrawl.politeness import CrawlDelay, floor_delay, retry_after

logger = logging.getLogger(__name__)

HELD_META = "newscrawl_polite_lease"
IDLE_TTL = 600.0  # seconds a host's state outlives its last request (plus any backoff)
POLL = 0.05  # seconds between asks while the host has all its requests in flight
BACKOFF_STATUSES = frozenset({429, 503})
ROBOTS_MAX_BYTES = 1 << 20  # a robots.txt that inflates beyond this is not parsed here (no shared Crawl-delay)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: host hash, in-flight set. ARGV: lease, delay ms, limit, lease ms, robots read here (1/0),
# crawl delay ms known here ('' if none), idle ttl ms.
# Returns 0 when granted, else ms to wait (-1: the host has all its requests in flight).
RESERVE = (
    _NOW
    + """
local delay = tonumber(ARGV[2])
-- A host this Redis does not know, or knows only from before its restart (a durable Redis comes back with
-- up to a second of writes lost, so its last_at may be stale): wait one delay first, as for a new host.
-- The restart is told by the server's run id; an ACL user without INFO (-@dangerous) goes without it.
-- 'last' stays: while its lease is in flight the host waits for its response. A worker whose reactor sat
-- in the client's retries while Redis was away sends a request granted before the restart only once it
-- reconnects, so the wait of one delay from now alone let another go right beside it.
local info = redis.pcall('INFO', 'server')
local run = type(info) == 'string' and string.match(info, 'run_id:(%w+)') or ''
if redis.call('EXISTS', KEYS[1]) == 0 or (run ~= '' and redis.call('HGET', KEYS[1], 'run') ~= run) then
  local known = tonumber(redis.call('HGET', KEYS[1], 'gap') or '0')
  redis.call('HSET', KEYS[1], 'last_at', now, 'gap', math.max(delay, known), 'run', run)
end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'robots', '1') end
if ARGV[6] ~= '' and tonumber(ARGV[6]) > tonumber(redis.call('HGET', KEYS[1], 'crawl_delay') or '0') then
  redis.call('HSET', KEYS[1], 'crawl_delay', ARGV[6])
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local h = redis.call('HMGET', KEYS[1], 'last_at', 'gap', 'crawl_delay', 'backoff_until', 'robots', 'last')
local gap = math.max(tonumber(h[2] or '0'), delay, tonumber(h[3] or '0'))
if gap > 0 and h[6] and redis.call('ZSCORE', KEYS[2], h[6]) then return -1 end
local at = math.max(tonumber(h[1] or '0') + gap, tonumber(h[4] or '0'))
if at > now then
  redis.call('PEXPIRE', KEYS[1], at - now + tonumber(ARGV[7]))
  return at - now
end
local limit = tonumber(ARGV[3])
if h[5] ~= '1' then limit = 1 end
if redis.call('ZCARD', KEYS[2]) >= limit then return -1 end
redis.call('HSET', KEYS[1], 'last_at', now, 'gap', delay, 'last', ARGV[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return 0
"""
)

# KEYS: host hash, in-flight set. ARGV: lease, robots read (1/0), crawl delay ms ('' if none),
# backoff ms (0: none), idle ttl ms.
# The next delay counts from this response's arrival (see the module docstring: "after the response").
RELEASE = (
    _NOW
    + """
redis.call('ZREM', KEYS[2], ARGV[1])
if now > tonumber(redis.call('HGET', KEYS[1], 'last_at') or '0') then
  redis.call('HSET', KEYS[1], 'last_at', now)
end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'robots', '1') end
if ARGV[3] ~= '' and tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[1], 'crawl_delay') or '0') then
  redis.call('HSET', KEYS[1], 'crawl_delay', ARGV[3])
end
local ttl = tonumber(ARGV[5])
if tonumber(ARGV[4]) > 0 then
  local until_at = now + tonumber(ARGV[4])
  if until_at > tonumber(redis.call('HGET', KEYS[1], 'backoff_until') or '0') then
    redis.call('HSET', KEYS[1], 'backoff_until', until_at)
  end
  ttl = ttl + tonumber(ARGV[4])
end
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
"""
)

# KEYS: host hash, in-flight set. Deletes a host's state when it holds no lease and no pending wait.
FORGET = (
    _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
local h = redis.call('HMGET', KEYS[1], 'last_at', 'gap', 'crawl_delay', 'backoff_until')
local gap = math.max(tonumber(h[2] or '0'), tonumber(h[3] or '0'))
if math.max(tonumber(h[1] or '0') + gap, tonumber(h[4] or '0')) > now then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""
)


def decoded_body(response: Response) -> bytes:
    """The body as HttpCompressionMiddleware (590) will hand it on: we see the response before it does."""
    encoding = (response.headers.get("Content-Encoding") or b"").strip().lower()
    if encoding in (b"gzip", b"x-gzip"):
        return gunzip(response.body, max_size=ROBOTS_MAX_BYTES)
    if encoding == b"deflate":
        return _inflate(response.body, max_size=ROBOTS_MAX_BYTES)
    if encoding == b"br":
        return _unbrotli(response.body, max_size=ROBOTS_MAX_BYTES)
    return response.body


class PacedSlot(Slot):
    """A downloader slot whose delay Redis enforces: Scrapy's downloader waits nothing more for it.

    ``delay`` and ``jitter`` stay as AutoThrottle and CrawlDelay set them; they are read by
    :meth:`paced_delay` for the request about to ask Redis.
    """

    __slots__ = ()  # same layout as Slot, so an existing slot can be switched to this class in place

    def download_delay(self) -> float:
        return 0.0

    def paced_delay(self) -> float:
        return Slot.download_delay(self)


class SharedPoliteness:
    """Downloader middleware: every request waits for its host's permission from Redis (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.server = leases_for(crawler).server
        self.leases = leases_for(crawler)
        self.lease_ms = round(lease_seconds(settings) * 1000)
        self.idle_ms = round(IDLE_TTL * 1000)
        self.worker = settings.get("NEWSCRAWL_WORKER_ID") or worker_name()
        self.ids = itertools.count(1)
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.crawl_delay_cap = config.get_float(settings, "NEWSCRAWL_CRAWL_DELAY_MAX")
        self.retry_after_max = config.get_float(settings, "NEWSCRAWL_RETRY_AFTER_MAX")
        self.backoff = config.get_float(settings, "NEWSCRAWL_RETRY_BACKOFF")
        self.backoff_max = config.get_float(settings, "NEWSCRAWL_RETRY_BACKOFF_MAX")
        self.robots: dict[str, int] = {}  # host -> crawl delay ms from robots.txt this worker read (0: none)
        self.held: dict[str, str] = {}  # lease -> host
        self.hosts: set[str] = set()
        self.locks: dict[str, asyncio.Lock] = {}
        self.failed = False
        self._reserve = self.server.register_script(RESERVE)
        self._release = self.server.register_script(RELEASE)
        self._forget = self.server.register_script(FORGET)
        self.heartbeat = create_looping_call(self.renew)
        # Scrapy keeps weak references to signal handlers: these bound methods live as long as we do.
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def count(self, name: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/distributed/politeness/{name}", value)

    # --- keys and local knowledge ----------------------------------------------------------------------
    def keys(self, host: str) -> list[str]:
        base = f"{PREFIX}:polite:{host}"
        return [base, f"{base}:inflight"]

    def slot(self, request: Request) -> tuple[str, PacedSlot]:
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        # The downloader creates the slot only after the middlewares; create it now, with its settings.
        key, slot = downloader._get_slot(request)
        if not isinstance(slot, PacedSlot):
            slot.__class__ = PacedSlot
        for extension in self.crawler.extensions.middlewares:
            # CrawlDelay floors the slot when it reaches the downloader, after us: floor it before we read it.
            if isinstance(extension, CrawlDelay) and extension.delays.get(key):
                floor_delay(slot, extension.delays[key])
        assert isinstance(slot, PacedSlot)
        return key, slot

    def robots_args(self, host: str) -> tuple[str, str]:
        if not self.obey_robots:
            return "1", ""
        if host not in self.robots:
            return "0", ""
        return "1", str(self.robots[host])

    def read_robots(self, request: Request, response: Response | None) -> None:
        """Crawl-delay of a robots.txt this worker fetched, parsed as Scrapy's robots middleware will."""
        if urlparse_cached(request).path != "/robots.txt" or not request.meta.get("dont_obey_robotstxt"):
            return
        delay = 0.0
        if response is not None and response.status == 200:
            try:
                parser = load_object(self.crawler.settings["ROBOTSTXT_PARSER"]).from_crawler(
                    self.crawler, decoded_body(response)
                )
                getter = getattr(parser, "crawl_delay", None)
                delay = float((getter(self.user_agent) if getter else None) or 0.0)
            except Exception:  # a robots.txt Scrapy cannot parse is "no Crawl-delay" for Scrapy too
                delay = 0.0
        host = self.crawler.engine.downloader.get_slot_key(request) if self.crawler.engine else ""
        self.robots[host] = round(min(max(delay, 0.0), self.crawl_delay_cap) * 1000)

    # --- the request's way -----------------------------------------------------------------------------
    async def process_request(self, request: Request, spider: Any = None) -> None:
        request.meta.pop(HELD_META, None)  # a copy (retry, redirect) of a request that held a lease
        if self.failed:
            self.give_back(request)
            raise IgnoreRequest("Redis unreachable: not asking the site without shared politeness")
        host, slot = self.slot(request)
        self.hosts.add(host)
        lease = f"{self.worker}:{next(self.ids)}"
        lock = self.locks.setdefault(host, asyncio.Lock())
        async with lock:  # one request per host and worker asks Redis at a time; the others queue here
            waited = 0.0
            while True:
                robots, crawl_delay = self.robots_args(host)
                delay_ms = round(slot.paced_delay() * 1000)
                try:
                    wait_ms = int(
                        self._reserve(
                            keys=self.keys(host),
                            args=[lease, delay_ms, slot.concurrency, self.lease_ms, robots, crawl_delay, self.idle_ms],
                        )
                    )
                except RedisError as exc:
                    self.redis_failed(request, exc)
                    raise IgnoreRequest("Redis unreachable: not asking the site without shared politeness") from exc
                if wait_ms == 0:
                    break
                pause = POLL if wait_ms < 0 else wait_ms / 1000
                waited += pause
                await sleep(pause)
        self.held[lease] = host
        request.meta[HELD_META] = lease
        self.count("granted")
        if waited:
            self.count("waited_ms", round(waited * 1000))

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self.read_robots(request, response)
        self.release(request, self.backoff_ms(request, response))
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        self.read_robots(request, None)
        self.release(request, 0)

    def backoff_ms(self, request: Request, response: Response) -> int:
        if response.status not in BACKOFF_STATUSES:
            return 0
        asked = retry_after(response.headers.get("Retry-After"))
        if asked is not None:
            seconds = min(asked, self.retry_after_max)
        else:
            retries = int(request.meta.get("retry_times", 0))
            seconds = min(self.backoff_max, self.backoff * 2**retries)
        self.count("backoffs")
        logger.info("%s answered %s: every worker waits %.1fs for it", request.url, response.status, seconds)
        return round(seconds * 1000)

    def release(self, request: Request, backoff_ms: int) -> None:
        lease = request.meta.pop(HELD_META, None)
        host = self.held.pop(lease, None) if lease else None
        if host is None:
            return
        robots, crawl_delay = self.robots_args(host)
        try:
            self._release(
                keys=self.keys(host), args=[lease, robots, crawl_delay, backoff_ms, self.idle_ms]
            )
        except RedisError as exc:  # the lease expires by itself; a backoff not shared is a local wait still
            logger.warning("could not release a politeness lease of %s: %s", host, exc)

    def redis_failed(self, request: Request, exc: RedisError) -> None:
        """No permission, no request: the worker stops; the request's frontier lease returns to the queue."""
        self.give_back(request)
        if self.failed:
            return
        self.failed = True
        logger.error("Redis unreachable for per-host politeness, stopping: %s", exc)
        self.count("redis_unavailable")
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason="redis_unavailable"))

    def give_back(self, request: Request) -> None:
        frontier_lease = request.meta.get(LEASE_META)
        if frontier_lease is not None:
            # Neither acknowledged when idle nor released: it expires in Redis and another worker takes it.
            self.leases.held.discard(frontier_lease)

    # --- the worker's life -----------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        self.heartbeat.start(lease_seconds(self.crawler.settings) / 4, now=False)

    def renew(self) -> None:
        by_host: dict[str, list[str]] = {}
        for lease, host in self.held.items():
            by_host.setdefault(host, []).append(lease)
        try:
            for host, leases in by_host.items():
                deadline = self.server.time()
                expiry = deadline[0] * 1000 + deadline[1] // 1000 + self.lease_ms
                self.server.zadd(self.keys(host)[1], dict.fromkeys(leases, expiry), xx=True)
        except RedisError as exc:
            logger.warning("could not renew politeness leases: %s", exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        if self.failed:
            return
        try:
            for host in sorted(self.hosts):
                leases = [lease for lease, h in self.held.items() if h == host]
                if leases:
                    self.server.zrem(self.keys(host)[1], *leases)
                self._forget(keys=self.keys(host))
        except RedisError as exc:
            logger.warning("could not tidy per-host politeness state: %s", exc)
