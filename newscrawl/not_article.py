"""Pages answered with 200 that are no article (bot challenges, consent walls, empty shells): retried later.

A challenge usually passes after a while, so an article request whose page is a ``challenge`` or
``not_article`` (``page_kind``: a text scan, else the spider's own parse of the page) is re-requested
with backoff (``NEWSCRAWL_NOT_ARTICLE_BACKOFF`` seconds, doubled each time, up to
``NEWSCRAWL_NOT_ARTICLE_RETRIES`` times). The wait happens in the download path of that one request, not
in the crawl. After the last try the page goes on to the spider, and ``ValidateArticlePipeline`` drops it
with its reason, so it is never archived. Counted under ``newscrawl/not_article/{seen,retried,gave_up}/<kind>``
and summed up in the log when the spider closes.
"""

from __future__ import annotations

from typing import Any, Self
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl import config
from newscrawl.core.dates import utc_now
from newscrawl.core.extract import Reading, parse_page, read
from newscrawl.shutdown import wait
from newscrawl.statnames import NOT_ARTICLE, stat

RETRIES_META = "newscrawl_not_article_retries"


def is_article_request(request: Request) -> bool:
    """Requests the spiders make for article pages carry ``ref`` (site spiders) or ``article`` (news spider)."""
    return request.meta.get("ref") is not None or bool(request.meta.get("article"))


class _Response:
    """What the crawl learnt of one article response: its bytes decoded and scanned once (``Reading``), and
    its item when a middleware had to parse it to classify it, kept for the spider's callback."""

    __slots__ = ("item", "reading")

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.item: dict[str, Any] | None = None


# Keyed weakly, so a response that is retried instead of parsed takes its entry along.
_SEEN: WeakKeyDictionary[Response, _Response] = WeakKeyDictionary()


def _seen(response: TextResponse) -> _Response:
    seen = _SEEN.get(response)
    if seen is None:
        content_type = response.headers.get("Content-Type")
        ctype = content_type.decode("latin-1") if content_type else None
        seen = _SEEN[response] = _Response(read(response.body, response.url, ctype))
    return seen


def _parse(response: TextResponse, reading: Reading, tz: str | None = None) -> dict[str, Any]:
    return parse_page(reading, response.url, utc_now(), tz=tz)


def page_kind(response: TextResponse) -> str:
    """The ``page_kind`` the spider's parse gives an article response, with the parse skipped where the text
    scan decides (``Scan.plainly_article``); a parse made here is kept for the spider (``take_parsed``).
    The page is decoded and scanned once, however many middlewares ask."""
    seen = _seen(response)
    if seen.reading.scan.plainly_article:
        return "article"
    if seen.item is None:
        seen.item = _parse(response, seen.reading)
    kind: str = seen.item["page_kind"]
    return kind


def take_parsed(response: TextResponse, tz: str | None = None) -> dict[str, Any]:
    """The item of an article response (``newscrawl.core.extract.parse_page``): the one ``page_kind`` made,
    or a fresh parse of the page as decoded once. A spider that reads naive times in a zone of the user's
    (``-a tz=``) parses afresh: the middlewares' parse knew no zone, and only the times of such a page
    change with it."""
    seen = _seen(response)
    item, seen.item = seen.item, None
    return item if item is not None and tz is None else _parse(response, seen.reading, tz)


class RetryNotArticleMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.crawler = crawler
        self.retries = config.get_int(crawler.settings, "NEWSCRAWL_NOT_ARTICLE_RETRIES")
        self.backoff = config.get_float(crawler.settings, "NEWSCRAWL_NOT_ARTICLE_BACKOFF")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if response.status != 200 or not isinstance(response, TextResponse) or not is_article_request(request):
            return response
        kind = page_kind(response)
        if kind in {"article", "binary"}:  # bytes that are no text will not turn into an article later
            return response
        self._count(f"seen/{kind}")
        tries = int(request.meta.get(RETRIES_META, 0))
        if tries >= self.retries:
            self._count(f"gave_up/{kind}")
            return response  # the validate pipeline drops it with its reason
        delay = self.backoff * 2**tries
        self._count(f"retried/{kind}")
        if delay > 0 and await wait(self.crawler, delay):
            return response  # the run is stopping: the validate pipeline drops it with its reason
        # Not scrapy's get_retry_request: it counts in meta["retry_times"], the budget RetryMiddleware spends
        # on network errors, so each kind of retry would eat into the other's.
        retry = request.replace(dont_filter=True)
        retry.meta[RETRIES_META] = tries + 1
        return retry

    def _count(self, name: str) -> None:
        self.stats.inc_value(stat(NOT_ARTICLE + name))

    def spider_closed(self, spider: Any, reason: str) -> None:
        seen = {
            k.removeprefix(stat(NOT_ARTICLE)): v
            for k, v in self.stats.get_stats().items()
            if k.startswith(stat(NOT_ARTICLE))
        }
        if seen:
            spider.logger.warning(
                "pages that were no article (answered 200): %s",
                ", ".join(f"{k}={v}" for k, v in sorted(seen.items())),
            )
