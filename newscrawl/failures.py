"""Why a request failed, as a short stats name: ``newscrawl/failed/<reason>`` counts every failed request.

Scrapy reports failures as exception types (timeouts, data loss, cancelled oversized downloads) and as
``IgnoreRequest`` with a message (robots.txt, offsite, redirect loops, decompression bombs, HTTP errors
after the last retry); :func:`failure_reason` folds both into one vocabulary the run report can list.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost, TimeoutError
from twisted.python.failure import Failure

# Checked in order: the first type the exception is an instance of names the reason.
_BY_TYPE: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    (TimeoutError, "timeout"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "too_large"),  # DOWNLOAD_MAXSIZE reached while downloading
    (DownloadConnectionRefusedError, "connection_refused"),
    (CannotResolveHostError, "dns"),
    (DownloadFailedError, "connection_lost"),  # reset or closed mid-response
    (ConnectionLost, "connection_lost"),
    (ConnectionDone, "connection_lost"),
    (ConnectError, "connection_refused"),
)

# IgnoreRequest messages of Scrapy's middlewares (scrapy 2.13-2.19), matched by prefix or fragment.
_BY_MESSAGE: tuple[tuple[str, str], ...] = (
    ("Forbidden by robots.txt", "robots_txt"),
    ("Filtered offsite request", "offsite"),
    ("max redirections reached", "redirect_loop"),
    ("during decompression", "decompression_too_large"),
    ("blocked by ", "blocked"),  # newscrawl.blocking.Blocked: a bot wall answered, nothing more to try
)


def failure_reason(failure: Failure | BaseException) -> str:
    """The stats name of a request failure: ``http_503``, ``timeout``, ``robots_txt``, ``offsite`` ..."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    for kind, reason in _BY_TYPE:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        for fragment, reason in _BY_MESSAGE:
            if fragment in message:
                return reason
        return "ignored"
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


class CountLostRequests:
    """Extension: count the requests Scrapy drops without calling their errback, by reason.

    An offsite redirect is filtered when it is scheduled (``offsite``) and a redirect back to a URL already
    requested is dropped by the duplicate filter (``redirect_loop``); neither reaches the spider's errback,
    so this counts them under the same ``newscrawl/failed/<reason>`` names.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._offsite: OffsiteMiddleware | None = None
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        if request.dont_filter or request.meta.get("allow_offsite"):
            return
        if self._offsite is None:
            self._offsite = self.crawler.get_downloader_middleware(OffsiteMiddleware)
        if self._offsite is not None and not self._offsite.should_follow(request, spider):
            self._count("offsite")

    def request_dropped(self, request: Request, spider: Spider) -> None:
        redirected_from = request.meta.get("redirect_urls") or []
        if request.url in redirected_from:
            self._count("redirect_loop")
        elif redirected_from:
            self._count("redirect_to_seen")

    def _count(self, reason: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/failed/{reason}")
