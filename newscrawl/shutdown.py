"""Stopping a crawl in seconds: Ctrl-C says what it does, and nothing waits out politeness on the way out.

Scrapy's graceful shutdown (first Ctrl-C, or a spider closed early) waits for every request the downloader
holds, including those queued behind a download delay or AutoThrottle (up to 30 s apart each) and those
sleeping before a retry (up to a minute). :func:`begin_stop` ends those waits: queued requests fail as
``cancelled`` (:class:`CancelledAtStop`), and the retry and not-article waits (:func:`wait`) return early
so their request fails with the error it already had. Pages already downloading finish, and their records
are archived as usual.

:class:`FastStop` (extension) prints on stderr what the first Ctrl-C does and that a second one stops at
once (Scrapy's second-signal handler stops the reactor; the archive keeps every committed record).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import weakref
from types import FrameType
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import call_later, is_asyncio_available
from scrapy.utils.asyncio import sleep as scrapy_sleep
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

_STOPPING: weakref.WeakKeyDictionary[Crawler, asyncio.Event] = weakref.WeakKeyDictionary()


class CancelledAtStop(IgnoreRequest):
    """A request dropped from the downloader's queue because the run is stopping."""


def _event(crawler: Crawler) -> asyncio.Event:
    event = _STOPPING.get(crawler)
    if event is None:
        event = _STOPPING[crawler] = asyncio.Event()
    return event


def stopping(crawler: Crawler) -> bool:
    event = _STOPPING.get(crawler)
    return event is not None and event.is_set()


async def wait(crawler: Crawler, seconds: float) -> bool:
    """Sleep ``seconds``, or less if the run starts stopping; True if it did (the caller then gives up)."""
    if stopping(crawler):
        return True
    if not is_asyncio_available():
        await scrapy_sleep(seconds)
        return stopping(crawler)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_event(crawler).wait(), seconds)
    return stopping(crawler)


def begin_stop(crawler: Crawler) -> int:
    """End every wait of the run: wake sleeping retries, fail the requests queued in the downloader.
    Returns how many queued requests were cancelled."""
    _event(crawler).set()
    try:
        engine = crawler.engine
    except RuntimeError:  # Scrapy 2.19: not set before the crawl starts
        return 0
    if engine is None:
        return 0
    cancelled = 0
    # Scrapy's Downloader keeps waiting requests in each slot's queue (scrapy/core/downloader/__init__.py,
    # Slot.queue of (request, deferred)); the engine's close waits for them all, a delay apart. Failing the
    # deferred is what the downloader itself does when a download fails.
    for slot in list(engine.downloader.slots.values()):
        slot.close()  # cancels the pending delayed call
        while slot.queue:
            _request, deferred = slot.queue.popleft()
            deferred.errback(Failure(CancelledAtStop("the run is stopping")))
            cancelled += 1
    if cancelled and crawler.stats is not None:
        crawler.stats.inc_value("newscrawl/stop/cancelled_queued", cancelled)
    return cancelled


class FastStop:
    """Extension: on the first SIGINT/SIGTERM a line on stderr and :func:`begin_stop`; Scrapy's own handler
    then closes the spider gracefully. On the second, a line on stderr before Scrapy stops at once."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site = ""
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def engine_started(self) -> None:
        spider = self.crawler.spider
        self.site = str(getattr(spider, "site_key", None) or getattr(spider, "name", "") or "crawl")
        # Scrapy installs its handlers when the reactor has started; wrap them once it has.
        call_later(0, self._wrap, self._first)

    def _wrap(self, before: Any) -> None:
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            previous(signum, frame)  # Scrapy queues its graceful (or immediate) stop on the reactor
            if before == self._first:
                self._wrap(self._second)  # previous() installed Scrapy's second-signal handler: wrap it too
            before(signum)  # last: once the message is out, the next Ctrl-C finds its handler in place

        signal.signal(signal.SIGINT, handler)
        if signal.getsignal(signal.SIGTERM) == previous:
            signal.signal(signal.SIGTERM, handler)

    def _say(self, text: str) -> None:
        # In a signal handler: os.write, not print (the interrupted code may be writing to sys.stderr).
        with contextlib.suppress(OSError):
            os.write(2, f"newscrawl: {self.site}: {text}\n".encode())

    def _first(self, signum: int) -> None:
        from twisted.internet import reactor

        self._say("stopping: finishing the pages in flight; press Ctrl-C again to stop now")
        # Queued after Scrapy's graceful stop, so no request sent in between waits out a delay.
        reactor.callFromThread(self._begin)

    def _begin(self) -> None:
        cancelled = begin_stop(self.crawler)
        logger.info("stopping: %d queued request(s) cancelled, waits ended", cancelled)

    def _second(self, signum: int) -> None:
        self._say("stopping now; records already committed stay in the archive")
