"""Why a request failed, as a short stats name: ``newscrawl/failed/<reason>`` counts every failed request.

Scrapy reports failures as exception types (timeouts, data loss, cancelled oversized downloads) and as
``IgnoreRequest`` with a message (robots.txt, offsite, redirect loops, decompression bombs, HTTP errors
after the last retry); :func:`failure_reason` folds both into one vocabulary the run report can list, and
:func:`failure_message` says it in the log (``HTTP 404``, not Scrapy's "Ignoring non-200 response").

:class:`UnreachableSiteMiddleware` stops a run whose site cannot be reached at all (its host does not
resolve, or refuses connections, and nothing has been downloaded from it): finish reason
``site_unreachable``, exit 4, within seconds instead of minutes of retries with backoff.
"""

from __future__ import annotations

import logging
from typing import Any, Self
from urllib.parse import urlsplit

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
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TimeoutError,
)
from twisted.python.failure import Failure

from newscrawl import config
from newscrawl.shutdown import CancelledAtStop, begin_stop
from newscrawl.statnames import FAILED, UNREACHABLE_MIRROR, UNREACHABLE_REASON, stat

logger = logging.getLogger(__name__)

# Checked in order: the first type the exception is an instance of names the reason.
_BY_TYPE: tuple[tuple[type[BaseException], str], ...] = (
    (CancelledAtStop, "cancelled"),  # queued in the downloader when the run began to stop
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


def is_network_failure(exc: BaseException | None) -> bool:
    """True for a download that failed on the network (DNS, refused, timeout, reset), not in our code."""
    return exc is not None and any(isinstance(exc, kind) for kind, _ in _BY_TYPE) and not isinstance(
        exc, CancelledAtStop
    )


def failure_message(failure: Failure | BaseException) -> str:
    """A failure in words for the log; an HTTP error names its status."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return failure.getErrorMessage() if isinstance(failure, Failure) else str(exc) or type(exc).__name__


# Failures that say the host is not there at all, as opposed to busy: retrying them with backoff only
# delays the news that the site (or the network) is unreachable.
UNREACHABLE: tuple[type[BaseException], ...] = (
    CannotResolveHostError,
    DNSLookupError,
    DownloadConnectionRefusedError,
    ConnectionRefusedError,
)
SITE_UNREACHABLE = "site_unreachable"  # the finish reason


class UnreachableSiteMiddleware:
    """Downloader middleware (above the retry middleware): a DNS failure or a refused connection on the
    site's own hosts is not retried, and after ``NEWSCRAWL_UNREACHABLE_AFTER`` of them with nothing yet
    downloaded from the site, the spider is closed as ``site_unreachable``. Once a response has come back,
    the site is reachable and later failures take the usual retries."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = config.get_int(crawler.settings, "NEWSCRAWL_UNREACHABLE_AFTER")
        self.failures = 0
        self.reached = False
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _own_host(self, request: Request) -> str | None:
        host = urlsplit(request.url).hostname or ""
        spider = self.crawler.spider
        own = getattr(spider, "allowed_domains", None) or ()
        return host if host in own else None

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.closing:
            # The spider is closing (its close starts on the next loop turn): nothing more waits for a slot.
            raise CancelledAtStop("the site is unreachable")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if not self.reached and self._own_host(request):
            self.reached = True
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        if self.reached or not isinstance(exception, UNREACHABLE):
            return
        host = self._own_host(request)
        if host is None:
            return
        request.meta["dont_retry"] = True  # read by the retry middleware, which sees the failure next
        self.failures += 1
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("newscrawl/unreachable/failures")
        if self.failures < self.limit or self.closing:
            return
        self.closing = True
        mirror = self.crawler.settings.get("NEWSCRAWL_MIRROR") or ""
        what = "DNS lookup failed" if failure_reason(exception) == "dns" else "connection refused"
        where = urlsplit(mirror if mirror else request.url).netloc
        stats.set_value(stat(UNREACHABLE_REASON), f"{what} for {where}")
        stats.set_value(stat(UNREACHABLE_MIRROR), mirror)
        logger.error(
            "%s unreachable: %s for %s, %d times and no page downloaded; stopping the run",
            "mirror" if mirror else "site",
            what,
            where,
            self.failures,
        )
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=SITE_UNREACHABLE))
        begin_stop(self.crawler)  # the requests queued behind a download delay would only fail the same way


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
            self.crawler.stats.inc_value(stat(FAILED + reason))
