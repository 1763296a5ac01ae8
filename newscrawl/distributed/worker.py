"""A distributed worker's life: seed once per run, renew its leases, close when no work is left anywhere.

- The first worker of a run (``SET NX`` of the run marker) sends the spider's start requests; the others
  start with none and take theirs from the shared queue.
- Every ``lease / 4`` seconds the worker renews the leases it holds and puts the expired leases of dead
  workers back into the queue.
- An idle worker polls the queue twice a second (the engine's own idle heartbeat is 5 s) and closes
  once nothing has been queued or leased anywhere for ``NEWSCRAWL_REDIS_IDLE_CLOSE`` seconds; the last
  one ends the run (clears the marker and the duplicate filter, so the next run starts afresh).
- A worker that did not seed (``newscrawl/distributed/seeded`` 0) and parsed no article (the others did the
  work) exits 0, not 4 (``newscrawl.outcome``).
- A worker that cannot reach Redis for ``NEWSCRAWL_REDIS_RETRY`` seconds stops (``redis_unavailable``, exit 1),
  even when Redis is back before it has closed: from the first failure on it acknowledges nothing, so
  every request it held returns to the queue, and the items it could not record are counted
  (``newscrawl/distributed/lost_items``), never marked archived.
- A worker whose Redis forgot the run (restarted empty, flushed: the seen-index epoch is gone) stops
  with ``redis_lost`` (exit 1) instead of finishing an empty queue; the next run rebuilds the index.
- ``LeaseMiddleware`` acknowledges a request's lease once its callback output is consumed and its items
  have left the pipelines; whatever it could not follow (errbacks) is acknowledged when the worker is
  idle, because an idle engine has nothing in progress.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import call_later, create_looping_call
from twisted.python.failure import Failure

from newscrawl import config
from newscrawl.distributed import enabled, lease_seconds
from newscrawl.distributed.archive import RedisArchive, RedisFailure, SharedArchiveExtension, worker_name
from newscrawl.distributed.scheduler import LEASE_META, Leases, leases_for
from newscrawl.statnames import SEEDED, stat

logger = logging.getLogger(__name__)

IDLE_POLL = 0.5


def lease_of(response: Response | Failure | None) -> str | None:
    request = getattr(response, "request", None)
    return request.meta.get(LEASE_META) if request is not None else None


class DistributedWorker:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.leases: Leases = leases_for(crawler)
        self.idle_close = config.get_float(crawler.settings, "NEWSCRAWL_REDIS_IDLE_CLOSE")
        self.idle_since: float | None = None
        self.heartbeat = create_looping_call(self.renew)
        self.stopping: str | None = None
        self.leases.on_fail.append(self.stop)
        # Scrapy keeps weak references to signal handlers: these bound methods live as long as we do.
        self._handlers = [
            (self.spider_opened, signals.spider_opened),
            (self.spider_idle, signals.spider_idle),
            (self.spider_closed, signals.spider_closed),
            (self.item_finished, signals.item_scraped),
            (self.item_finished, signals.item_dropped),
            (self.item_failed, signals.item_error),
            (self.spider_error, signals.spider_error),
        ]
        for handler, signal in self._handlers:
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    def count(self, name: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/distributed/{name}", value)

    def spider_opened(self, spider: Spider) -> None:
        self.heartbeat.start(lease_seconds(self.crawler.settings) / 4, now=False)

    def stop(self, reason: str, *, close: bool = True) -> None:
        """Stop the worker for ``reason`` (once); ``close=False`` when the caller raises ``CloseSpider``."""
        if self.stopping is not None:
            return
        self.stopping = reason
        if reason == "redis_lost":
            logger.error(
                "Redis lost this crawl's data (seen-index and queue): stopping; "
                "the next run rebuilds the seen-index from the archive files"
            )
        else:
            logger.error("Redis unreachable for longer than NEWSCRAWL_REDIS_RETRY: stopping")
        self.leases.fail(reason)
        engine = self.crawler.engine
        if close and engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro  # asyncio or Twisted, as the reactor is

            deferred_from_coro(engine.close_spider_async(reason=reason))

    def redis_archive(self) -> RedisArchive | None:
        extension = self.crawler.get_extension(SharedArchiveExtension)
        archive = extension.archive if extension is not None else None
        return archive if isinstance(archive, RedisArchive) else None

    def renew(self) -> None:
        if self.leases.failed:
            return
        try:
            self.leases.renew()
            requeued = self.leases.requeue_expired()
        except RedisError as exc:  # the client retried for NEWSCRAWL_REDIS_RETRY seconds already
            logger.warning("could not renew leases: %s", exc)
            self.stop("redis_unavailable")
            return
        except Exception as exc:  # a heartbeat that raises would stop beating: keep it going
            logger.warning("could not renew leases: %s", exc)
            return
        if requeued:
            logger.info("took back %d requests of a worker that stopped", requeued)
            self.count("requeued", requeued)

    def item_finished(self, item: Any = None, response: Response | Failure | None = None, **_: Any) -> None:
        lease_id = lease_of(response)
        if lease_id is not None:
            self.leases.item_finished(lease_id)

    def item_failed(
        self, item: Any = None, response: Response | Failure | None = None, failure: Failure | None = None, **_: Any
    ) -> None:
        if failure is not None and isinstance(failure.value, RedisFailure):
            # Not archived, and its request not acknowledged: it returns to the queue for another worker.
            self.count("lost_items")
            logger.error("could not record %s (%s)", item.get("key") if isinstance(item, dict) else item, failure.value)
            self.stop(failure.value.reason)
            return
        self.item_finished(item, response)

    def spider_error(self, failure: Failure, response: Response | None = None, **_: Any) -> None:
        if isinstance(failure.value, RedisError):  # a callback's index lookup: its request is not done
            self.stop("redis_unavailable")

    def spider_idle(self, spider: Spider) -> None:
        if self.stopping is not None:
            raise CloseSpider(self.stopping)  # joins a close already under way, or starts it
        try:
            archive = self.redis_archive()
            if archive is not None and archive.index_lost():
                self.stop("redis_lost", close=False)
                raise CloseSpider("redis_lost")
            self._check_work()
        except RedisError as exc:
            # The client retried for NEWSCRAWL_REDIS_RETRY seconds already: give up, exit non-zero.
            logger.warning("Redis unreachable: %s", exc)
            self.stop("redis_unavailable", close=False)
            raise CloseSpider("redis_unavailable") from exc

    def _check_work(self) -> None:
        # Idle: nothing is downloading or being scraped, so every lease still held is handled.
        self.count("acked_when_idle", len(self.leases.held))
        self.leases.ack_all()
        requeued = self.leases.requeue_expired()
        if requeued:
            self.count("requeued", requeued)
        now = time.monotonic()
        if self.leases.queued() or self.leases.in_flight():
            self.idle_since = None  # work left here or with another worker that may still queue more
        elif self.idle_since is None:
            self.idle_since = now
        elif now - self.idle_since >= self.idle_close:
            if self.leases.end_run():
                logger.info("no work left anywhere: run ended")
            return  # let the spider close
        self.poll_soon()
        raise DontCloseSpider

    def poll_soon(self) -> None:
        # The engine looks at an idle scheduler only every 5 s; a worker waiting for the others' work
        # asks again sooner. ``_slot`` is the engine's, reached for lack of a public "wake up".
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            call_later(IDLE_POLL, nextcall.schedule)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()
        try:
            if reason == "finished":
                self.leases.ack_all()
            elif reason != "redis_lost":  # a lost Redis has no queue to give them back to
                self.leases.release_all()  # stopped early: what it held goes back to the others
        except Exception as exc:
            logger.warning("could not return leases: %s", exc)


class LeaseMiddleware:
    """Seeds start requests once per run; tells the leases when a callback's output is consumed."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.leases = leases_for(crawler)
        self.worker = crawler.settings.get("NEWSCRAWL_WORKER_ID") or worker_name()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not enabled(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.leases.claim_run(self.worker):
            logger.info("joining a running crawl: start requests come from the shared queue")
            if self.crawler.stats is not None:
                self.crawler.stats.set_value(stat(SEEDED), 0)
            return
        logger.info("first worker of this run: seeding the start requests")
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(stat(SEEDED), 1)
        async for item_or_request in start:
            yield item_or_request

    def _track(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        lease_id = lease_of(response)
        for element in result:
            if lease_id is not None and not isinstance(element, Request):
                self.leases.item_started(lease_id)
            yield element
        if lease_id is not None:
            self.leases.output_finished(lease_id)

    def process_spider_output(self, response: Response, result: Iterable[Any], spider: Any = None) -> Iterator[Any]:
        yield from self._track(response, result)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        lease_id = lease_of(response)
        async for element in result:
            if lease_id is not None and not isinstance(element, Request):
                self.leases.item_started(lease_id)
            yield element
        if lease_id is not None:
            self.leases.output_finished(lease_id)
