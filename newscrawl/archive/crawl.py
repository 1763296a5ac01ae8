"""The archive as a crawl sees it: opened once per crawler by :class:`ArchiveExtension`, locked for the
crawl, closed when it ends.

The extension opens (and reconciles) the archive when the crawler builds its extensions, right after the
spider is created and before any request; everything else finds it through :func:`archive_for`. Another
kind of archive plugs in as a subclass that overrides :meth:`ArchiveExtension.site_lock` and
:meth:`ArchiveExtension.open_archive` and takes the extension's place in ``EXTENSIONS`` (the distributed
add-on does).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl import config
from newscrawl.archive.index import SeenIndex
from newscrawl.archive.store import Archive, ArchiveError, SiteLock
from newscrawl.archive.warc import Exchange
from newscrawl.failures import SITE_UNREACHABLE
from newscrawl.lost import articles_missed
from newscrawl.statnames import ARCHIVE_OPEN_MS, CAPTURES_WRITTEN, FILES_WRITTEN, stat

logger = logging.getLogger(__name__)


class CrawlArchive(Protocol):
    """What a crawl needs of its archive: the embedded :class:`Archive`, or one an add-on plugs in."""

    @property
    def index(self) -> SeenIndex: ...

    @property
    def previous_run_complete(self) -> bool: ...

    @property
    def files_written(self) -> Sequence[Path]: ...

    @property
    def captures_written(self) -> Sequence[Path]: ...

    def write(self, record: dict[str, Any]) -> None: ...

    def mark_checked(self, key: str, when: str) -> None: ...

    def capture(self, exchange: Exchange, date: str, info: dict[str, str]) -> dict[str, Any]: ...

    def revisit(
        self, exchange: Exchange, date: str, info: dict[str, str], refers_to: dict[str, str] | None
    ) -> None: ...

    def close(self, complete: bool = False) -> None: ...

    def rel(self, path: Path) -> str: ...


def output_dir(crawler: Crawler) -> Path:
    return Path(crawler.settings.get("NEWSCRAWL_OUTPUT") or "output")


def site_key(crawler: Crawler) -> str:
    spider = crawler.spider
    assert spider is not None, "the archive opens once the spider exists"
    return str(getattr(spider, "site_key", None) or spider.name)


def archive_for(crawler: Crawler) -> CrawlArchive:
    """The crawl's archive, opened by the archive extension before the first request."""
    extension = crawler.get_extension(ArchiveExtension)
    if extension is None:
        raise RuntimeError("this crawl has no archive: NEWSCRAWL_ARCHIVE_ENABLED is off or EXTENSIONS lacks it")
    return extension.archive


def archive_enabled(crawler: Crawler) -> bool:
    """``NEWSCRAWL_ARCHIVE_ENABLED`` (default on): off, a crawl writes, locks and reports nothing."""
    return config.get_bool(crawler.settings, "NEWSCRAWL_ARCHIVE_ENABLED")


def seen_index(crawler: Crawler) -> SeenIndex | None:
    """The index the spider consults to skip archived articles; None when the crawl has no archive."""
    extension = crawler.get_extension(ArchiveExtension)
    return extension.archive.index if extension is not None else None


def previous_run_complete(crawler: Crawler) -> bool:
    """Whether the site's previous run finished without losing articles (so traversal may stop early)."""
    extension = crawler.get_extension(ArchiveExtension)
    return extension.archive.previous_run_complete if extension is not None else False


def write_record(crawler: Crawler, record: dict[str, object]) -> None:
    """Append a record; a write that fails (a full disk) stops the crawl with reason ``archive_error``
    (or the error's own ``reason``, given by an archive an add-on plugged in)."""
    try:
        archive_for(crawler).write(record)
    except ArchiveError as exc:
        if crawler.engine is not None and crawler.engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro  # asyncio or Twisted, as the reactor is

            reason = getattr(exc, "reason", "archive_error")
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
        raise


class ArchiveExtension:
    """Takes the site's lock and opens the archive before the first request; closes both when the spider
    closes. The one owner of the crawl's archive."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.lock = self.site_lock()
        self.lock.acquire()  # raises ArchiveLocked: the crawl stops before any request
        started = time.perf_counter()
        self.archive = self.open_archive()  # reconciled now, before the first request
        assert crawler.stats is not None
        crawler.stats.set_value(stat(ARCHIVE_OPEN_MS), round((time.perf_counter() - started) * 1000, 2))
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

    def site_lock(self) -> SiteLock:
        """The site's lock, exclusive: one process writes a site's archive."""
        return SiteLock(output_dir(self.crawler), site_key(self.crawler))

    def open_archive(self) -> CrawlArchive:
        """The site's archive, reconciled with its files, its run begun."""
        archive = Archive(
            output_dir(self.crawler),
            site_key(self.crawler),
            flush_every=config.get_int(self.crawler.settings, "NEWSCRAWL_FLUSH_EVERY"),
        )
        archive.reconcile()
        archive.previous_run_complete = archive.begin_run()
        return archive

    def spider_closed(self, spider: object, reason: str) -> None:
        archive = self.archive
        try:
            assert self.crawler.stats is not None
            missed = articles_missed(self.crawler.stats.get_stats())
            # A run that reached nothing changed nothing: the previous run's completeness stands.
            unreached = reason == SITE_UNREACHABLE and archive.previous_run_complete
            archive.close(complete=(reason == "finished" and not missed) or unreached)
            self.crawler.stats.set_value(stat(FILES_WRITTEN), [archive.rel(p) for p in archive.files_written])
            self.crawler.stats.set_value(stat(CAPTURES_WRITTEN), [archive.rel(p) for p in archive.captures_written])
        finally:
            self.lock.release()
