"""scrapy-redis's scheduler with a leasing queue, so a killed worker's requests are not lost.

scrapy-redis pops a request out of Redis for good: if the worker dies before it has handled it, the
request is gone. Here a pop moves the request, in one Lua script, from the priority queue into a lease
(``<spider>:leases`` holds it, ``<spider>:processing`` its deadline). The worker renews the deadlines of
the leases it holds while it lives and acknowledges a lease once the request is handled (its new
requests queued, its article committed). Leases whose deadline passed, a dead worker's, go back into
the queue, where any worker picks them up again; the seen-index makes sure a request handled twice
never archives its article twice.

Enqueueing checks the duplicate filter and pushes in one script too, so a command retried after Redis
restarted cannot mark a request seen without queueing it.

Requests travel as JSON (:mod:`newscrawl.distributed.serializer`), never pickle: an entry that is not
a request this project wrote (a pickle pushed by whoever can reach Redis, garbage) is dropped from the
queue, logged and counted (``newscrawl/distributed/rejected_entries``), never executed.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from newscrawl.distributed import PREFIX, lease_seconds
from newscrawl.distributed.serializer import RejectedEntry, request_from_entry

logger = logging.getLogger(__name__)

LEASE_META = "newscrawl_lease"

# KEYS: dupefilter, queue. ARGV: fingerprint, score, request, filter (1/0).
ENQUEUE = """
if ARGV[4] == '1' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, processing, leases, lease counter. ARGV: deadline.
POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local id = tostring(redis.call('INCR', KEYS[4]))
redis.call('ZADD', KEYS[2], ARGV[1], id)
redis.call('HSET', KEYS[3], id, r[2] .. '|' .. r[1])
return {id, r[1]}
"""

# KEYS: processing, leases, queue. ARGV: now. Puts expired leases back into the queue.
REQUEUE_EXPIRED = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, id in ipairs(ids) do
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    local bar = string.find(v, '|', 1, true)
    redis.call('ZADD', KEYS[3], tonumber(string.sub(v, 1, bar - 1)), string.sub(v, bar + 1))
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return #ids
"""

# KEYS: processing, leases. ARGV: lease ids.
ACK = """
for _, id in ipairs(ARGV) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return #ARGV
"""

# KEYS: queue, processing, run marker, dupefilter, lease counter. Ends the run when nothing is left.
END_RUN = """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
return 1
"""

_LEASES: weakref.WeakKeyDictionary[Crawler, Leases] = weakref.WeakKeyDictionary()


class Leases:
    """The leases one worker holds, and the Redis keys of the shared frontier of one spider."""

    def __init__(self, server: Any, spider: str, lease: float) -> None:
        self.server = server
        self.lease = lease
        base = f"{PREFIX}:{spider}"
        self.queue_key = f"{base}:requests"
        self.processing_key = f"{base}:processing"
        self.leases_key = f"{base}:leases"
        self.counter_key = f"{base}:lease_ids"
        self.run_key = f"{base}:run"
        self.dupefilter_key = f"{base}:dupefilter"
        self.held: set[str] = set()
        # Set once Redis failed past the client's retries: nothing more is acknowledged, so every request
        # this worker held goes back to the queue (when its lease expires) and nothing is lost.
        self.failed: str | None = None
        self.on_fail: list[Callable[[str], None]] = []
        self.pending_items: dict[str, int] = {}
        self.output_done: set[str] = set()
        self._pop = server.register_script(POP)
        self._requeue = server.register_script(REQUEUE_EXPIRED)
        self._ack = server.register_script(ACK)
        self._end_run = server.register_script(END_RUN)

    def pop(self) -> tuple[str, bytes] | None:
        found = self._pop(
            keys=[self.queue_key, self.processing_key, self.leases_key, self.counter_key],
            args=[time.time() + self.lease],
        )
        if not found:
            return None
        lease_id = found[0].decode() if isinstance(found[0], bytes) else str(found[0])
        self.held.add(lease_id)
        return lease_id, found[1]

    def renew(self) -> None:
        if self.held:
            deadline = time.time() + self.lease
            self.server.zadd(self.processing_key, dict.fromkeys(self.held, deadline), xx=True)

    def requeue_expired(self) -> int:
        keys = [self.processing_key, self.leases_key, self.queue_key]
        return int(self._requeue(keys=keys, args=[time.time()]))

    def fail(self, reason: str) -> None:
        """Redis let this worker down (``redis_unavailable``, ``redis_lost``): stop acknowledging, stop."""
        if self.failed is None:
            self.failed = reason
            for callback in self.on_fail:
                callback(reason)

    def ack(self, *lease_ids: str) -> None:
        if self.failed:
            return
        ids = [i for i in lease_ids if i in self.held]
        if ids:
            self._ack(keys=[self.processing_key, self.leases_key], args=ids)
        for lease_id in ids:
            self.held.discard(lease_id)
            self.pending_items.pop(lease_id, None)
            self.output_done.discard(lease_id)

    def ack_all(self) -> None:
        self.ack(*self.held)

    def release_all(self) -> None:
        """Give every held lease back to the queue at once (a worker stopping before its work is done)."""
        if self.held:
            self.server.zadd(self.processing_key, dict.fromkeys(self.held, 0), xx=True)
            self.held.clear()
            self.requeue_expired()

    # A request is handled when its callback's output has been consumed and its items processed.
    def item_started(self, lease_id: str) -> None:
        self.pending_items[lease_id] = self.pending_items.get(lease_id, 0) + 1

    def item_finished(self, lease_id: str) -> None:
        self.pending_items[lease_id] = self.pending_items.get(lease_id, 0) - 1
        self._maybe_ack(lease_id)

    def output_finished(self, lease_id: str) -> None:
        self.output_done.add(lease_id)
        self._maybe_ack(lease_id)

    def _maybe_ack(self, lease_id: str) -> None:
        if lease_id in self.output_done and self.pending_items.get(lease_id, 0) <= 0:
            self.ack(lease_id)

    # --- the run -------------------------------------------------------------------------------------
    def claim_run(self, worker: str) -> bool:
        """True for the first worker of a run: it seeds the start requests."""
        return bool(self.server.set(self.run_key, f"{worker} {time.time():.0f}", nx=True))

    def queued(self) -> int:
        return int(self.server.zcard(self.queue_key))

    def in_flight(self) -> int:
        return int(self.server.zcard(self.processing_key))

    def end_run(self) -> bool:
        """Clear the run marker and duplicate filter when no request is queued or leased anywhere."""
        keys = [self.queue_key, self.processing_key, self.run_key, self.dupefilter_key, self.counter_key]
        return bool(self._end_run(keys=keys))


