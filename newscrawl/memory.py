"""A memory guard for the whole crawl stack: the crawl process and every process under it.

Scrapy's ``MEMUSAGE_LIMIT_MB`` watches the crawl process alone, but a rendered crawl also runs
Playwright's Node.js driver and a dozen Chromium processes. Every ``MEMUSAGE_CHECK_INTERVAL_SECONDS`` this
extension sums the proportional set size (PSS: pages shared between Chromium's processes counted once, in
shares; RSS where the system gives no PSS) of the crawl and all its descendants, and past
``NEWSCRAWL_MEMORY_LIMIT_MB`` closes the spider with the finish reason ``stack_memory_exceeded``: the pages
in flight finish, what was archived stays committed, and the run exits 1 (docs/cron.md#exit-codes-and-what-to-do).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Self

import psutil
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from newscrawl import config

logger = logging.getLogger(__name__)

REASON = "stack_memory_exceeded"


def process_kind(process: psutil.Process) -> str:
    """``driver``, ``browser`` or ``other`` for a process under the crawl."""
    with suppress(psutil.Error):
        name = process.name().lower()
        if "chrom" in name or "headless_shell" in name:
            return "browser"
        if "run-driver" in process.cmdline():
            return "driver"
    return "other"


def stack_memory(root: psutil.Process | None = None) -> dict[str, int]:
    """Bytes in use by the crawl process and its descendants, by kind: ``crawl``, ``driver``, ``browser``, ``other``."""
    root = root or psutil.Process()
    usage = {"crawl": _footprint(root), "driver": 0, "browser": 0, "other": 0}
    with suppress(psutil.Error):
        for child in root.children(recursive=True):
            usage[process_kind(child)] += _footprint(child)
    return usage


def _footprint(process: psutil.Process) -> int:
    try:
        full = process.memory_full_info()
        return int(getattr(full, "pss", 0) or full.rss)
    except psutil.AccessDenied:
        with suppress(psutil.Error):
            return int(process.memory_info().rss)
    except psutil.Error:
        pass
    return 0


class StackMemoryGuard:
    """Extension: stop the crawl cleanly when the crawl stack together passes ``NEWSCRAWL_MEMORY_LIMIT_MB``."""

    def __init__(self, crawler: Crawler, limit_mb: int, interval: float) -> None:
        self.crawler = crawler
        self.limit = limit_mb * 2**20
        self.interval = interval
        self.process = psutil.Process()
        self._loop: AsyncioLoopingCall | LoopingCall | None = None
        self._stopping = False
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        limit = config.get_int(crawler.settings, "NEWSCRAWL_MEMORY_LIMIT_MB")
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit, crawler.settings.getfloat("MEMUSAGE_CHECK_INTERVAL_SECONDS", 60.0))

    def engine_started(self) -> None:
        self._loop = create_looping_call(self.check)
        self._loop.start(self.interval, now=True)

    def engine_stopped(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def check(self) -> None:
        usage = stack_memory(self.process)
        total = sum(usage.values())
        stats = self.crawler.stats
        if stats is not None:
            stats.max_value("newscrawl/memory/stack_max_mb", total // 2**20)
            for kind, used in usage.items():
                if used:
                    stats.max_value(f"newscrawl/memory/{kind}_max_mb", used // 2**20)
        if total <= self.limit or self._stopping:
            return
        self._stopping = True
        logger.error(
            "the crawl stack uses %d MiB (crawl %d, driver %d, browser %d, other %d), over "
            "NEWSCRAWL_MEMORY_LIMIT_MB=%d: closing the crawl",
            total // 2**20,
            *(usage[k] // 2**20 for k in ("crawl", "driver", "browser", "other")),
            self.limit // 2**20,
        )
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=REASON))  # asyncio or Twisted, as the reactor is
