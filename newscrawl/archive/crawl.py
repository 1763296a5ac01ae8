"""The archive as a crawl sees it: opened once per crawler, locked for the crawl, closed when it ends."""

from __future__ import annotations

import logging
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl import config
from newscrawl.archive.index import SeenIndex
from newscrawl.archive.store import Archive, ArchiveError, SiteLock
from newscrawl.failures import SITE_UNREACHABLE
from newscrawl.lost import articles_missed

if TYPE_CHECKING:
    from newscrawl.archive.redis_index import RedisArchive

logger = logging.getLogger(__name__)

_ARCHIVES: weakref.WeakKeyDictionary[Crawler, Archive | RedisArchive] = weakref.WeakKeyDictionary()


def output_dir(crawler: Crawler) -> Path:
    return Path(crawler.settings.get("NEWSCRAWL_OUTPUT") or "output")


def site_key(crawler: Crawler) -> str:
    spider = crawler.spider
    assert spider is not None, "the archive opens once the spider exists"
    return str(getattr(spider, "site_key", None) or spider.name)


def archive_for(crawler: Crawler) -> Archive | RedisArchive:
    """The crawl's archive, opened (and reconciled) on first use."""
    archive = _ARCHIVES.get(crawler)
    if archive is None and crawler.settings.get("NEWSCRAWL_REDIS_URL"):
        from newscrawl.archive.redis_index import RedisArchive

        archive = RedisArchive.from_crawler(crawler, output_dir(crawler), site_key(crawler))
        archive.start()
        _ARCHIVES[crawler] = archive
    if archive is None:
        archive = Archive(
            output_dir(crawler),
            site_key(crawler),
            flush_every=config.get_int(crawler.settings, "NEWSCRAWL_FLUSH_EVERY"),
        )
        archive.reconcile()
        archive.previous_run_complete = archive.begin_run()
        _ARCHIVES[crawler] = archive
    return archive


def archive_enabled(crawler: Crawler) -> bool:
    """``NEWSCRAWL_ARCHIVE_ENABLED`` (default on): off, a crawl writes, locks and reports nothing."""
    return config.get_bool(crawler.settings, "NEWSCRAWL_ARCHIVE_ENABLED")


def seen_index(crawler: Crawler) -> SeenIndex | None:
    """The index the spider consults to skip archived articles; None when the archive is switched off."""
    if not archive_enabled(crawler):
        return None
    return archive_for(crawler).index


def previous_run_complete(crawler: Crawler) -> bool:
    """Whether the site's previous run finished without losing articles (so traversal may stop early)."""
    if not archive_enabled(crawler):
        return False
    return archive_for(crawler).previous_run_complete


def write_record(crawler: Crawler, record: dict[str, object]) -> None:
    """Append a record; a write that fails (a full disk) stops the crawl with reason ``archive_error``
    (or the error's own ``reason``: ``redis_unavailable`` in distributed mode)."""
    try:
        archive_for(crawler).write(record)
    except ArchiveError as exc:
        if crawler.engine is not None and crawler.engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro  # asyncio or Twisted, as the reactor is

            reason = getattr(exc, "reason", "archive_error")
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
        raise


def site_lock(crawler: Crawler) -> SiteLock:
    """The site's lock: exclusive for a single-process crawl, shared by the workers of a distributed one."""
    if crawler.settings.get("NEWSCRAWL_REDIS_URL"):
        from newscrawl.distributed import SharedSiteLock

        return SharedSiteLock(output_dir(crawler), site_key(crawler))
    return SiteLock(output_dir(crawler), site_key(crawler))


class ArchiveExtension:
    """Takes the site's lock before the first request and closes the archive when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.lock = site_lock(crawler)
        self.lock.acquire()  # raises ArchiveLocked: the crawl stops before any request
        started = time.perf_counter()
        self.archive = archive_for(crawler)  # reconciled now, before the first request
        assert crawler.stats is not None
        crawler.stats.set_value("newscrawl/archive/open_ms", round((time.perf_counter() - started) * 1000, 2))
        rebuilt = getattr(self.archive, "rebuilt", None)
        if rebuilt is not None:
            logger.warning(
                "the seen-index did not account for the archive (%s): rebuilt %s from %d files, %d records, "
                "%d bad lines skipped, before the first request",
                rebuilt.reason, site_key(crawler), rebuilt.files, rebuilt.records, len(rebuilt.bad),
            )
            for bad in rebuilt.bad:
                logger.warning("bad archive line skipped: %s/%s", output_dir(crawler), bad)
            crawler.stats.set_value("newscrawl/archive/index_rebuilt", 1)
            crawler.stats.set_value("newscrawl/archive/index_rebuilt_records", rebuilt.records)
            crawler.stats.set_value("newscrawl/archive/bad_lines", len(rebuilt.bad))
        if not self.archive.previous_run_complete:
            crawler.stats.set_value("newscrawl/archive/previous_run_incomplete", 1)
        # Scrapy keeps weak references to signal handlers; this extension object is kept alive by the
        # crawler's extension manager, and the bound method by us.
        self._on_close = self.spider_closed
        crawler.signals.connect(self._on_close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        if not archive_enabled(crawler):
            raise NotConfigured
        return cls(crawler)

    def spider_closed(self, spider: object, reason: str) -> None:
        archive = _ARCHIVES.pop(self.crawler, None)
        try:
            if archive is not None:
                assert self.crawler.stats is not None
                missed = articles_missed(self.crawler.stats.get_stats())
                # A run that reached nothing changed nothing: the previous run's completeness stands.
                unreached = reason == SITE_UNREACHABLE and archive.previous_run_complete
                archive.close(complete=(reason == "finished" and not missed) or unreached)
                self.crawler.stats.set_value(
                    "newscrawl/archive/files_written", [archive.rel(p) for p in archive.files_written]
                )
        finally:
            self.lock.release()