def leases_for(crawler: Crawler) -> Leases:
    """The worker's leases, shared by the scheduler, the worker extension and the lease middleware."""
    leases = _LEASES.get(crawler)
    if leases is None:
        from scrapy_redis.connection import get_redis_from_settings

        assert crawler.spidercls is not None
        leases = Leases(
            get_redis_from_settings(crawler.settings), crawler.spidercls.name, lease_seconds(crawler.settings)
        )
        _LEASES[crawler] = leases
    return leases


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler whose pops are leases (see the module docstring)."""

    leases: Leases
    df: Any

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance = super().from_crawler(crawler)
        instance.leases = leases_for(crawler)
        instance._enqueue = instance.server.register_script(ENQUEUE)
        return instance

    def open(self, spider: Any) -> None:
        # scrapy-redis's own ``open`` announces a resumed crawl through the deprecated ``Spider.log``.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key % {"spider": spider.name}, serializer=self.serializer
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        queued = len(self.queue)
        if queued:
            logger.info("joining a crawl with %d requests queued", queued)

    def enqueue_request(self, request: Request) -> bool:
        request.meta.pop(LEASE_META, None)
        fingerprint = self.df.request_fingerprint(request)
        try:
            data = self.queue._encode_request(request)
        except (TypeError, ValueError) as exc:  # a value in meta JSON cannot hold: a bug to see, not hide
            logger.error("cannot queue %s: %s", request, exc)
            if self.stats:
                self.stats.inc_value("newscrawl/distributed/unqueueable_requests")
            return False
        try:
            added = self._enqueue(
                keys=[self.df.key, self.queue.key],
                args=[fingerprint, -request.priority, data, "0" if request.dont_filter else "1"],
            )
        except RedisError as exc:
            # Not queued; the request that found it is not acknowledged either, so it is found again.
            self._redis_failed(exc)
            return False
        if not added:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    # Redis away for longer than the client's retries (NEWSCRAWL_REDIS_RETRY): no request and none
    # pending, and the worker stops with ``redis_unavailable`` even if Redis comes back meanwhile.
    redis_down = False

    def _redis_failed(self, exc: RedisError) -> None:
        if not self.redis_down:
            logger.error("Redis unreachable: %s", exc)
        self.redis_down = True
        self.leases.fail("redis_unavailable")

    def has_pending_requests(self) -> bool:
        if self.redis_down or self.leases.failed:
            return False
        try:
            return self.leases.queued() > 0
        except RedisError as exc:
            self._redis_failed(exc)
            return False

    def _reject(self, lease_id: str, data: bytes, exc: RejectedEntry) -> None:
        logger.error("rejected a queue entry that is not a request of this crawl (%s): %r", exc, data[:80])
        if self.stats:
            self.stats.inc_value("newscrawl/distributed/rejected_entries")
        try:
            self.leases.ack(lease_id)  # gone from the queue for good: no worker ever runs it
        except RedisError as err:
            self._redis_failed(err)  # its lease expires and the next worker rejects it again

    def next_request(self) -> Request | None:
        while not self.leases.failed:
            try:
                popped = self.leases.pop()
            except RedisError as exc:
                self._redis_failed(exc)
                return None
            if popped is None:
                return None
            lease_id, data = popped
            try:
                request = request_from_entry(data, self.spider)
            except RejectedEntry as exc:
                self._reject(lease_id, data, exc)
                continue
            request.meta[LEASE_META] = lease_id
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
            return request
        return None
