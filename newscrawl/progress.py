"""Progress during a run: a log line every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds, and a bar on a terminal.

The line counts what the run summary will report (new, revised, skipped as archived, failed requests) and
what is left (requests queued or downloading); a ``since``/``until`` backfill adds the days whose date-archive
pages are done and an estimate of the time left at the pace so far. When stderr is a terminal a ``tqdm`` bar
shows the same counts between the log lines (log records are written above it, not through it).
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import date
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

from newscrawl import config
from newscrawl.statnames import (
    ARCHIVE_NEW,
    ARCHIVE_UPDATED,
    DISCOVERY_FAILED,
    FAILED,
    SKIPPED_ARCHIVED,
    UNCHANGED,
    count_in,
    stat,
)

logger = logging.getLogger(__name__)


def clock(seconds: float) -> str:
    """``42 s``, ``3 min``, ``2 h 05 min``: an estimate, rounded to what a reader needs."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def progress_line(
    stats: dict[str, Any], queued: int, elapsed: float, window: tuple[date, date] | None = None
) -> tuple[str, int, int]:
    """The progress line, and the requests done and in all so far (for a bar)."""
    failed = sum(int(v) for k, v in stats.items() if k.startswith(stat(FAILED)))
    skipped = count_in(stats, SKIPPED_ARCHIVED) + count_in(stats, UNCHANGED)
    done = int(stats.get("downloader/response_count") or 0) + failed
    parts = [
        f"{count_in(stats, ARCHIVE_NEW)} new",
        f"{count_in(stats, ARCHIVE_UPDATED)} revised",
        f"{skipped} skipped",
        f"{failed} failed",
        f"{queued} queued",
    ]
    line = "progress: " + ", ".join(parts)
    if window is not None:
        since, until = window
        days = (until - since).days + 1
        asked = count_in(stats, "discovery/date_archive/requests")
        answered = count_in(stats, "discovery/date_archive/responses")
        answered += count_in(stats, DISCOVERY_FAILED + "date_archive")
        days_done = days if not asked else min(days, days * answered // asked)
        line += f"; days {days_done} of {days} done"
        if done and queued:
            line += f", about {clock(elapsed * queued / done)} left"
        elif not queued:
            line += ", finishing"
    return line, done, done + queued


class Progress:
    """Extension: log :func:`progress_line` every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds (0: never)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task: AsyncioLoopingCall | LoopingCall | None = None
        self.bar: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = config.get_float(crawler.settings, "NEWSCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        if sys.stderr.isatty() and not self.crawler.settings.get("LOG_FILE"):
            self.bar = _TerminalBar()
        self.task = create_looping_call(self.tick)
        self.task.start(self.interval, now=False)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        if request.meta.get("source") == "date_archive" and self.crawler.stats is not None:
            self.crawler.stats.inc_value("newscrawl/discovery/date_archive/responses")
        if self.bar is not None:
            self.bar.update(*self._line())

    def _queued(self) -> int:
        engine = self.crawler.engine
        if engine is None or engine._slot is None:
            return 0
        scheduler: Any = engine._slot.scheduler
        try:
            waiting = len(scheduler)
        except TypeError:
            waiting = 0
        return waiting + len(engine.downloader.active)

    def _line(self) -> tuple[str, int, int]:
        assert self.crawler.stats is not None
        spider = self.crawler.spider
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        window = (since, until) if isinstance(since, date) and isinstance(until, date) else None
        return progress_line(self.crawler.stats.get_stats(), self._queued(), time.monotonic() - self.started, window)

    def tick(self) -> None:
        line, done, total = self._line()
        if self.bar is not None:
            self.bar.update(line, done, total)
        logger.info("%s", line)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _TerminalBar:
    """A tqdm bar on stderr; Scrapy's stderr log handlers write through ``tqdm.write`` while it is shown."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bar = tqdm(total=0, unit="req", file=sys.stderr, dynamic_ncols=True, leave=False)
        self.handlers = [
            h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.stream is sys.stderr
        ]
        for handler in self.handlers:
            handler.setStream(_TqdmStream(tqdm))  # type: ignore[arg-type]

    def update(self, line: str, done: int, total: int) -> None:
        self.bar.total = max(total, done)
        self.bar.n = done
        self.bar.set_postfix_str(line.removeprefix("progress: ").split(";")[0], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
        for handler in self.handlers:
            handler.setStream(sys.stderr)


class _TqdmStream:
    def __init__(self, tqdm: Any) -> None:
        self.tqdm = tqdm

    def write(self, text: str) -> None:
        if text.strip():
            self.tqdm.write(text.rstrip("\n"), file=sys.stderr)

    def flush(self) -> None:
        sys.stderr.flush()
